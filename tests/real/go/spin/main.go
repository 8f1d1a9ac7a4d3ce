// Prints one line, then keeps a goroutine computing until a terminal signal arrives: with no
// argument the runtime's default action for SIGINT (death by signal) or SIGQUIT (goroutine
// dump, exit 2); with `notify`, signal.Notify catches SIGINT and main prints it; with `idle`,
// the same with nothing computing, so the signal finds every thread asleep in a system call.
package main

import (
	"fmt"
	"os"
	"os/signal"
)

var sink uint64

func spin() {
	for i := uint64(0); ; i++ {
		sink += i
	}
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "notify" || os.Args[1] == "idle") {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		if os.Args[1] == "notify" {
			go spin()
		}
		fmt.Println("waiting for a signal")
		fmt.Println("got", <-c)
		return
	}
	fmt.Println("spinning")
	spin()
}
