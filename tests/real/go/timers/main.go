package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	t := time.NewTicker(5 * time.Millisecond)
	n := 0
	for range t.C {
		n++
		if n == 3 {
			break
		}
	}
	t.Stop()
	select {
	case <-time.After(10 * time.Millisecond):
		fmt.Println("after fired")
	}
	c := make(chan int)
	go func() { time.Sleep(5 * time.Millisecond); c <- 7 }()
	select {
	case v := <-c:
		fmt.Println("got", v)
	case <-time.After(2 * time.Second):
		fmt.Println("timeout")
	}
	fmt.Println("ticks", n, "slept enough:", time.Since(start) >= 45*time.Millisecond)
}
