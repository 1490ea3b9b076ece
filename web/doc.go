// Package web is the page that teaches pfsim's lessons in a browser: pick a
// lesson or paste a scenario file, run it, and watch every packet cross the
// subnet's network ACL and the interface's security groups, a step at a
// time, with the connection tables after each step.
//
// The page is plain HTML, CSS and one script (static/), with no framework
// and no build step of its own. Its script runs a scenario with pfsim's own
// Go code and draws the [lesson.View] that comes back: every step a row of a
// sequence diagram whose lanes are the outside, the subnet's ACL, the
// interface's groups and the instance; each packet drawn up to the filter
// that dropped it, connects with their replies; the verdict, the words that
// explain it, the expectation and whether it held; errors in the file at
// their line and column. It answers the keyboard (→ ← Home End, a for all
// steps, Ctrl+Enter to run) and fits a projector and a phone.
//
// # Where the Go code runs
//
// The same Go code, [lesson.Load], runs in one of two places, and the page
// takes whichever the site has:
//
//   - In the browser, compiled to WebAssembly from package
//     github.com/pfsim/pfsim/web/wasm: the static site that `pfsim serve
//     --export DIR` writes, which any web server (GitHub Pages, a laptop in a
//     classroom) can publish, and which needs no pfsim process.
//   - In `pfsim serve` ([Handler]), through its endpoint api/run, when the
//     site has no pfsim.wasm.
//
// This split is deliberate. The module is a build output of about 6 MB
// (1.7 MB gzipped) that must come from the same Go release as the
// wasm_exec.js that loads it, so it is neither committed nor embedded:
// embedding it would need a step before `go build` (go generate, a
// Makefile), which the project does not have. So a plain `go build` or
// `go install` of pfsim gives a binary whose `serve` builds nothing and
// needs no toolchain at run time, and runs the scenarios itself; and the
// static site, the one place where the module is needed, is made by
// [BuildWASM], which runs `GOOS=js GOARCH=wasm go build` and takes
// wasm_exec.js from that toolchain's GOROOT (lib/wasm since Go 1.24), never
// from a copy that could drift. Both ways give the page the same JSON from
// the same function, and the browser tests run every lesson both ways.
//
// The lessons come from package github.com/pfsim/pfsim/examples/scenarios,
// which embeds the files of its directory: they exist once, as files. Links
// open a lesson at once: ?lesson=07-idle-timeouts, with &step=6 to start at
// a step and &all=1 to show every step.
package web
