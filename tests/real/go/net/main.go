// Go's net package on rt0's sockets: a TCP echo over net.Listen/net.Dial (many goroutines,
// deadlines, CloseWrite's half close, a refused dial), an IPv6 listener, Unix sockets in the
// abstract namespace and in /tmp, and an HTTP round trip through net/http/httptest and
// http.Get — every line independent of the ports the kernel picks, so rt0 and Linux print the
// same.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: %v\n", what, err)
		os.Exit(1)
	}
}

// echo serves each connection: every line comes back upper-cased, until the client half-closes.
func echo(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				c.Write([]byte(strings.ToUpper(line)))
			}
		}(c)
	}
}

func tcp() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check("listen", err)
	go echo(l)
	addr := l.Addr().(*net.TCPAddr)
	fmt.Printf("listening on 127.0.0.1: %v, ephemeral: %v\n", addr.IP.String() == "127.0.0.1", addr.Port >= 32768 && addr.Port <= 60999)

	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				results[i] = err.Error()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "client %d\n", i)
			c.(*net.TCPConn).CloseWrite()
			b, err := io.ReadAll(c)
			results[i] = fmt.Sprintf("%q %v", b, err)
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		fmt.Printf("echo %d: %s\n", i, r)
	}

	c, err := net.Dial("tcp", addr.String())
	check("dial", err)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	fmt.Printf("read past the deadline: timeout %v\n", errors.Is(err, os.ErrDeadlineExceeded))
	local := c.LocalAddr().(*net.TCPAddr)
	fmt.Printf("local 127.0.0.1: %v, remote is the listener: %v\n", local.IP.String() == "127.0.0.1", c.RemoteAddr().String() == addr.String())
	big := strings.Repeat("x", 1<<20) + "\n"
	go c.Write([]byte(big))
	c.SetReadDeadline(time.Time{})
	got, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("a megabyte line back: %d bytes, upper-cased %v, %v\n", len(got), got == strings.ToUpper(big), err)
	c.Close()

	l.Close()
	_, err = net.Dial("tcp", addr.String())
	fmt.Printf("dial after close: refused %v\n", errors.Is(err, syscall.ECONNREFUSED))
}

func tcp6() {
	l, err := net.Listen("tcp6", "[::1]:0")
	check("listen tcp6", err)
	defer l.Close()
	go echo(l)
	c, err := net.Dial("tcp", l.Addr().String())
	check("dial tcp6", err)
	defer c.Close()
	fmt.Fprintf(c, "six\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("tcp6: %q %v, from [::1]: %v\n", line, err, c.LocalAddr().(*net.TCPAddr).IP.String() == "::1")
}

func unix() {
	// The pid in the name: abstract names are per network namespace, and two tests run this
	// program on the host, perhaps at once.
	name := fmt.Sprintf("@rt0-go-net-%d", os.Getpid())
	l, err := net.Listen("unix", name)
	check("listen unix", err)
	defer l.Close()
	go echo(l)
	c, err := net.Dial("unix", name)
	check("dial unix", err)
	defer c.Close()
	fmt.Fprintf(c, "abstract\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("unix: %q %v\n", line, err)

	path := fmt.Sprintf("/tmp/rt0-go-net-%d.sock", os.Getpid())
	pl, err := net.Listen("unix", path)
	check("listen unix path", err)
	go echo(pl)
	pc, err := net.Dial("unix", path)
	check("dial unix path", err)
	fmt.Fprintf(pc, "path\n")
	line, err = bufio.NewReader(pc).ReadString('\n')
	fi, _ := os.Stat(path)
	fmt.Printf("unix path: %q %v, a socket: %v\n", line, err, fi != nil && fi.Mode()&os.ModeSocket != 0)
	pc.Close()
	pl.Close()
	_, err = os.Stat(path)
	fmt.Printf("removed by Close: %v\n", os.IsNotExist(err))
}

func web() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Rt0", "yes")
		fmt.Fprintf(w, "%s %s %q", r.Method, r.URL.Path, body)
	}))
	defer srv.Close()
	fmt.Printf("httptest URL on 127.0.0.1: %v\n", strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	for i := 0; i < 3; i++ {
		resp, err := http.Get(srv.URL + fmt.Sprintf("/get/%d", i))
		check("get", err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("GET: %s %s %q %v\n", resp.Status, resp.Header.Get("X-Rt0"), b, err)
	}
	resp, err := http.Post(srv.URL+"/post", "text/plain", strings.NewReader("payload"))
	check("post", err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("POST: %s %q %v\n", resp.Status, b, err)
}

func main() {
	tcp()
	tcp6()
	unix()
	web()
}
