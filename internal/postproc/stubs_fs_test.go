package postproc

import (
	"archive/zip"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// A command program that uses the embedded files the way ordinary Go does.
const fsProgram = `package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing/fstest"
	"time"
)

func main() {
	b, err := os.ReadFile("/data/a.txt")
	fmt.Printf("readfile: %q %v\n", b, err)
	b, err = os.ReadFile("data/sub/../sub/b.txt") // relative to the working directory, "/"
	fmt.Printf("relative: %q %v\n", b, err)

	var walked []string
	err = fs.WalkDir(os.DirFS("/data"), ".", func(p string, d fs.DirEntry, err error) error {
		walked = append(walked, fmt.Sprintf("%s:%v", p, d.IsDir()))
		return err
	})
	fmt.Println("walk:", strings.Join(walked, " "), err)

	fi, err := os.Stat("/data/sub/b.txt")
	fmt.Println("stat file:", fi.Name(), fi.Size(), fi.Mode().IsRegular(), err)
	fi, err = os.Stat("/data/sub")
	fmt.Println("stat dir:", fi.Name(), fi.IsDir(), err)
	_, err = os.Stat("/data/missing")
	fmt.Println("missing:", errors.Is(err, fs.ErrNotExist))
	_, err = os.ReadFile("/data/a.txt/x")
	fmt.Println("under a file:", err)

	f, err := os.Open("/data/big.bin")
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	buf := make([]byte, 4)
	_, err = f.ReadAt(buf, 1000)
	fmt.Println("readat:", buf, err)
	pos, err := f.Seek(-3, io.SeekEnd)
	n, _ := f.Read(buf)
	fmt.Println("seek end:", pos, buf[:n], err)
	st, err := f.Stat()
	fmt.Println("fstat:", st.Size(), err)
	_, err = f.Write([]byte("x"))
	fmt.Println("write to an open file:", err != nil)
	fmt.Println("close:", f.Close())

	fmt.Println("create:", os.WriteFile("/data/new.txt", []byte("x"), 0o644))
	_, err = os.OpenFile("/data/a.txt", os.O_WRONLY, 0)
	fmt.Println("open for writing:", err)
	fmt.Println("mkdir:", os.Mkdir("/data/d", 0o755))
	fmt.Println("remove:", os.Remove("/data/a.txt"))

	fmt.Println("fstest:", fstest.TestFS(os.DirFS("/data"), "a.txt", "sub/b.txt", "big.bin"))

	loc, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		fmt.Println("zoneinfo:", err)
	} else {
		fmt.Println("zoneinfo:", time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("15:04 MST"))
	}
	os.Exit(0)
}
`

func zurich(t *testing.T) []byte {
	t.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
	require.NoError(t, err)
	defer zr.Close()
	f, err := zr.Open("Europe/Zurich")
	require.NoError(t, err)
	defer f.Close()
	b, err := io.ReadAll(f)
	require.NoError(t, err)
	return b
}

func TestEmbedFS(t *testing.T) {
	big := make([]byte, 5000)
	for i := range big {
		big[i] = byte(i)
	}
	data := fstest.MapFS{
		"a.txt":     {Data: []byte("hello\n")},
		"sub/b.txt": {Data: []byte("bee")},
		"big.bin":   {Data: big},
	}
	zones := fstest.MapFS{"Europe/Zurich": {Data: zurich(t)}}
	raw := buildCommand(t, fsProgram)
	out, st, _ := process(t, raw, Options{
		Command: true,
		Args:    []string{"prog"},
		Env:     []EnvVar{{"ZONEINFO", "/zoneinfo"}},
		Embed:   []EmbedDir{{Path: "data", FS: data}, {Path: "/zoneinfo", FS: zones}},
	})
	require.Equal(t, 9, st.EmbedEntries) // /, data, zoneinfo, a.txt, big.bin, sub, Europe, b.txt, Zurich
	prints, trap := runInit(t, out, nil)
	require.Equal(t, MsgExitPrefix+"0"+MsgExitCommandSuffix, trap, "%s", strings.Join(prints, "\n"))
	require.Equal(t, []string{
		`readfile: "hello\n" <nil>`,
		`relative: "bee" <nil>`,
		`walk: .:true a.txt:false big.bin:false sub:true sub/b.txt:false <nil>`,
		`stat file: b.txt 3 true <nil>`,
		`stat dir: sub true <nil>`,
		`missing: true`,
		`under a file: open /data/a.txt/x: Not a directory`,
		`readat: [232 233 234 235] <nil>`,
		`seek end: 4997 [133 134 135] <nil>`,
		`fstat: 5000 <nil>`,
		`write to an open file: true`,
		`close: <nil>`,
		`create: open /data/new.txt: Read-only file system`,
		`open for writing: open /data/a.txt: Read-only file system`,
		`mkdir: mkdir /data/d: Read-only file system`,
		`remove: remove /data/a.txt: Read-only file system`,
		`fstest: <nil>`,
		`zoneinfo: 14:00 CEST`,
	}, prints)
}

func TestEmbedFSErrors(t *testing.T) {
	long := strings.Repeat("n", EmbedMaxName+1)
	for _, tc := range []struct {
		mounts []EmbedDir
		want   string
	}{
		{[]EmbedDir{{Path: "/", FS: fstest.MapFS{long: {Data: []byte("x")}}}}, "longer than 255 bytes"},
		{[]EmbedDir{{Path: "/a", FS: fstest.MapFS{"x": {}}}, {Path: "/a", FS: fstest.MapFS{"x": {}}}}, "appears twice"},
		{[]EmbedDir{{Path: "/", FS: fstest.MapFS{"a": {}}}, {Path: "/a", FS: fstest.MapFS{"x": {}}}}, "is a file, not a directory"},
		{[]EmbedDir{{Path: "/", FS: nil}}, "no file system"},
	} {
		_, err := buildImage(tc.mounts)
		require.ErrorContains(t, err, tc.want)
	}
}
