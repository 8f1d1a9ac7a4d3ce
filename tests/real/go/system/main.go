// What a Go program asks of the system beyond goroutines: a GC-heavy binary-trees run with
// runtime.GC and ReadMemStats, the error text of reading a missing file, the user and group
// ids (root on rt0; the native run is root too, as in CI), and a wall clock past 1970.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

type node struct{ left, right *node }

func build(depth int) *node {
	if depth == 0 {
		return &node{}
	}
	return &node{build(depth - 1), build(depth - 1)}
}

func (n *node) count() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.count() + n.right.count()
}

func main() {
	long := build(14)
	total := 0
	for d := 4; d <= 14; d += 2 {
		iters := 1 << (14 - d)
		sum := 0
		for i := 0; i < iters; i++ {
			sum += build(d).count()
		}
		total += sum
		fmt.Printf("%d trees of depth %d: %d nodes\n", iters, d, sum)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Println("long-lived tree:", long.count(), "nodes; all:", total)
	fmt.Println("GC ran:", m.NumGC > 0, "and freed:", m.Frees > 0, "heap in use below 64 MiB:", m.HeapInuse < 64<<20)

	_, err := os.ReadFile("/nonexistent/file")
	fmt.Println("read a missing file:", err)
	fmt.Println("uid", os.Getuid(), "euid", os.Geteuid(), "gid", os.Getgid(), "egid", os.Getegid())
	fmt.Println("the clock is past 2024:", time.Now().Year() >= 2024)
}
