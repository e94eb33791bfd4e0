package validate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/stretchr/testify/require"
)

func TestDecompress(t *testing.T) {
	mod := []byte("\x00asm\x01\x00\x00\x00")
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	for _, in := range [][]byte{mod, gz(mod)} {
		got, err := Decompress(in)
		if err != nil || !bytes.Equal(got, mod) {
			t.Errorf("Decompress(% x) = % x, %v", in[:4], got, err)
		}
	}
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("hello"), "neither a wasm module"},
		{[]byte{0x1f, 0x8b, 0x08, 0, 1}, "gzip:"},
		{gz([]byte("text")), "does not contain a wasm module"},
	} {
		if _, err := Decompress(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decompress(%q): %v, want %q", tc.in, err, tc.want)
		}
	}
	big := append(append([]byte{}, mod...), make([]byte, MaxModuleSize)...)
	if _, err := Decompress(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("raw over the limit: %v", err)
	}
	if _, err := Decompress(gz(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("gzip over the limit: %v", err)
	}
}

// TestReadModuleBounded: reading a module stops after MaxModuleSize+1
// bytes of an endless input.
func TestReadModuleBounded(t *testing.T) {
	src := &countingZeros{}
	_, err := ReadModule(src)
	require.ErrorIs(t, err, ErrTooLarge)
	require.LessOrEqual(t, src.n, MaxModuleSize+1+64<<10)
	b, err := ReadModule(bytes.NewReader(wasm.Magic))
	require.NoError(t, err)
	require.Equal(t, wasm.Magic, b)
}

// countingZeros is an endless reader of zeros that counts what it gave.
type countingZeros struct{ n int }

func (z *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += len(p)
	return len(p), nil
}
