package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/web"
)

// defaultAddr is where serve listens unless told otherwise: this machine
// only, on a port that few other programs take.
const defaultAddr = "127.0.0.1:7070"

const serveUsage = `Usage: pfsim serve [--addr HOST:PORT]
       pfsim serve --export DIR

Serves the lessons in the browser: pick a lesson or paste a scenario file,
run it, and watch every packet cross the network ACL and the security groups,
a step at a time, with the connection tables after each step. The page and
the lessons are inside the binary; the scenarios run in this process.
Link to a lesson with ?lesson=NAME (for example ?lesson=07-idle-timeouts).

  --addr HOST:PORT   where to listen (default ` + defaultAddr + `: this machine
                     only; 0.0.0.0:PORT lets a classroom in)
  --export DIR       write the page as a static site into DIR instead, with
                     pfsim compiled to WebAssembly so that it runs in the
                     browser: needs the Go toolchain and a checkout of pfsim
                     (it runs GOOS=js GOARCH=wasm go build); any web server can
                     then serve DIR
`

var serveCommand = &command{
	name:    "serve",
	args:    "[--addr HOST:PORT] [--export DIR]",
	summary: "the lessons in the browser",
	flags:   []flagSpec{{name: "addr", value: "HOST:PORT"}, {name: "export", value: "DIR"}},
	help:    serveUsage,
	run: func(e *env, fl flags, args []string) int {
		if len(args) > 0 {
			fmt.Fprintf(e.stderr, "pfsim serve: unexpected argument %q\nUsage: pfsim serve [--addr HOST:PORT] [--export DIR]\n", args[0])
			return exitInvalid
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		addr := fl["addr"]
		if addr == "" {
			addr = defaultAddr
		}
		if fl.has("export") {
			return exportSite(ctx, fl["export"], e.stdout, e.stderr)
		}
		if err := checkAddr(addr); err != nil {
			fmt.Fprintf(e.stderr, "pfsim serve: --addr %q: %v\n", addr, err)
			return exitInvalid
		}
		return serve(ctx, addr, e.stdout, e.stderr, nil)
	},
}

// checkAddr reports whether addr has the form --addr takes, HOST:PORT
// with a port number, before the system is asked to listen there.
func checkAddr(addr string) error {
	const want = "want HOST:PORT, such as 127.0.0.1:7070, localhost:8080 or :8080"
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New(want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number 0..65535 (%s)", port, want)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q is not an address or a name (%s)", host, want)
	}
	return nil
}

// serve serves the page on addr until ctx ends. ready, when not nil,
// receives the address it listens on.
func serve(ctx context.Context, addr string, stdout, stderr io.Writer, ready chan<- string) int {
	h, err := web.Handler(web.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "pfsim serve: %v\n", err)
		return exitFailed
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "pfsim serve: cannot listen on %s: %v\n", addr, listenCause(err))
		return exitFailed
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "pfsim serve: lessons at %s (Ctrl+C stops)\n", url)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "pfsim serve: %v\n", err)
		return exitFailed
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "pfsim serve: %v\n", err)
		}
		return exitOK
	}
}

// listenCause is the part of a listening error that says what went
// wrong, without the "listen tcp ADDR:" the address already says.
func listenCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// exportSite writes the static site into dir.
func exportSite(ctx context.Context, dir string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "pfsim serve: compiling pfsim to WebAssembly (GOOS=js GOARCH=wasm go build)…")
	wasm, wasmExec, err := web.BuildWASM(ctx, "", "")
	if err != nil {
		fmt.Fprintf(stderr, "pfsim serve --export: %v\n", err)
		return exitFailed
	}
	if err := web.Export(dir, web.Options{WASM: wasm, WASMExec: wasmExec}); err != nil {
		fmt.Fprintf(stderr, "pfsim serve --export: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "pfsim serve: the site is in %s (pfsim.wasm %d bytes); serve it with any web server\n", dir, len(wasm))
	return exitOK
}
