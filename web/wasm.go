package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// WASMPackage is the import path of the main package that BuildWASM
// compiles to WebAssembly.
const WASMPackage = "github.com/pfsim/pfsim/web/wasm"

// BuildWASM compiles pfsim's WebAssembly module with the Go toolchain,
// `GOOS=js GOARCH=wasm go build`, run in dir (a checkout of pfsim, or any
// module that requires it; "" is the current directory). goTool is the go
// command to run ("" finds go on the PATH). It returns the module and the
// wasm_exec.js of the same toolchain: the two must come from one Go
// release, so the script is read from that toolchain's GOROOT
// (lib/wasm/wasm_exec.js since Go 1.24) and never from a copy.
func BuildWASM(ctx context.Context, goTool, dir string) (wasm, wasmExec []byte, err error) {
	if goTool == "" {
		goTool, err = exec.LookPath("go")
		if err != nil {
			return nil, nil, errors.New("building the WebAssembly module needs the Go toolchain: no go command on the PATH")
		}
	}
	tmp, err := os.MkdirTemp("", "pfsim-wasm-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "pfsim.wasm")
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", out, WASMPackage)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("GOOS=js GOARCH=wasm go build %s: %v\n%s(run it in a checkout of pfsim, or in a module that requires it)",
			WASMPackage, err, stderr.String())
	}
	wasm, err = os.ReadFile(out)
	if err != nil {
		return nil, nil, err
	}
	env := exec.CommandContext(ctx, goTool, "env", "GOROOT")
	env.Dir = dir
	root, err := env.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(root))
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		if wasmExec, err = os.ReadFile(filepath.Join(goroot, filepath.FromSlash(p))); err == nil {
			return wasm, wasmExec, nil
		}
	}
	return nil, nil, fmt.Errorf("no wasm_exec.js in %s (looked in lib/wasm and misc/wasm)", goroot)
}
