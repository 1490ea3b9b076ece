//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"

	"github.com/pfsim/pfsim/lesson"
)

func main() {
	js.Global().Set("pfsimRun", js.FuncOf(run))
	if ready := js.Global().Get("pfsimReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // serve calls until the page goes away
}

// run is pfsimRun(file, text): the JSON of lesson.Load(file, text).
func run(_ js.Value, args []js.Value) any {
	if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
		return `{"errors":[{"line":0,"col":0,"msg":"pfsimRun takes a file name and the file's text"}],"lanes":[],"steps":[]}`
	}
	return string(viewJSON(args[0].String(), args[1].String()))
}

func viewJSON(file, text string) []byte {
	b, err := json.Marshal(lesson.Load(file, []byte(text)))
	if err != nil {
		b, _ = json.Marshal(map[string]any{"errors": []lesson.Problem{{Msg: err.Error()}}, "lanes": []any{}, "steps": []any{}})
	}
	return b
}
