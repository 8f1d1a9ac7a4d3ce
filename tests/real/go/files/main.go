// The read-only file tree through Go's os, io/fs and path/filepath: argv[1] is the tree laid out
// by the test (see tests/real/c/files.c), served with --dir on rt0 and bind-mounted read-only
// natively; the program's working directory is its sub/ directory. Errors print as Go prints
// them, so a missing path reads "no such file or directory" both ways.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	d := os.Args[1]
	wd, err := os.Getwd()
	fmt.Println("getwd is sub:", wd == filepath.Join(d, "sub"), err)

	b, err := os.ReadFile(filepath.Join(d, "hello.txt"))
	fmt.Printf("ReadFile: %q %v\n", b, err)
	b, err = os.ReadFile("deep.txt")
	fmt.Println("ReadFile relative:", len(b), string(b[:3]), string(b[len(b)-3:]), err)
	_, err = os.ReadFile(filepath.Join(d, "missing.txt"))
	fmt.Println("ReadFile missing:", strings.ReplaceAll(err.Error(), d, "D"), errors.Is(err, fs.ErrNotExist))

	entries, err := os.ReadDir(d)
	for _, e := range entries {
		info, _ := e.Info()
		fmt.Printf("ReadDir: %s dir=%v type=%v mode=%v\n", e.Name(), e.IsDir(), e.Type(), info.Mode())
	}
	fmt.Println("ReadDir err:", err)

	for _, name := range []string{"hello.txt", "sub", "link", "sub/empty", "nope", "hello.txt/x", "loop"} {
		fi, err := os.Stat(filepath.Join(d, name))
		if err != nil {
			fmt.Println("Stat", name+":", strings.ReplaceAll(err.Error(), d, "D"))
			continue
		}
		size := fi.Size()
		if fi.IsDir() {
			size = -1
		}
		fmt.Println("Stat", name+":", fi.Name(), fi.Mode(), size, fi.IsDir())
	}
	fi, err := os.Lstat(filepath.Join(d, "link"))
	fmt.Println("Lstat link:", fi.Mode(), err)
	target, err := os.Readlink(filepath.Join(d, "link"))
	fmt.Println("Readlink:", target, err)

	var walked []string
	err = filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
		rel, _ := filepath.Rel(d, p)
		if err != nil {
			walked = append(walked, rel+"!"+strings.ReplaceAll(err.Error(), d, "D"))
			return nil
		}
		walked = append(walked, fmt.Sprintf("%s(%v)", rel, info.Mode().Type()))
		return nil
	})
	fmt.Println("Walk:", strings.Join(walked, " "), err)

	var dirs []string
	err = fs.WalkDir(os.DirFS(d), ".", func(p string, e fs.DirEntry, err error) error {
		if e != nil && e.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	fmt.Println("WalkDir dirs:", dirs, err)

	f, err := os.Open(filepath.Join(d, "sub/deep.txt"))
	if err == nil {
		r := bufio.NewReader(f)
		head := make([]byte, 4)
		io.ReadFull(r, head)
		off, _ := f.Seek(100, io.SeekStart)
		rest, _ := io.ReadAll(f)
		buf := make([]byte, 2)
		n, _ := f.ReadAt(buf, 26)
		fmt.Println("Open/Seek/ReadAt:", string(head), off, len(rest), n, string(buf))
		f.Close()
	}

	err = os.WriteFile(filepath.Join(d, "new.txt"), []byte("x"), 0o644)
	fmt.Println("WriteFile:", strings.ReplaceAll(fmt.Sprint(err), d, "D"))
	err = os.Mkdir(filepath.Join(d, "newdir"), 0o755)
	fmt.Println("Mkdir:", strings.ReplaceAll(fmt.Sprint(err), d, "D"))
	err = os.Remove(filepath.Join(d, "hello.txt"))
	fmt.Println("Remove:", strings.ReplaceAll(fmt.Sprint(err), d, "D"))
	_, err = os.OpenFile(filepath.Join(d, "hello.txt"), os.O_RDWR, 0)
	fmt.Println("OpenFile RDWR:", strings.ReplaceAll(fmt.Sprint(err), d, "D"))

	fmt.Println("Chdir ..:", os.Chdir(".."))
	wd, _ = os.Getwd()
	fmt.Println("getwd is the tree:", wd == d)
	matches, err := filepath.Glob(filepath.Join(d, "*.txt"))
	fmt.Println("Glob:", len(matches), err)
	_, err = os.Stat("/definitely/not/here")
	fmt.Println("outside:", err)
}
