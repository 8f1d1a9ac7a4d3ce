// A plain Go program that exercises the runtime without files, timers or signals: goroutines
// and channels, a WaitGroup, maps, sort, strings, encoding/json, fmt, runtime.NumGoroutine,
// select, defer/recover and an exit code from os.Exit. Its output is deterministic.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
)

type record struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

func squares(n int) int {
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ch <- i * i
		}(i)
	}
	go func() {
		wg.Wait()
		close(ch)
	}()
	sum := 0
	for v := range ch {
		sum += v
	}
	return sum
}

// parked starts n goroutines that block until released and returns NumGoroutine while they wait.
func parked(n int) int {
	release := make(chan struct{})
	var started sync.WaitGroup
	var done sync.WaitGroup
	for i := 0; i < n; i++ {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	count := runtime.NumGoroutine()
	close(release)
	done.Wait()
	return count
}

func pipeline() []string {
	words := make(chan string)
	upper := make(chan string, 4)
	quit := make(chan struct{})
	go func() {
		for _, w := range []string{"alpha", "beta", "gamma", "delta"} {
			words <- w
		}
		close(quit)
	}()
	go func() {
		for w := range words {
			upper <- strings.ToUpper(w)
		}
		close(upper)
	}()
	var out []string
	for {
		select {
		case w, ok := <-upper:
			if !ok {
				return out
			}
			out = append(out, w)
		case <-quit:
			quit = nil
			close(words)
		}
	}
}

func recovered() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	var m map[string]int
	m["x"] = 1
	return nil
}

func main() {
	fmt.Println("go features")
	// First, while main is the only user goroutine: the count is exact.
	fmt.Println("goroutines while 5 are parked:", parked(5))
	fmt.Println("args:", strings.Join(os.Args[1:], ","))
	fmt.Println("sum of squares 1..10:", squares(10))

	counts := map[string]int{}
	for _, w := range strings.Fields("the quick brown fox jumps over the lazy dog the end") {
		counts[w]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, counts[k])
	}
	fmt.Println("words:", strings.TrimSpace(b.String()))

	nums := []int{42, 7, 19, 3, 88, 1, 56}
	sort.Sort(sort.Reverse(sort.IntSlice(nums)))
	fmt.Println("sorted desc:", nums)

	js, err := json.Marshal(record{"x", 3, []string{"a", "b"}, map[string]string{"k": "v", "a": "z"}})
	fmt.Println("json:", string(js), err)
	var r record
	err = json.Unmarshal([]byte(`{"name":"y","count":7,"tags":["q"]}`), &r)
	fmt.Printf("decoded: %+v %v\n", r, err)

	fmt.Println("pipeline:", pipeline())
	fmt.Println(recovered())
	wrapped := fmt.Errorf("outer: %w", os.ErrNotExist)
	fmt.Println("errors.Is:", errors.Is(wrapped, os.ErrNotExist))

	os.Exit(len(os.Args) - 1)
}
