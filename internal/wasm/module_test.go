package wasm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// goModule builds a tiny Go wasip1 reactor module, the kind of input the
// post-processor sees.
func goModule(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"fmt\"\n\n//go:wasmexport hello\nfunc hello() { fmt.Println(\"hi\") }\n\nfunc main() {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module g\n\ngo 1.26\n"), 0o644))
	out := filepath.Join(dir, "g.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	w, err := os.ReadFile(out)
	require.NoError(t, err)
	return w
}

func TestRoundTripGoModule(t *testing.T) {
	in := goModule(t)
	m, err := Decode(in)
	require.NoError(t, err)
	require.NotEmpty(t, m.Imports)
	require.NotEmpty(t, m.Code)
	_, ok := m.Export("_initialize")
	require.True(t, ok)
	out := m.Encode()
	m2, err := Decode(out)
	require.NoError(t, err)
	require.Equal(t, len(m.Code), len(m2.Code))
	require.Equal(t, m.Exports, m2.Exports)
	// Re-encoding a decoded encoding is byte-stable.
	require.True(t, bytes.Equal(out, m2.Encode()))
	// Every body decodes instruction by instruction.
	for i, c := range m.Code {
		n := 0
		require.NoError(t, Walk(c.Body, func(in *Instr) error { n++; return nil }), "function %d", i)
		require.NotZero(t, n)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a wasm module"},
		{"bad version", []byte("\x00asm\x02\x00\x00\x00"), "unsupported binary version"},
		{"truncated section", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"), "runs past the end"},
		{"unknown section", []byte("\x00asm\x01\x00\x00\x00\x0e\x00"), "unknown section id 14"},
		{"out of order", []byte("\x00asm\x01\x00\x00\x00\x03\x01\x00\x01\x01\x00"), "out of order"},
		{"bad type form", []byte("\x00asm\x01\x00\x00\x00\x01\x02\x01\x50"), "unsupported type form"},
		{"func/code mismatch", []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"), "code section has 0 bodies"},
		{"trailing bytes", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x00\x00\x00"), "trailing bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLEB(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 127, 128, 1 << 31, -1 << 31, 1<<63 - 1, -1 << 63} {
		b := AppendSLEB(nil, v)
		r := &reader{b: b}
		got, err := r.sleb(64)
		require.NoError(t, err)
		require.Equal(t, v, got)
		require.True(t, r.eof())
	}
	for _, v := range []uint64{0, 1, 127, 128, 1<<32 - 1, 1<<64 - 1} {
		r := &reader{b: AppendULEB(nil, v)}
		got, err := r.u64()
		require.NoError(t, err)
		require.Equal(t, v, got)
	}
	r := &reader{b: []byte{0xff, 0xff, 0xff, 0xff, 0x1f}} // 2^35-1 does not fit u32
	_, err := r.u32()
	require.Error(t, err)
}
