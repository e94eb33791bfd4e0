package stablemem

import (
	"bytes"
	"testing"
)

func TestTxnCommitAndDrop(t *testing.T) {
	var m Memory
	tx := m.Begin()
	if got := tx.Grow(2, MaxPages); got != 0 {
		t.Fatalf("Grow = %d, want 0", got)
	}
	if !tx.InBounds(PageSize*2-1, 1) || tx.InBounds(PageSize*2-1, 2) || tx.InBounds(^uint64(0), 2) {
		t.Fatal("InBounds wrong")
	}
	data := bytes.Repeat([]byte{7}, 100)
	tx.Write(PageSize-50, data) // spans two pages
	got := make([]byte, 102)
	tx.Read(got, PageSize-51)
	if got[0] != 0 || got[101] != 0 || !bytes.Equal(got[1:101], data) {
		t.Fatalf("read back %v", got)
	}
	tx.Commit()
	if m.Size() != 2 {
		t.Fatalf("size %d", m.Size())
	}

	// A dropped transaction leaves no trace.
	tx = m.Begin()
	tx.Grow(1, MaxPages)
	tx.Write(PageSize-50, []byte{1, 2, 3})
	if tx.DirtyChunks() != 1 {
		t.Fatalf("dirty %d", tx.DirtyChunks())
	}
	tx = m.Begin()
	if tx.Size() != 2 {
		t.Fatalf("size after drop %d", tx.Size())
	}
	tx.Read(got[:3], PageSize-50)
	if !bytes.Equal(got[:3], []byte{7, 7, 7}) {
		t.Fatalf("dropped write visible: %v", got[:3])
	}
	if tx.Grow(MaxPages, MaxPages) != -1 {
		t.Fatal("grow past the limit succeeded")
	}
}

func TestNestedTxn(t *testing.T) {
	var m Memory
	tx := m.Begin()
	tx.Grow(1, MaxPages)
	tx.Write(0, []byte{1, 1})

	// A dropped nested transaction leaves its parent as it was.
	child := tx.Begin()
	got := make([]byte, 2)
	child.Read(got, 0)
	if !bytes.Equal(got, []byte{1, 1}) {
		t.Fatalf("child sees %v, want its parent's writes", got)
	}
	child.Grow(1, MaxPages)
	child.Write(1, []byte{9})
	child.Write(PageSize+5, []byte{9})
	tx.Read(got, 0)
	if tx.Size() != 1 || !bytes.Equal(got, []byte{1, 1}) {
		t.Fatalf("parent changed by an uncommitted child: size %d, %v", tx.Size(), got)
	}

	// A committed one applies to the parent only.
	child = tx.Begin()
	child.Grow(1, MaxPages)
	child.Write(1, []byte{2})
	child.Commit()
	tx.Read(got, 0)
	if tx.Size() != 2 || !bytes.Equal(got, []byte{1, 2}) {
		t.Fatalf("after child commit: size %d, %v", tx.Size(), got)
	}
	if m.Size() != 0 || m.chunks != nil {
		t.Fatal("a nested commit reached the Memory")
	}
	tx.Commit()
	check := m.Begin()
	check.Read(got, 0)
	if m.Size() != 2 || !bytes.Equal(got, []byte{1, 2}) {
		t.Fatalf("memory: size %d, %v", m.Size(), got)
	}
}
