//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "this is pfsim's WebAssembly module: build it with GOOS=js GOARCH=wasm go build, or run `pfsim serve --export DIR`")
	os.Exit(2)
}
