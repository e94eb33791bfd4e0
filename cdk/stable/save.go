package stable

import (
	"encoding/binary"
	"errors"

	"github.com/icgo/icgo/candid"
)

// The layout of Save (this package's own; ic-stable-structures has none):
//
//	"ICGOSAVE" | version u32 (1) | length u64 | Candid message ("DIDL...") of length bytes
const (
	saveMagic   = "ICGOSAVE"
	saveVersion = 1
	saveHeader  = 20
)

// Save writes v, any Candid-typed Go value (see package candid), to the
// canister's stable memory, after a header, replacing what was there. It is
// the one-line way to keep heap state across an upgrade: call it in
// PreUpgrade and Load in PostUpgrade.
//
// Save rewrites the whole value at each upgrade, which costs instructions
// in proportion to its size; for large data, keep it in stable structures
// (BTreeMap, ...) instead, which cost nothing at upgrade time. Save and a
// MemoryManager cannot share the canister's stable memory: use SaveTo with
// one of the manager's memories.
func Save(v any) error { return SaveTo(Stable(), v) }

// Load reads into v (a pointer) the value written by Save. Candid's
// subtyping rules apply, so the type may have changed since: a new opt
// record field loads as nil, a removed field is skipped. Load fails with a
// clear error when nothing was saved, or the memory holds something else.
func Load(v any) error { return LoadFrom(Stable(), v) }

// SaveTo is Save to memory m.
func SaveTo(m Memory, v any) error {
	b := make([]byte, saveHeader, 256)
	b, err := candid.AppendMarshal(b, []any{v})
	if err != nil {
		return errors.New("stable: Save: " + err.Error())
	}
	copy(b, saveMagic)
	binary.LittleEndian.PutUint32(b[8:], saveVersion)
	binary.LittleEndian.PutUint64(b[12:], uint64(len(b)-saveHeader))
	if err := ensure(m, 0, uint64(len(b))); err != nil {
		return errors.Join(errors.New("stable: Save of "+u(uint64(len(b)))+" bytes"), err)
	}
	m.Write(0, b)
	return nil
}

// LoadFrom is Load from memory m.
func LoadFrom(m Memory, v any) error {
	if m.Size() == 0 {
		return errors.New("stable: Load: the memory is empty: nothing was saved (call stable.Save in PreUpgrade)")
	}
	var h [saveHeader]byte
	m.Read(0, h[:])
	if string(h[:8]) != saveMagic {
		what := "data of another kind"
		switch {
		case h == [saveHeader]byte{}:
			what = "zeros: nothing was saved (call stable.Save in PreUpgrade)"
		case string(h[:3]) == "MGR":
			what = "a MemoryManager: use LoadFrom with one of its memories"
		case string(h[:3]) == "BTR" || string(h[:3]) == "SCL" || string(h[:3]) == "SVC":
			what = "a stable structure (" + q(h[:3]) + ")"
		}
		return errors.New("stable: Load: the memory does not hold data written by stable.Save (it starts with " +
			q(h[:8]) + ", want \"ICGOSAVE\"); it holds " + what)
	}
	if ver := binary.LittleEndian.Uint32(h[8:]); ver != saveVersion {
		return errors.New("stable: Load: unsupported Save layout version " + u(uint64(ver)))
	}
	n := binary.LittleEndian.Uint64(h[12:])
	if !inBounds(m, saveHeader, n) {
		return errors.New("stable: Load: the saved length of " + u(n) + " bytes exceeds the memory of " +
			u(m.Size()) + " pages: the data is truncated or corrupt")
	}
	b := make([]byte, n)
	m.Read(saveHeader, b)
	if err := candid.Unmarshal(b, []any{v}); err != nil {
		return errors.New("stable: Load: the saved value does not decode into " + typeName(v) + ": " + err.Error())
	}
	return nil
}

func typeName(v any) string {
	t, err := candid.TypeText(reflectType(v))
	if err != nil {
		return "the given type"
	}
	return t
}
