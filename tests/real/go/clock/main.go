// The clock through the vDSO from Go 1.19: Go's runtime finds __vdso_clock_gettime and
// __vdso_gettimeofday through AT_SYSINFO_EHDR (vdso_linux.go), and time.Now, time.Since and
// syscall.Gettimeofday use them. Prints only verdicts (the same natively and on rt0).
//
// No argument: time.Now between two raw clock_gettime(CLOCK_REALTIME) system calls; the
// monotonic reading between two raw CLOCK_MONOTONIC ones; syscall.Gettimeofday (the vDSO's
// gettimeofday) beside time.Now; and goroutines on every P that never see the monotonic clock
// go back (each reads after loading the largest reading any has published).
//
// "reads": 100,000 time.Now and time.Since calls, one 10 ms sleep and one Gettimeofday, and
// nothing else: under strace, none of them may be a clock_gettime or gettimeofday system call.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func rawClock(clock uintptr) int64 {
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

var failed bool

func verdict(what string, ok bool) {
	v := "ok"
	if !ok {
		v = "FAILED"
		failed = true
	}
	fmt.Printf("%s: %s\n", what, v)
}

func reads() {
	start := time.Now()
	var sum time.Duration
	for i := 0; i < 100000; i++ {
		sum += time.Since(start)
	}
	time.Sleep(10 * time.Millisecond)
	var tv syscall.Timeval
	err := syscall.Gettimeofday(&tv)
	fmt.Println("reads done:", sum > 0, err == nil, time.Since(start) >= 10*time.Millisecond)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "reads" {
		reads()
		return
	}
	ok := true
	for i := 0; i < 1000; i++ {
		a := rawClock(0)
		b := time.Now().UnixNano()
		c := rawClock(0)
		ok = ok && a <= b && b <= c
	}
	verdict("time.Now between two CLOCK_REALTIME system calls", ok)

	pre := rawClock(1)
	start := time.Now()
	base := rawClock(1)
	ok = true
	for i := 0; i < 1000; i++ {
		a := rawClock(1) - base
		b := int64(time.Since(start))
		c := rawClock(1) - base
		// time.Since(start) is now-start on the monotonic clock, start read between pre and
		// base: so it lies between a and c+(base-pre), whatever time the host took away
		// between the reads (a fixed 1 ms once failed under a loaded host).
		ok = ok && b >= a && b <= c+(base-pre)
	}
	verdict("the monotonic reading keeps pace with CLOCK_MONOTONIC system calls", ok)

	var tv syscall.Timeval
	before := time.Now().UnixNano() / 1000
	err := syscall.Gettimeofday(&tv)
	after := time.Now().UnixNano() / 1000
	verdict("syscall.Gettimeofday between two time.Now", err == nil && before <= tv.Nano()/1000 && tv.Nano()/1000 <= after)

	var published, backwards int64
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	origin := time.Now()
	for g := 0; g < 4*procs; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 20000; r++ {
				seen := atomic.LoadInt64(&published)
				now := int64(time.Since(origin))
				if now < seen {
					atomic.AddInt64(&backwards, 1)
				}
				for p := seen; p < now && !atomic.CompareAndSwapInt64(&published, p, now); p = atomic.LoadInt64(&published) {
				}
				if r%1000 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	verdict("the monotonic clock never goes back across goroutines on every P", backwards == 0)
	fmt.Fprintf(os.Stderr, "GOMAXPROCS %d, %d backward reads\n", procs, backwards)
	if failed {
		os.Exit(1)
	}
}
