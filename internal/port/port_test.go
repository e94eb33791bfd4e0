package port

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// output is what icgo port prints for a dry run: the diff, then the
// diagnostics.
func output(r *Result) string {
	var b strings.Builder
	b.WriteString(r.Diff())
	for _, d := range r.Diags {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"app", "queries", "nethttpok", "cgo"} {
		t.Run(name, func(t *testing.T) {
			res, err := Run(context.Background(), Options{}, "./testdata/"+name)
			require.NoError(t, err)
			got := output(res)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/w\n\ngo 1.26.0\n"), 0o644))
	src := "package w\n\nimport (\n\t\"fmt\"\n\tsy \"sync\"\n\t\"time\"\n)\n\nvar mu sy.Mutex\nvar _ = fmt.Sprint\nvar _ = time.Now\n"
	file := filepath.Join(dir, "w.go")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))

	opt := Options{Dir: dir, Rewrites: map[string]string{"sync": "github.com/icgo/icgo/icstd/sync", "time": "github.com/icgo/icgo/icstd/time"}}
	res, err := Run(context.Background(), opt, ".")
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	require.Equal(t, "rewrote w.go: sync -> github.com/icgo/icgo/icstd/sync, time -> github.com/icgo/icgo/icstd/time", res.Files[0].Summary())
	require.NoError(t, res.Write())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "package w\n\nimport (\n\t\"fmt\"\n\n\tsy \"github.com/icgo/icgo/icstd/sync\"\n\t\"github.com/icgo/icgo/icstd/time\"\n)\n\nvar mu sy.Mutex\nvar _ = fmt.Sprint\nvar _ = time.Now\n", string(b))
	st, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	// Nothing left to rewrite.
	res, err = Run(context.Background(), opt, ".")
	require.NoError(t, err)
	require.Empty(t, res.Files)
}

func TestNotYourModule(t *testing.T) {
	_, err := Run(context.Background(), Options{}, "fmt")
	require.EqualError(t, err, `fmt is not in your module: icgo port edits your own code; swap a dependency's imports at build time with icgo.swap (see README, "Porting a library")`)
	_, err = Run(context.Background(), Options{})
	require.EqualError(t, err, "no packages given")
}

func TestUnified(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"x\n", "x\n", ""},
		{"", "a\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n"},
		{"a\nb", "a\nc", "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
			"--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n"},
	} {
		require.Equal(t, tc.want, Unified("a", "b", tc.a, tc.b), "%q -> %q", tc.a, tc.b)
	}
}
