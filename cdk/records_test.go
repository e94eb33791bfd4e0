package cdk_test

import "testing"

// Rec is the record of testdata/reccan.
type Rec struct {
	ID      uint64  `ic:"id"`
	Name    string  `ic:"name"`
	Balance uint64  `ic:"balance"`
	Active  bool    `ic:"active"`
	Email   *string `ic:"email"`
}

// Bounds on the instructions per record. Issue 12's goals are 10k for the
// reply of 1,000 records and 15k for their decoding; measured: reply 4,630,
// decode 7,554 (candid.Marshal alone 2,651, candid.Unmarshal alone 7,575),
// from 35,859 and 26,642 before the compiled codecs. Instruction counts
// are exact; the bounds leave about 1.5x room, like measure_test.go's.
const (
	maxReplyPerRecord  = 7_000
	maxDecodePerRecord = 11_000
)

// TestRecordCost measures the instructions per record of a query replying
// with 1,000 records and of a query decoding 1,000 records, as the
// difference with 0 records, and of candid.Marshal and Unmarshal alone.
func TestRecordCost(t *testing.T) {
	e := newEnv(t)
	id, err := e.r.CreateCanister()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.Install(id, buildPkg(t, "./testdata/reccan"), nil); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	cost := func(method string, arg any) uint64 {
		res, err := e.r.Query(id, method, enc(t, arg))
		if err != nil || res.Reject != nil {
			t.Fatalf("%s: %v %v", method, err, res.Reject)
		}
		return uint64(res.Instructions)
	}
	var recs []Rec
	e.query(id, "records", &recs, uint32(n))
	if len(recs) != n {
		t.Fatalf("got %d records", len(recs))
	}
	reply := (cost("records", uint32(n)) - cost("records", uint32(0))) / n
	decode := (cost("take_records", recs) - cost("take_records", []Rec{})) / n
	var codec []uint64
	e.query(id, "codec_records", &codec, uint32(n))
	t.Logf("per record: reply %d, decode %d instructions (message difference 1,000 vs 0 records); candid.Marshal %d, candid.Unmarshal %d (GC cycles during them: %d, %d)",
		reply, decode, codec[0]/n, codec[1]/n, codec[2], codec[3])
	if reply > maxReplyPerRecord {
		t.Errorf("reply: %d instructions per record, want at most %d", reply, maxReplyPerRecord)
	}
	if decode > maxDecodePerRecord {
		t.Errorf("decode: %d instructions per record, want at most %d", decode, maxDecodePerRecord)
	}
}
