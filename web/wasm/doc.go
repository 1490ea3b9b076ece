// Command wasm is pfsim's simulator compiled to WebAssembly for the lesson
// page of package web. Built with
//
//	GOOS=js GOARCH=wasm go build -o pfsim.wasm github.com/pfsim/pfsim/web/wasm
//
// it defines one JavaScript function, pfsimRun(file, text), that returns
// the JSON of lesson.Load(file, text): the run of a scenario file as the
// page draws it, computed in the browser. It calls window.pfsimReady(),
// when the page has defined it, once pfsimRun is there. Built for any
// other platform it only says how to build it.
package main
