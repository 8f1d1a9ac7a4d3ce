package main

import (
	"fmt"
	"runtime"
	"time"
)

var stop int32

func main() {
	runtime.GOMAXPROCS(1)
	done := make(chan bool)
	go func() {
		for stop == 0 {
		}
		done <- true
	}()
	time.Sleep(50 * time.Millisecond)
	stop = 1
	<-done
	fmt.Println("preempted the tight loop")
}
