package stable

import (
	"errors"
	"io"
)

// Reader reads a Memory as a stream of bytes: it implements io.Reader,
// io.ReaderAt and io.Seeker. The end of the stream is the end of the memory
// (its size in pages times PageSize).
type Reader struct {
	m   Memory
	off int64
}

// NewReader returns a Reader at offset 0 of m.
func NewReader(m Memory) *Reader { return &Reader{m: m} }

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// ReadAt implements io.ReaderAt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable: negative offset")
	}
	size := int64(r.m.Size()) * PageSize
	if off >= size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > size-off {
		n = int(size - off)
	}
	r.m.Read(uint64(off), p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Seek implements io.Seeker; io.SeekEnd is relative to the memory's size.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	return seek(&r.off, r.m, offset, whence)
}

// Writer writes a Memory as a stream of bytes, growing it as needed: it
// implements io.Writer, io.WriterAt and io.Seeker. A write that needs more
// memory than can be grown fails with an error wrapping ErrGrowFailed and
// writes nothing.
type Writer struct {
	m   Memory
	off int64
}

// NewWriter returns a Writer at offset 0 of m.
func NewWriter(m Memory) *Writer { return &Writer{m: m} }

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.WriteAt(p, w.off)
	w.off += int64(n)
	return n, err
}

// WriteAt implements io.WriterAt.
func (w *Writer) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable: negative offset")
	}
	if err := ensure(w.m, uint64(off), uint64(len(p))); err != nil {
		return 0, err
	}
	w.m.Write(uint64(off), p)
	return len(p), nil
}

// Seek implements io.Seeker; io.SeekEnd is relative to the memory's size.
func (w *Writer) Seek(offset int64, whence int) (int64, error) {
	return seek(&w.off, w.m, offset, whence)
}

func seek(cur *int64, m Memory, offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = *cur
	case io.SeekEnd:
		base = int64(m.Size()) * PageSize
	default:
		return 0, errors.New("stable: Seek: invalid whence")
	}
	n := base + offset
	if n < 0 {
		return 0, errors.New("stable: Seek: negative position")
	}
	*cur = n
	return n, nil
}
