package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Go refuses an overlay that replaces files beneath GOMODCACHE ("Files
// beneath GOMODCACHE must not be replaced"), and most dependencies live
// there. For those, the build copies the module that holds a swapped
// package out of the cache, writes the rewritten files into the copy, and
// points the build at it with a replace directive in a temporary copy of
// the main module's go.mod (go build -modfile): the module cache, go.mod
// and go.sum stay as they are.

// moduleCopies moves the overlay entries of files beneath the module cache
// into copies of their modules under dir and returns the -modfile flag
// that replaces those modules by the copies ("" if none). copies maps
// each copied file back to the original, for error messages.
func moduleCopies(ctx context.Context, main *Package, pkgs []Package, dir string, replace, copies map[string]string) (string, error) {
	cache, err := goCommand(ctx, "", "env", "GOMODCACHE")
	if err != nil {
		return "", err
	}
	modCache := strings.TrimSpace(string(cache))
	if modCache == "" {
		return "", nil
	}
	mods := map[string]string{} // module path -> its copy
	for i := range pkgs {
		p := &pkgs[i]
		if p.Module == nil || p.Module.Dir == "" || !within(p.Module.Dir, modCache) {
			continue
		}
		for _, name := range p.GoFiles {
			file := filepath.Join(p.Dir, name)
			tmp, ok := replace[file]
			if !ok {
				continue
			}
			modCopy, ok := mods[p.Module.Path]
			if !ok {
				modCopy = filepath.Join(dir, "mod", strconv.Itoa(len(mods)))
				if err := copyTree(p.Module.Dir, modCopy); err != nil {
					return "", fmt.Errorf("copying %s out of the module cache: %w", p.Module.Path, err)
				}
				if err := ensureGoMod(modCopy, p.Module.Path); err != nil {
					return "", err
				}
				mods[p.Module.Path] = modCopy
			}
			rel, err := filepath.Rel(p.Module.Dir, file)
			if err != nil {
				return "", err
			}
			dst := filepath.Join(modCopy, rel)
			if err := os.Rename(tmp, dst); err != nil {
				return "", err
			}
			delete(replace, file)
			copies[dst] = file
		}
	}
	if len(mods) == 0 {
		return "", nil
	}
	return writeModfile(main, dir, mods)
}

// writeModfile writes a copy of the main module's go.mod and go.sum with a
// replace directive for each module in mods, and returns the -modfile flag.
func writeModfile(main *Package, dir string, mods map[string]string) (string, error) {
	if main.Module == nil || main.Module.Dir == "" {
		return "", fmt.Errorf("the package %s is not in a module: icgo.swap needs one", main.ImportPath)
	}
	gomod, err := os.ReadFile(filepath.Join(main.Module.Dir, "go.mod"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Write(gomod)
	b.WriteString("\n// Added by icgo build for icgo.swap.\n")
	for path, copyDir := range mods {
		fmt.Fprintf(&b, "replace %s => %s\n", path, copyDir)
	}
	modfile := filepath.Join(dir, "go.mod")
	if err := os.WriteFile(modfile, []byte(b.String()), 0o644); err != nil {
		return "", err
	}
	if sum, err := os.ReadFile(filepath.Join(main.Module.Dir, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
			return "", err
		}
	}
	return "-modfile=" + modfile, nil
}

// ensureGoMod gives a module copy the go.mod that the go command
// synthesizes for a module published without one ("module PATH"): a
// directory replacement needs the file.
func ensureGoMod(dir, path string) error {
	f := filepath.Join(dir, "go.mod")
	if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.WriteFile(f, []byte("module "+path+"\n"), 0o644)
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// copyTree copies the regular files and directories of src into dst,
// writable (the module cache's are read-only).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
		return nil // symlinks and the like: modules have none
	})
}
