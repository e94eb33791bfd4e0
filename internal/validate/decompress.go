package validate

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/icgo/icgo/internal/wasm"
)

// gzipMagic starts a gzip stream with the deflate method (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// Decompress returns the uncompressed wasm module in b, which the IC
// accepts either raw (starting with \0asm) or gzip-compressed (starting
// with 1f 8b 08) (spec "Canister module format"). The result is at most MaxModuleSize
// (100 MiB) bytes: a larger raw module, or gzip data that decompresses to
// more (it stops reading past the limit), is an error wrapping ErrTooLarge. Bad gzip data, gzip data that does not contain a
// wasm module, and input that is neither form are errors too. A raw module
// is returned as is, not copied.
func Decompress(b []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(b, wasm.Magic):
		if len(b) > MaxModuleSize {
			return nil, fmt.Errorf("validate: %w: the module has %d bytes", ErrTooLarge, len(b))
		}
		return b, nil
	case bytes.HasPrefix(b, gzipMagic):
		raw, err := decompress(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(raw, wasm.Magic) {
			return nil, fmt.Errorf("validate: the gzip data does not contain a wasm module (missing \\0asm magic)")
		}
		return raw, nil
	}
	return nil, fmt.Errorf("validate: neither a wasm module (\\0asm) nor gzip (1f 8b 08): starts with % x", b[:min(len(b), 4)])
}

// ReadModule reads a module file's bytes (raw or gzip, not decompressed)
// from r, reading at most MaxModuleSize+1 bytes: more is an error wrapping
// ErrTooLarge, so that an endless input (/dev/zero, a pipe) cannot
// exhaust memory. The IC refuses a larger module in either form.
func ReadModule(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxModuleSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxModuleSize {
		return nil, fmt.Errorf("validate: %w: stopped reading at %d bytes", ErrTooLarge, MaxModuleSize)
	}
	return b, nil
}

// ReadModuleFile is ReadModule of the named file.
func ReadModuleFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadModule(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}
