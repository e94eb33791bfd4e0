package cdk_test

import "testing"

// Rec is the record of testdata/execcan/records.go.
type Rec struct {
	ID      uint64  `ic:"id"`
	Name    string  `ic:"name"`
	Balance uint64  `ic:"balance"`
	Active  bool    `ic:"active"`
	Email   *string `ic:"email"`
}

// Bounds on the instructions per record (issue 12: reply of 1,000 records
// at most 10k per record, decode at most 15k). Instruction counts are
// exact; the bounds leave room over what was measured when they were set.
const (
	maxReplyPerRecord  = 10_000
	maxDecodePerRecord = 15_000
)

// TestRecordCost measures the instructions per record of a query replying
// with 1,000 records and of a query decoding 1,000 records, as the
// difference with 0 records, and of candid.Marshal and Unmarshal alone.
func TestRecordCost(t *testing.T) {
	e := newEnv(t)
	id := e.install()
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
