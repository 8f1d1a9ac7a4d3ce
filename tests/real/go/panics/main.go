// Panics, deferred calls, recover and Goexit in Go 1.19, one case per argument: the same stdout
// as rt0's `panics` program (tests/programs/src/bin/panics.rs), and the crash reports on stderr
// (first lines byte-equal, frames present) and exit statuses rt0's runtime must reproduce.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

func show(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprint(v)
}

func protect(g func()) {
	defer func() {
		fmt.Println("done")
		if x := recover(); x != nil {
			fmt.Printf("run time panic: %v\n", x)
		}
	}()
	fmt.Println("start")
	g()
}

//go:noinline
func deep(n int) {
	if n == 0 {
		panic("boom")
	}
	deep(n - 1)
}

//go:noinline
func spawnPanicker() {
	go deep(1)
}

//go:noinline
func recurse(n uint64) uint64 {
	var buf [64]uint64
	buf[3] = n
	return recurse(buf[3]+1) + buf[5]
}

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "recover":
		r := func() (v int) {
			defer fmt.Println("deferred 1")
			defer func() { fmt.Println("recovered:", show(recover())) }()
			defer fmt.Println("deferred 3")
			panic("boom")
		}()
		fmt.Println("returned", r)
	case "protect":
		protect(func() {
			func() {
				defer fmt.Println("g: deferred")
				deep(3)
			}()
			fmt.Println("not reached")
		})
		fmt.Println("after protect")
	case "named":
		result := func() (r int) {
			r = 1
			defer func() {
				if recover() != nil {
					r = -1
				}
			}()
			panic("fail")
		}()
		fmt.Println("result", result)
	case "notpanicking":
		fmt.Println("recover outside a panic:", show(recover()))
		func() {
			defer func() { fmt.Println("recover in a normal deferred call:", show(recover())) }()
		}()
	case "recovernil":
		func() {
			defer func() { fmt.Println("recovered:", show(recover())) }()
			var p *int64
			fmt.Println("read", *p)
		}()
		fmt.Println("recovernil: main continues")
	case "nested":
		func() {
			defer func() { fmt.Println("outer recovered:", show(recover())) }()
			func() {
				defer func() { panic("second") }()
				defer fmt.Println("inner deferred")
				panic("first")
			}()
		}()
		fmt.Println("nested done")
	case "goexit":
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer fmt.Println("goexit: outer deferred")
			func() {
				defer func() { fmt.Println("goexit: inner deferred, recover:", show(recover())) }()
				runtime.Goexit()
			}()
			fmt.Println("not reached")
		}()
		wg.Wait()
		fmt.Println("goexit: main continues")
	case "unrecovered":
		func() {
			defer fmt.Println("deferred runs before the report")
			deep(2)
		}()
	case "repanic":
		func() {
			defer func() {
				v := show(recover())
				fmt.Printf("recovered %s, panicking again\n", v)
				panic("again")
			}()
			panic("boom")
		}()
	case "goroutine":
		c := make(chan int32)
		spawnPanicker()
		<-c
	case "deadlock":
		a, b, c := make(chan int32), make(chan int32), make(chan int32)
		go func() { b <- 1 }()
		go func() { <-c }()
		fmt.Println("deadlock: main waits")
		<-a
	case "goexitmain":
		go func() { fmt.Println("goexitmain: the goroutine ran") }()
		runtime.Goexit()
	case "nil":
		fmt.Println("nil: about to dereference nil")
		var p *int64
		fmt.Println("read", *p)
	case "fault":
		fmt.Println("fault: about to read 0xdeadbeef")
		p := (*byte)(unsafe.Pointer(uintptr(0xdeadbeef)))
		fmt.Println("read", *p)
	case "overflow":
		fmt.Println("overflow: recursing")
		fmt.Println(recurse(1))
	case "quit":
		c := make(chan int32)
		go func() { <-c }()
		fmt.Println("quit: waiting")
		time.Sleep(time.Minute)
		c <- 1
	default:
		fmt.Fprintln(os.Stderr, "usage: panics recover|protect|named|notpanicking|recovernil|nested|goexit|unrecovered|repanic|goroutine|deadlock|goexitmain|nil|fault|overflow|quit")
		os.Exit(2)
	}
}
