// A Go program that dies of an unrecovered runtime panic: Go prints the panic and the
// goroutine's traceback to stderr and exits with status 2.
package main

import "fmt"

func index(s []int, i int) int {
	return s[i]
}

func main() {
	fmt.Println("before the panic")
	fmt.Println(index([]int{1, 2, 3}, 5))
	fmt.Println("not reached")
}
