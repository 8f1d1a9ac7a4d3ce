// The smallest Go program: its start-up is what `--trace-startup` tables show.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
