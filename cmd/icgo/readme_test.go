package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/icgo/icgo/internal/postproc"
	"github.com/stretchr/testify/require"
)

// The README's shell transcripts are produced here, so they cannot drift. A
// transcript is a ```sh block after a `<!-- transcript: NAME -->` line:
// lines starting with "$ " are commands, run in order by one bash in a
// working directory of the test's choosing with the icgo built from this
// tree first on PATH; the lines after a command are its output (standard
// output and error together). Where a file block precedes it
// (`<!-- file: NAME -->` then a fenced block), the file is written first.
// ICGO_UPDATE_README=1 rewrites the outputs in README.md instead of
// comparing them.

const readmePath = "../../README.md"

var transcriptRE = regexp.MustCompile("(?s)<!-- transcript: ([a-z0-9-]+) -->\n```sh\n(.*?)```\n")
var fileRE = regexp.MustCompile("(?s)<!-- file: ([A-Za-z0-9_./-]+) -->\n```[a-z]*\n(.*?)```\n")

// readmeFiles returns the file blocks of the README.
func readmeFiles(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	files := map[string]string{}
	for _, m := range fileRE.FindAllStringSubmatch(string(b), -1) {
		files[m[1]] = m[2]
	}
	return files
}

// readmeCommands returns the commands of transcript name.
func readmeCommands(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	for _, m := range transcriptRE.FindAllStringSubmatch(string(b), -1) {
		if m[1] != name {
			continue
		}
		var cmds []string
		for _, line := range strings.Split(m[2], "\n") {
			if c, ok := strings.CutPrefix(line, "$ "); ok {
				cmds = append(cmds, c)
			}
		}
		return cmds
	}
	t.Fatalf("README.md has no transcript %q", name)
	return nil
}

// runTranscript runs the commands of transcript name in dir (with extra
// environment) and checks, or with ICGO_UPDATE_README=1 rewrites, the
// outputs in the README.
func runTranscript(t *testing.T, name, dir string, env ...string) {
	t.Helper()
	cmds := readmeCommands(t, name)
	const marker = "@@icgo-transcript-command@@"
	var script strings.Builder
	for _, c := range cmds {
		fmt.Fprintf(&script, "echo %s\n%s\n", marker, c)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PATH="+icgoBinDir(t)+":"+os.Getenv("PATH")), env...)
	// A command may fail on purpose (a rejected call, icgo port's
	// findings): the transcript shows its output, which is compared.
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("transcript %s: %v\n%s", name, err, out)
	}
	out = normalize(out)
	outputs := strings.Split(string(out), marker+"\n")[1:]
	require.Len(t, outputs, len(cmds), "transcript %s:\n%s", name, out)
	var got strings.Builder
	for i, c := range cmds {
		fmt.Fprintf(&got, "$ %s\n%s", c, outputs[i])
	}
	checkTranscript(t, name, got.String())
}

var readmeMu sync.Mutex

func checkTranscript(t *testing.T, name, got string) {
	t.Helper()
	readmeMu.Lock()
	defer readmeMu.Unlock()
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	var want string
	updated := transcriptRE.ReplaceAllStringFunc(string(b), func(block string) string {
		m := transcriptRE.FindStringSubmatch(block)
		if m[1] != name {
			return block
		}
		want = m[2]
		return "<!-- transcript: " + name + " -->\n```sh\n" + got + "```\n"
	})
	if os.Getenv("ICGO_UPDATE_README") == "1" {
		require.NoError(t, os.WriteFile(readmePath, []byte(updated), 0o644))
		return
	}
	require.Equal(t, want, got, "README.md transcript %q is out of date: rerun with ICGO_UPDATE_README=1 and review the diff", name)
}

var icgoBin struct {
	once sync.Once
	dir  string
	err  error
}

// icgoBinDir builds this tree's icgo once into a directory for PATH.
func icgoBinDir(t *testing.T) string {
	t.Helper()
	icgoBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "icgo-bin-")
		if err != nil {
			icgoBin.err = err
			return
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "icgo"), ".").CombinedOutput()
		if err != nil {
			icgoBin.err = fmt.Errorf("go build icgo: %v\n%s", err, out)
		}
		icgoBin.dir = dir
	})
	require.NoError(t, icgoBin.err)
	return icgoBin.dir
}

// TestReadmeOwnCanister is the README's "Your own canister": from an empty
// folder beside this checkout to a canister running from its own module,
// with its own test.
func TestReadmeOwnCanister(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	work := t.TempDir()
	require.NoError(t, os.Symlink(root, filepath.Join(work, "icgo")))
	require.NoError(t, os.Mkdir(filepath.Join(work, "mycanister"), 0o755))
	for name, body := range readmeFiles(t) {
		if dir, ok := strings.CutPrefix(name, "mycanister/"); ok {
			require.NoError(t, os.WriteFile(filepath.Join(work, "mycanister", dir), []byte(body), 0o644))
		}
	}
	runTranscript(t, "own-canister", filepath.Join(work, "mycanister"), "GOFLAGS=-mod=mod")
}

// TestReadmeHello is the README's transcript of the hello canister.
func TestReadmeHello(t *testing.T) {
	runTranscript(t, "hello", "../..")
}

func TestReadmeOutcall(t *testing.T) {
	runTranscript(t, "outcall", "../..")
}

func TestReadmePortingTranscripts(t *testing.T) {
	runTranscript(t, "nodial", "../..")
	runTranscript(t, "port", "../..")
}

func TestReadmeQuickStart(t *testing.T) {
	runTranscript(t, "quick-start", "../..")
}

// normalize removes what varies from run to run: go test's timings and
// the go command's download notes.
func normalize(b []byte) []byte {
	b = regexp.MustCompile(`(?m)^go: downloading .*\n`).ReplaceAll(b, nil)
	return regexp.MustCompile(`(?m)\t(\(cached\)|[0-9.]+s)$`).ReplaceAll(b, nil)
}

// The README's "Porting a library" quotes the post-processor's messages
// word for word.
func TestReadmeQuotesPortingMessages(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	for _, msg := range []string{postproc.MsgRandQuery, postproc.MsgRandNotSeeded, postproc.MsgRandom, postproc.MsgSleep} {
		require.Contains(t, string(b), `"`+msg+`"`)
	}
}
