// procs: os/exec running this same program again (os.Args[0]) — Go 1.19's forkExec with
// clone(CLONE_VFORK|CLONE_VM|SIGCHLD), dup2 of the pipes, execve, and the CLOEXEC pipe that
// carries an exec error back — with its stdout and stderr captured, its exit code checked, a
// missing program's error, syscall.Exec from a child with several threads, stdin fed through a
// pipe, and a child killed by a signal.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

func child(role string) {
	switch role {
	case "echo":
		fmt.Printf("child: args %s, env RT0_ROLE=%s, parent is the caller: %v\n",
			strings.Join(os.Args[2:], ","), os.Getenv("RT0_ROLE"), fmt.Sprint(os.Getppid()) == os.Getenv("RT0_PARENT"))
		fmt.Fprintln(os.Stderr, "child: a line on stderr")
		os.Exit(3)
	case "upper":
		b, _ := io.ReadAll(os.Stdin)
		fmt.Print(strings.ToUpper(string(b)))
	case "sleep":
		select {}
	case "reexec":
		// syscall.Exec from a process with several threads (sysmon, the GC's workers): the
		// kernel ends the others first (Linux's de_thread).
		argv := []string{os.Args[0], "echo", "after", "exec"}
		err := syscall.Exec("/proc/self/exe", argv, append(os.Environ(), "RT0_ROLE=reexec"))
		fmt.Println("exec failed:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) > 1 {
		child(os.Args[1])
		return
	}
	cmd := exec.Command(os.Args[0], "echo", "a", "b")
	cmd.Env = append(os.Environ(), "RT0_ROLE=echo", fmt.Sprintf("RT0_PARENT=%d", os.Getpid()))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	fmt.Printf("stdout: %q\n", out)
	fmt.Printf("stderr: %q\n", stderr.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		fmt.Printf("exit code: %d\n", exit.ExitCode())
	} else {
		fmt.Printf("error: %v\n", err)
	}

	re := exec.Command(os.Args[0], "reexec")
	re.Env = append(os.Environ(), fmt.Sprintf("RT0_PARENT=%d", os.Getpid()))
	out, err = re.Output()
	fmt.Printf("after syscall.Exec: %q %v\n", out, err)

	up := exec.Command(os.Args[0], "upper")
	up.Stdin = strings.NewReader("through a pipe\n")
	out, err = up.Output()
	fmt.Printf("upper: %q %v\n", out, err)

	_, err = exec.Command("/no/such/program").Output()
	fmt.Printf("missing program: %v\n", err)

	sleeper := exec.Command(os.Args[0], "sleep")
	if err := sleeper.Start(); err != nil {
		fmt.Printf("start: %v\n", err)
		return
	}
	sleeper.Process.Signal(syscall.SIGTERM)
	err = sleeper.Wait()
	fmt.Printf("killed child: %v\n", err)
	err = sleeper.Process.Signal(syscall.SIGTERM)
	fmt.Printf("signal after wait: %v\n", err)
}
