// Reads standard input line by line with bufio.Scanner to end of file.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	n, bytes := 0, 0
	for sc.Scan() {
		n++
		bytes += len(sc.Bytes())
		fmt.Printf("%d: %s\n", n, strings.ToUpper(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("%d lines, %d bytes, end of file\n", n, bytes)
}
