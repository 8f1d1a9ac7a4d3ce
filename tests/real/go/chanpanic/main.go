// Channel and sync misuse in Go 1.19, one case per argument, printing the same stdout line as
// rt0's `chans` and `syncs` programs before dying: the panic and fatal-error texts on stderr and
// the exit status 2 are what rt0's runtime must reproduce.
package main

import (
	"fmt"
	"os"
	"sync"
)

func main() {
	switch os.Args[1] {
	case "sendclosed":
		c := make(chan int32, 1)
		close(c)
		fmt.Println("chans: send on a closed channel")
		c <- 1
	case "selectclosed":
		c, other := make(chan int32), make(chan int32)
		close(c)
		fmt.Println("chans: select a send on a closed channel")
		select {
		case c <- 1:
			fmt.Println("chans: not reached")
		case <-other:
			fmt.Println("chans: not reached")
		}
	case "closeclosed":
		c := make(chan int32)
		close(c)
		fmt.Println("chans: close a closed channel")
		close(c)
	case "closenil":
		var c chan int32
		fmt.Println("chans: close the nil channel")
		close(c)
	case "nilrecv":
		var c chan int32
		fmt.Println("chans: receive from the nil channel")
		<-c
	case "unlock":
		var m sync.Mutex
		fmt.Println("syncs: unlock of an unlocked Mutex")
		m.Unlock()
	}
}
