// How many CPUs a Go program sees and uses: runtime.NumCPU (from sched_getaffinity) and the
// GOMAXPROCS it sets from it, then one CPU-bound goroutine per P whose results must all agree
// with the same work done first on main, and a channel pipeline across them. The counts go to
// stderr (they depend on the machine); stdout is the same everywhere.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
)

func work(seed uint64) uint64 {
	s := seed
	for k := uint64(0); k < 3_000_000; k++ {
		s = s*6364136223846793005 + k
	}
	return s
}

func main() {
	n, p := runtime.NumCPU(), runtime.GOMAXPROCS(0)
	fmt.Fprintf(os.Stderr, "cpus: NumCPU %d GOMAXPROCS %d\n", n, p)
	fmt.Println("GOMAXPROCS follows NumCPU:", n == p)

	want := work(7)
	got := make([]uint64, p)
	var wg sync.WaitGroup
	for i := 0; i < p; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = work(7)
		}(i)
	}
	wg.Wait()
	agree := true
	for _, g := range got {
		agree = agree && g == want
	}
	fmt.Println("every P's goroutine computed the same:", agree)

	in, out := make(chan int), make(chan int, 16)
	for w := 0; w < p; w++ {
		go func() {
			for v := range in {
				out <- v * v
			}
		}()
	}
	go func() {
		for i := 1; i <= 1000; i++ {
			in <- i
		}
		close(in)
	}()
	sum := 0
	for i := 0; i < 1000; i++ {
		sum += <-out
	}
	fmt.Println("sum of squares 1..1000 through", "the workers:", sum)
}
