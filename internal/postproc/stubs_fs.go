package postproc

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	iclimits "github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
)

// Embedded read-only files (Options.Embed, `icgo build -embed-dir`).
//
// The directory trees are laid out in one passive data segment, the image:
// it stays in the module (it is not copied into linear memory at
// instantiation) and the WASI stubs copy from it with memory.init, so a
// file costs its size in the module and nothing in the heap until it is
// read. The image is
//
//	records  one per entry, embedRecSize bytes each, breadth first from the
//	         root (entry 0), so that a directory's children are contiguous
//	         and sorted by name:
//	           0 parent entry  4 WASI filetype (3 directory, 4 regular file)
//	           8 name offset   12 name length
//	          16 file: data offset; directory: first child
//	          20 file: size;        directory: number of children
//	names    the entries' names
//	data     the files' contents
//
// The root is preopened as fd 3, named "/", so that Go's syscall package
// (which resolves relative paths against its working directory, "/", and
// cleans them) sends every path to it. Opened files and directories take
// fds 4 to 4+embedMaxFDs-1, kept in the stubs' region with their read
// position.
//
// The stubs are helpers with the WASI signatures, called first by the
// regular stubs (stubs.go): a helper returns -1 for a descriptor it does not
// own, and the regular stub then does what it did before.

// EmbedDir mounts a directory tree in the canister's read-only file system.
type EmbedDir struct {
	// Path is where the tree appears: a slash-separated path, taken as
	// absolute ("testdata" and "/testdata" are the same; "/" is the root).
	Path string
	FS   fs.FS
}

// Limits of the embedded file system.
const (
	// EmbedMaxBytes bounds the image (records, names and contents): the
	// whole module must stay within the IC's module size limit
	// (validate.MaxModuleSize, 100 MiB uncompressed), and a module above
	// the IC's ingress message limit (2 MiB gzipped, see
	// validate.Report) must be installed in chunks.
	EmbedMaxBytes = iclimits.MaxModuleSize
	// EmbedMaxName is the longest file name (bytes), as on most file systems.
	EmbedMaxName = 255
	// embedMaxFDs is the number of files open at the same time.
	embedMaxFDs  = 32
	embedRecSize = 24
	embedRootFD  = 3
	embedFirstFD = 4
)

// WASI errno values of the file stubs (besides those in stubs.go).
const (
	errnoIsDir       = 31
	errnoMFile       = 33
	errnoNameTooLong = 37
	errnoNoEnt       = 44
	errnoNotDir      = 54
	errnoNotSup      = 58
	errnoROFS        = 69
	fileTypeDir      = 3
	fileTypeRegular  = 4
)

// fsNode is one entry while the image is built.
type fsNode struct {
	name     string
	dir      bool
	data     []byte
	children map[string]*fsNode
	parent   int
	index    int
}

// fsImage is the laid-out image and the stubs' state addresses.
type fsImage struct {
	seg     []byte
	entries int
	// In the stubs' region: the open descriptors (16 bytes each: entry+1
	// or 0 when free, then the i64 position), one record, one name.
	fdTab, recBuf, nameBuf int32
	segIndex               uint32
}

// buildImage reads the trees and lays out the image. Its work and memory
// are bounded by EmbedMaxBytes.
func buildImage(mounts []EmbedDir) (*fsImage, error) {
	root := &fsNode{dir: true, children: map[string]*fsNode{}}
	total := 0
	add := func(n int) error {
		total += n
		if total > EmbedMaxBytes {
			return fmt.Errorf("the embedded files need more than %d bytes, the IC's module size limit: embed less", EmbedMaxBytes)
		}
		return nil
	}
	// lookup returns the directory at p, creating it.
	mkdir := func(p string) (*fsNode, error) {
		n := root
		for _, c := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			if c == "" {
				continue
			}
			if len(c) > EmbedMaxName {
				return nil, fmt.Errorf("embedded path %q: the name %q is longer than %d bytes", p, c, EmbedMaxName)
			}
			next := n.children[c]
			if next == nil {
				next = &fsNode{name: c, dir: true, children: map[string]*fsNode{}}
				n.children[c] = next
				if err := add(embedRecSize + len(c)); err != nil {
					return nil, err
				}
			}
			if !next.dir {
				return nil, fmt.Errorf("embedded path %q: %q is a file, not a directory", p, c)
			}
			n = next
		}
		return n, nil
	}
	for _, m := range mounts {
		at := path.Clean("/" + m.Path)
		if m.FS == nil {
			return nil, fmt.Errorf("embedded directory %s: no file system", at)
		}
		err := fs.WalkDir(m.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			full := path.Join(at, p)
			if d.IsDir() {
				_, err := mkdir(full)
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				fi, err := fs.Stat(m.FS, p)
				if err != nil {
					return err
				}
				if fi.IsDir() {
					return fmt.Errorf("embedded path %s: a symbolic link to a directory is not supported; embed the directory itself", full)
				}
			} else if !d.Type().IsRegular() {
				return fmt.Errorf("embedded path %s: not a regular file or directory (%v)", full, d.Type())
			}
			dir, err := mkdir(path.Dir(full))
			if err != nil {
				return err
			}
			name := path.Base(full)
			if len(name) > EmbedMaxName {
				return fmt.Errorf("embedded path %s: the name is longer than %d bytes", full, EmbedMaxName)
			}
			if dir.children[name] != nil {
				return fmt.Errorf("embedded path %s appears twice", full)
			}
			fi, err := fs.Stat(m.FS, p)
			if err != nil {
				return err
			}
			if err := add(embedRecSize + len(name) + int(min(fi.Size(), EmbedMaxBytes+1))); err != nil {
				return err
			}
			data, err := fs.ReadFile(m.FS, p)
			if err != nil {
				return err
			}
			if err := add(len(data) - int(min(fi.Size(), EmbedMaxBytes+1))); err != nil {
				return err
			}
			dir.children[name] = &fsNode{name: name, data: data}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("embedding %s: %w", at, err)
		}
	}
	// Breadth first: a directory's children are contiguous, sorted.
	order := []*fsNode{root}
	for i := 0; i < len(order); i++ {
		n := order[i]
		n.index = i
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			c := n.children[name]
			c.parent = i
			order = append(order, c)
		}
	}
	recs := make([]byte, len(order)*embedRecSize)
	var names, data []byte
	nameBase := len(recs)
	for _, n := range order {
		names = append(names, n.name...)
		data = append(data, n.data...)
	}
	dataBase := nameBase + len(names)
	nameOff, dataOff, child := nameBase, dataBase, 1
	for i, n := range order {
		r := recs[i*embedRecSize:]
		le := binary.LittleEndian
		le.PutUint32(r[0:], uint32(n.parent))
		le.PutUint32(r[8:], uint32(nameOff))
		le.PutUint32(r[12:], uint32(len(n.name)))
		nameOff += len(n.name)
		if n.dir {
			le.PutUint32(r[4:], fileTypeDir)
			le.PutUint32(r[16:], uint32(child))
			le.PutUint32(r[20:], uint32(len(n.children)))
			child += len(n.children)
		} else {
			le.PutUint32(r[4:], fileTypeRegular)
			le.PutUint32(r[16:], uint32(dataOff))
			le.PutUint32(r[20:], uint32(len(n.data)))
			dataOff += len(n.data)
		}
	}
	seg := append(append(recs, names...), data...)
	if len(seg) > EmbedMaxBytes {
		return nil, fmt.Errorf("the embedded files need %d bytes, more than the IC's module size limit (%d): embed less", len(seg), EmbedMaxBytes)
	}
	return &fsImage{seg: seg, entries: len(order)}, nil
}

// planFS builds the image and reserves the stubs' state in the region
// (before the region's segment is laid out).
func (p *proc) planFS() error {
	if len(p.opt.Embed) == 0 {
		return nil
	}
	img, err := buildImage(p.opt.Embed)
	if err != nil {
		return err
	}
	img.fdTab = p.scratch(16 * embedMaxFDs)
	img.recBuf = p.scratch(embedRecSize)
	img.nameBuf = p.scratch(EmbedMaxName + 1)
	p.fs = img
	return nil
}

// fsSig are the WASI signatures the file helpers implement.
var fsSig = map[string]wasm.FuncType{
	"fd_prestat_get":      fsFT(i32s(2), 1),
	"fd_prestat_dir_name": fsFT(i32s(3), 1),
	"path_open":           fsFT([]wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I32, wasm.I32, wasm.I64, wasm.I64, wasm.I32, wasm.I32}, 1),
	"fd_close":            fsFT(i32s(1), 1),
	"fd_read":             fsFT(i32s(4), 1),
	"fd_pread":            fsFT([]wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I64, wasm.I32}, 1),
	"fd_seek":             fsFT([]wasm.ValType{wasm.I32, wasm.I64, wasm.I32, wasm.I32}, 1),
	"fd_readdir":          fsFT([]wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I64, wasm.I32}, 1),
	"fd_filestat_get":     fsFT(i32s(2), 1),
	"path_filestat_get":   fsFT(i32s(5), 1),
	// Writes through an embedded descriptor: EBADF (not open for writing).
	"fd_pwrite":               fsFT([]wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I64, wasm.I32}, 1),
	"fd_filestat_set_size":    fsFT([]wasm.ValType{wasm.I32, wasm.I64}, 1),
	"fd_filestat_set_times":   fsFT([]wasm.ValType{wasm.I32, wasm.I64, wasm.I64, wasm.I32}, 1),
	"path_create_directory":   fsFT(i32s(3), 1),
	"path_remove_directory":   fsFT(i32s(3), 1),
	"path_unlink_file":        fsFT(i32s(3), 1),
	"path_rename":             fsFT(i32s(6), 1),
	"path_symlink":            fsFT(i32s(5), 1),
	"path_link":               fsFT(i32s(7), 1),
	"path_filestat_set_times": fsFT([]wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I32, wasm.I64, wasm.I64, wasm.I32}, 1),
}

func i32s(n int) []wasm.ValType {
	out := make([]wasm.ValType, n)
	for i := range out {
		out[i] = wasm.I32
	}
	return out
}

func fsFT(params []wasm.ValType, results int) wasm.FuncType {
	t := wasm.FuncType{Params: params}
	if results == 1 {
		t.Results = []wasm.ValType{wasm.I32}
	}
	return t
}

// embedFS appends the image as a passive data segment (after the region's
// and Go's segments are final) and puts the file helpers in front of the
// regular stubs.
func (p *proc) embedFS() error {
	img := p.fs
	if img == nil {
		return nil
	}
	m := p.m
	img.segIndex = uint32(len(m.Data))
	m.Data = append(m.Data, wasm.Data{Mode: wasm.Passive, Init: img.seg})
	n := uint32(len(m.Data))
	m.DataCount = &n
	p.stats.DataSegmentsAfter = len(m.Data)
	p.stats.DataBytesAfter += len(img.seg)
	p.stats.EmbedBytes, p.stats.EmbedEntries = len(img.seg), img.entries

	entry := p.addFunc("icgo:fs.entry", fsFT(i32s(1), 1), p.fsEntryCode())
	resolve := p.addFunc("icgo:fs.resolve", fsFT(i32s(3), 1), p.fsResolveCode())
	for _, s := range p.stubs {
		if s.module != modWASI {
			continue
		}
		want, ok := fsSig[s.name]
		if !ok {
			continue
		}
		t := m.Types[s.typ]
		if !sameType(t, want) {
			return fmt.Errorf("WASI %s has an unexpected signature %v, want %v", s.name, t, want)
		}
		helper := p.addFunc("icgo:fs."+s.name, t, p.fsCode(s.name, entry, resolve))
		// The regular stub calls the helper first: -1 means "not mine".
		c := &m.Code[s.index-p.nImp]
		tmp := uint32(len(t.Params))
		for _, l := range c.Locals {
			tmp += l.Count
		}
		a := &asm{}
		for i := range t.Params {
			a.get(uint32(i))
		}
		a.call(helper).tee(tmp).i32(-1).op(wasm.OpI32Ne).if_().get(tmp).ret().end()
		c.Body = append(a.b, c.Body...)
		c.Locals = append(c.Locals, i32Locals(1))
	}
	return nil
}

func sameType(a, b wasm.FuncType) bool {
	if len(a.Params) != len(b.Params) || len(a.Results) != len(b.Results) {
		return false
	}
	for i := range a.Params {
		if a.Params[i] != b.Params[i] {
			return false
		}
	}
	for i := range a.Results {
		if a.Results[i] != b.Results[i] {
			return false
		}
	}
	return true
}

// Opcodes the file helpers use that asm.go does not name.
const (
	opI32LtS = 0x48
	opI32GeS = 0x4e
	opI64LtS = 0x53
	opI64Ne  = 0x52
	opI64And = 0x83
)

// memInit appends memory.init of the image: (dst, src, n) on the stack.
func (p *proc) memInit(a *asm) *asm {
	a.op(wasm.OpPrefixFC, wasm.FCMemoryInit)
	a.b = wasm.AppendULEB(a.b, uint64(p.fs.segIndex))
	return a.op(0)
}

// loadRec copies the record of the entry in local e to recBuf.
func (p *proc) loadRec(a *asm, e uint32) *asm {
	a.i32(p.fs.recBuf).get(e).i32(embedRecSize).op(wasm.OpI32Mul).i32(embedRecSize)
	return p.memInit(a)
}

// rec pushes the field at off of the record in recBuf.
func (p *proc) rec(a *asm, off uint32) *asm {
	return a.i32(0).mem(opI32Load, 0, uint32(p.fs.recBuf)+off)
}

// slot pushes the address of the descriptor slot of fd (local), which
// must be an embedded fd.
func (p *proc) slot(a *asm, fd uint32) *asm {
	return a.get(fd).i32(embedFirstFD).op(wasm.OpI32Sub).i32(16).op(wasm.OpI32Mul).i32(p.fs.fdTab).op(wasm.OpI32Add)
}

// fsEntryCode: (fd) -> entry, or -1 when fd is not an open embedded
// descriptor.
func (p *proc) fsEntryCode() wasm.Code {
	a := &asm{}
	a.get(0).i32(embedRootFD).op(wasm.OpI32Eq).if_().i32(0).ret().end()
	a.get(0).i32(embedFirstFD).op(wasm.OpI32Sub).i32(embedMaxFDs).op(wasm.OpI32LtU).if_()
	p.slot(a, 0).mem(opI32Load, 0, 0).i32(1).op(wasm.OpI32Sub).ret()
	a.end()
	return a.i32(-1).code()
}

// fsResolveCode: (dir entry, path, len) -> entry, or -errno. The path is
// relative to the directory; "" and "." components are skipped, ".."
// goes up (not above the root: ENOTCAPABLE).
func (p *proc) fsResolveCode() wasm.Code {
	const (
		cur, pth, ln                = 0, 1, 2
		i, j, c, cend, k, clen, fnd = 3, 4, 5, 6, 7, 8, 9
	)
	ch := func(a *asm, at uint32, off uint32) *asm { // pushes path[at+off]
		return a.get(pth).get(at).op(wasm.OpI32Add).mem(opI32Load8U, 0, off)
	}
	neg := func(a *asm, errno int32) *asm { return a.i32(-errno).ret() }
	a := &asm{}
	a.block().loop() // $done, $comp
	{
		a.get(i).get(ln).op(wasm.OpI32GeU).brIf(1)
		ch(a, i, 0).i32('/').op(wasm.OpI32Eq).if_().get(i).i32(1).op(wasm.OpI32Add).set(i).br(1).end()
		a.get(i).set(j)
		a.block().loop()
		a.get(j).get(ln).op(wasm.OpI32GeU).brIf(1)
		ch(a, j, 0).i32('/').op(wasm.OpI32Eq).brIf(1)
		a.get(j).i32(1).op(wasm.OpI32Add).set(j).br(0)
		a.end().end()
		a.get(j).get(i).op(wasm.OpI32Sub).set(clen)
		// "."
		a.get(clen).i32(1).op(wasm.OpI32Eq).if_()
		ch(a, i, 0).i32('.').op(wasm.OpI32Eq).if_().get(j).set(i).br(2).end()
		a.end()
		// ".."
		a.get(clen).i32(2).op(wasm.OpI32Eq).if_()
		ch(a, i, 0).i32('.').op(wasm.OpI32Eq)
		ch(a, i, 1).i32('.').op(wasm.OpI32Eq).op(wasm.OpI32And).if_()
		a.get(cur).op(wasm.OpI32Eqz).if_()
		neg(a, errnoNotCapable)
		a.end()
		p.loadRec(a, cur)
		p.rec(a, 0).set(cur)
		a.get(j).set(i).br(2)
		a.end()
		a.end()
		a.get(clen).i32(EmbedMaxName).op(wasm.OpI32GtU).if_()
		neg(a, errnoNameTooLong)
		a.end()
		p.loadRec(a, cur)
		p.rec(a, 4).i32(fileTypeDir).op(wasm.OpI32Ne).if_()
		neg(a, errnoNotDir)
		a.end()
		p.rec(a, 16).tee(c)
		p.rec(a, 20).op(wasm.OpI32Add).set(cend)
		a.i32(-1).set(fnd)
		a.block().loop() // the children
		{
			a.get(c).get(cend).op(wasm.OpI32GeU).brIf(1)
			p.loadRec(a, c)
			p.rec(a, 12).get(clen).op(wasm.OpI32Eq).if_()
			{
				a.i32(p.fs.nameBuf)
				p.rec(a, 8).get(clen)
				p.memInit(a)
				a.i32(0).set(k)
				a.block().loop()
				a.get(k).get(clen).op(wasm.OpI32GeU).brIf(1)
				a.get(k).mem(opI32Load8U, 0, uint32(p.fs.nameBuf))
				a.get(pth).get(i).op(wasm.OpI32Add).get(k).op(wasm.OpI32Add).mem(opI32Load8U, 0, 0)
				a.op(wasm.OpI32Ne).brIf(1)
				a.get(k).i32(1).op(wasm.OpI32Add).set(k).br(0)
				a.end().end()
				a.get(k).get(clen).op(wasm.OpI32Eq).if_().get(c).set(fnd).end()
			}
			a.end()
			a.get(fnd).i32(0).op(opI32GeS).brIf(1)
			a.get(c).i32(1).op(wasm.OpI32Add).set(c).br(0)
		}
		a.end().end()
		a.get(fnd).i32(0).op(opI32LtS).if_()
		neg(a, errnoNoEnt)
		a.end()
		a.get(fnd).set(cur).get(j).set(i).br(0)
	}
	a.end().end()
	return a.get(cur).code(i32Locals(7))
}

// fileStat fills the 64-byte WASI filestat at the address in local buf
// for the entry in local e: ino = entry+1, one link, times 0.
func (p *proc) fileStat(a *asm, e, buf uint32) *asm {
	a.get(buf).i32(0).i32(64).memoryFill()
	p.loadRec(a, e)
	a.get(buf).get(e).i32(1).op(wasm.OpI32Add).op(wasm.OpI64ExtendI32U).mem(opI64Store, 0, 8)
	a.get(buf)
	p.rec(a, 4).mem(opI32Store8, 0, 16)
	a.get(buf).i64(1).mem(opI64Store, 0, 24)
	a.get(buf)
	p.rec(a, 20).op(wasm.OpI64ExtendI32U).i64(0)
	p.rec(a, 4).i32(fileTypeRegular).op(wasm.OpI32Eq).op(opSelect)
	return a.mem(opI64Store, 0, 32)
}

// fsCode is the helper of one WASI function; entry and resolve are the
// helpers fsEntryCode and fsResolveCode.
func (p *proc) fsCode(name string, entry, resolve uint32) wasm.Code {
	a := &asm{}
	ret := func(errno int32) *asm { return a.i32(errno).ret() }
	switch name {
	case "fd_prestat_get": // (fd, *prestat{tag u8, len u32 at 4})
		a.get(0).i32(embedRootFD).op(wasm.OpI32Ne).if_().i32(-1).ret().end()
		a.get(1).i32(0).mem(opI32Store8, 0, 0)
		a.get(1).i32(1).mem(opI32Store, 0, 4)
		return a.i32(errnoSuccess).code()
	case "fd_prestat_dir_name": // (fd, buf, len)
		a.get(0).i32(embedRootFD).op(wasm.OpI32Ne).if_().i32(-1).ret().end()
		a.get(2).op(wasm.OpI32Eqz).if_()
		ret(errnoInval)
		a.end()
		a.get(1).i32('/').mem(opI32Store8, 0, 0)
		return a.i32(errnoSuccess).code()
	case "fd_close": // (fd)
		a.get(0).i32(embedRootFD).op(wasm.OpI32Eq).if_()
		ret(errnoNotSup)
		a.end()
		a.get(0).call(entry).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
		p.slot(a, 0).i32(0).mem(opI32Store, 0, 0)
		return a.i32(errnoSuccess).code()
	case "path_open":
		return p.pathOpenCode(entry, resolve)
	case "fd_read", "fd_pread":
		return p.fdReadFileCode(name == "fd_pread")
	case "fd_seek":
		return p.fdSeekCode()
	case "fd_readdir":
		return p.fdReaddirCode(entry)
	case "fd_filestat_get": // (fd, buf)
		const e = 2
		a.get(0).call(entry).tee(e).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
		p.fileStat(a, e, 1)
		return a.i32(errnoSuccess).code(i32Locals(1))
	case "path_filestat_get": // (fd, flags, path, len, buf)
		const e = 5
		a.get(0).call(entry).tee(e).i32(0).op(opI32LtS).if_()
		ret(errnoBadF)
		a.end()
		a.get(e).get(2).get(3).call(resolve).tee(e).i32(0).op(opI32LtS).if_()
		a.i32(0).get(e).op(wasm.OpI32Sub).ret()
		a.end()
		p.fileStat(a, e, 4)
		return a.i32(errnoSuccess).code(i32Locals(1))
	case "fd_pwrite", "fd_filestat_set_size", "fd_filestat_set_times":
		a.get(0).call(entry).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
		return a.i32(errnoBadF).code()
	}
	// path_create_directory, path_rename, ...: the file system is read-only.
	return a.i32(errnoROFS).code()
}

// pathOpenCode: (dirfd, dirflags, path, len, oflags, rights_base i64,
// rights_inheriting i64, fdflags, *fd) -> errno.
func (p *proc) pathOpenCode(entry, resolve uint32) wasm.Code {
	const (
		dirfd, pth, ln, oflags, rights, fdflags, out = 0, 2, 3, 4, 5, 7, 8
		e, s                                         = 9, 10
		oCreat, oDirectory, oTrunc                   = 1, 2, 8
		rightFDWrite                                 = 1 << 6
		fdAppend                                     = 1
	)
	a := &asm{}
	a.get(dirfd).call(entry).tee(e).i32(0).op(opI32LtS).if_().i32(errnoBadF).ret().end()
	a.get(oflags).i32(oCreat).op(wasm.OpI32And).if_().i32(errnoROFS).ret().end()
	a.get(e).get(pth).get(ln).call(resolve).tee(e).i32(0).op(opI32LtS).if_()
	a.i32(0).get(e).op(wasm.OpI32Sub).ret()
	a.end()
	a.get(oflags).i32(oTrunc).op(wasm.OpI32And)
	a.get(fdflags).i32(fdAppend).op(wasm.OpI32And).op(opI32Or)
	a.get(rights).i64(rightFDWrite).op(opI64And).i64(0).op(opI64Ne).op(opI32Or)
	a.if_().i32(errnoROFS).ret().end()
	a.get(oflags).i32(oDirectory).op(wasm.OpI32And).if_()
	p.loadRec(a, e)
	p.rec(a, 4).i32(fileTypeDir).op(wasm.OpI32Ne).if_().i32(errnoNotDir).ret().end()
	a.end()
	// A free slot.
	a.block().loop()
	a.get(s).i32(embedMaxFDs).op(wasm.OpI32GeU).if_().i32(errnoMFile).ret().end()
	a.get(s).i32(16).op(wasm.OpI32Mul).mem(opI32Load, 0, uint32(p.fs.fdTab)).op(wasm.OpI32Eqz).brIf(1)
	a.get(s).i32(1).op(wasm.OpI32Add).set(s).br(0)
	a.end().end()
	a.get(s).i32(16).op(wasm.OpI32Mul).get(e).i32(1).op(wasm.OpI32Add).mem(opI32Store, 0, uint32(p.fs.fdTab))
	a.get(s).i32(16).op(wasm.OpI32Mul).i64(0).mem(opI64Store, 0, uint32(p.fs.fdTab)+8)
	a.get(out).get(s).i32(embedFirstFD).op(wasm.OpI32Add).mem(opI32Store, 0, 0)
	return a.i32(errnoSuccess).code(i32Locals(2))
}

// fdReadFileCode: fd_read (fd, iovs, iovs_len, *nread) or fd_pread (fd,
// iovs, iovs_len, offset i64, *nread) of an embedded file: copies from the
// image with memory.init, at most to the end of the file.
func (p *proc) fdReadFileCode(pread bool) wasm.Code {
	const fd, iovs, iovsLen = 0, 1, 2
	nread, first := uint32(3), uint32(4)
	if pread {
		nread, first = 4, 5
	}
	var (
		e, i, total, n, ln, size, data = first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6
		pos                            = first + 7 // i64
	)
	a := &asm{}
	a.get(fd).i32(embedFirstFD).op(wasm.OpI32Sub).i32(embedMaxFDs).op(wasm.OpI32GeU).if_()
	a.get(fd).i32(embedRootFD).op(wasm.OpI32Eq).if_().i32(errnoIsDir).ret().end()
	a.i32(-1).ret()
	a.end()
	p.slot(a, fd).mem(opI32Load, 0, 0).i32(1).op(wasm.OpI32Sub).tee(e).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
	p.loadRec(a, e)
	p.rec(a, 4).i32(fileTypeDir).op(wasm.OpI32Eq).if_().i32(errnoIsDir).ret().end()
	p.rec(a, 20).set(size)
	p.rec(a, 16).set(data)
	if pread {
		a.get(3).set(pos)
	} else {
		p.slot(a, fd).mem(opI64Load, 0, 8).set(pos)
	}
	a.block().loop()
	{
		a.get(i).get(iovsLen).op(wasm.OpI32GeU).brIf(1)
		a.get(iovs).get(i).i32(3).op(wasm.OpI32Shl).op(wasm.OpI32Add).mem(opI32Load, 0, 4).set(ln)
		// n = pos >= size ? 0 : min(ln, size-pos)
		a.i32(0).set(n)
		a.get(pos).get(size).op(wasm.OpI64ExtendI32U).op(wasm.OpI64LtU).if_()
		a.get(size).get(pos).op(wasm.OpI32WrapI64).op(wasm.OpI32Sub).tee(n)
		a.get(ln).op(wasm.OpI32GtU).if_().get(ln).set(n).end()
		a.get(iovs).get(i).i32(3).op(wasm.OpI32Shl).op(wasm.OpI32Add).mem(opI32Load, 0, 0)
		a.get(data).get(pos).op(wasm.OpI32WrapI64).op(wasm.OpI32Add)
		a.get(n)
		p.memInit(a)
		a.end()
		a.get(pos).get(n).op(wasm.OpI64ExtendI32U).op(wasm.OpI64Add).set(pos)
		a.get(total).get(n).op(wasm.OpI32Add).set(total)
		a.get(n).get(ln).op(wasm.OpI32LtU).brIf(1)
		a.get(i).i32(1).op(wasm.OpI32Add).set(i).br(0)
	}
	a.end().end()
	if !pread {
		p.slot(a, fd).get(pos).mem(opI64Store, 0, 8)
	}
	a.get(nread).get(total).mem(opI32Store, 0, 0)
	return a.i32(errnoSuccess).code(i32Locals(7), i64Locals(1))
}

// fdSeekCode: (fd, offset i64, whence, *newoffset) -> errno, for an
// embedded file (Go seeks directories without calling it).
func (p *proc) fdSeekCode() wasm.Code {
	const (
		fd, off, whence, out = 0, 1, 2, 3
		e                    = 4
		base                 = 5 // i64
	)
	a := &asm{}
	a.get(fd).i32(embedFirstFD).op(wasm.OpI32Sub).i32(embedMaxFDs).op(wasm.OpI32GeU).if_()
	a.get(fd).i32(embedRootFD).op(wasm.OpI32Eq).if_().i32(errnoInval).ret().end()
	a.i32(-1).ret()
	a.end()
	p.slot(a, fd).mem(opI32Load, 0, 0).i32(1).op(wasm.OpI32Sub).tee(e).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
	p.loadRec(a, e)
	p.rec(a, 4).i32(fileTypeDir).op(wasm.OpI32Eq).if_().i32(errnoInval).ret().end()
	a.get(whence).i32(1).op(wasm.OpI32Eq).if_()
	p.slot(a, fd).mem(opI64Load, 0, 8).set(base)
	a.end()
	a.get(whence).i32(2).op(wasm.OpI32Eq).if_()
	p.rec(a, 20).op(wasm.OpI64ExtendI32U).set(base)
	a.end()
	a.get(whence).i32(2).op(wasm.OpI32GtU).if_().i32(errnoInval).ret().end()
	a.get(base).get(off).op(wasm.OpI64Add).tee(base).i64(0).op(opI64LtS).if_().i32(errnoInval).ret().end()
	p.slot(a, fd).get(base).mem(opI64Store, 0, 8)
	a.get(out).get(base).mem(opI64Store, 0, 0)
	return a.i32(errnoSuccess).code(i32Locals(1), i64Locals(1))
}

// fdReaddirCode: (fd, buf, buf_len, cookie i64, *nwritten) -> errno. The
// cookie is the index of the next child; only whole entries are written
// (Go's os package reads again from the last cookie until it gets none).
func (p *proc) fdReaddirCode(entry uint32) wasm.Code {
	const (
		fd, buf, bufLen, cookie, out           = 0, 1, 2, 3, 4
		e, first, cnt, idx, c, w, nl, d, ftype = 5, 6, 7, 8, 9, 10, 11, 12, 13
	)
	a := &asm{}
	a.get(fd).call(entry).tee(e).i32(0).op(opI32LtS).if_().i32(-1).ret().end()
	p.loadRec(a, e)
	p.rec(a, 4).i32(fileTypeDir).op(wasm.OpI32Ne).if_().i32(errnoNotDir).ret().end()
	p.rec(a, 16).set(first)
	p.rec(a, 20).set(cnt)
	a.get(cnt).set(idx)
	a.get(cookie).get(cnt).op(wasm.OpI64ExtendI32U).op(wasm.OpI64LtU).if_().get(cookie).op(wasm.OpI32WrapI64).set(idx).end()
	a.block().loop()
	{
		a.get(idx).get(cnt).op(wasm.OpI32GeU).brIf(1)
		a.get(first).get(idx).op(wasm.OpI32Add).set(c)
		p.loadRec(a, c)
		p.rec(a, 12).set(nl)
		p.rec(a, 4).set(ftype)
		a.get(w).i32(24).op(wasm.OpI32Add).get(nl).op(wasm.OpI32Add).get(bufLen).op(wasm.OpI32GtU).brIf(1)
		a.get(buf).get(w).op(wasm.OpI32Add).set(d)
		a.get(d).get(idx).i32(1).op(wasm.OpI32Add).op(wasm.OpI64ExtendI32U).mem(opI64Store, 0, 0) // d_next
		a.get(d).get(c).i32(1).op(wasm.OpI32Add).op(wasm.OpI64ExtendI32U).mem(opI64Store, 0, 8)   // d_ino
		a.get(d).get(nl).mem(opI32Store, 0, 16)                                                   // d_namlen
		a.get(d).get(ftype).mem(opI32Store, 0, 20)                                                // d_type and padding
		a.get(d).i32(24).op(wasm.OpI32Add)
		p.rec(a, 8).get(nl)
		p.memInit(a)
		a.get(w).i32(24).op(wasm.OpI32Add).get(nl).op(wasm.OpI32Add).set(w)
		a.get(idx).i32(1).op(wasm.OpI32Add).set(idx).br(0)
	}
	a.end().end()
	a.get(out).get(w).mem(opI32Store, 0, 0)
	return a.i32(errnoSuccess).code(i32Locals(9))
}
