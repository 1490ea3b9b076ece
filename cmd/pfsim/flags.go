package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

type options struct {
	json      bool
	tables    bool   // trace: show the connection tables after each step
	colorWhen string // auto, always, never
	color     bool
	format    string // trace: text, mermaid or svg (see diagram.go)
}

var errHelp = errors.New("help requested")

// parseFlags reads the flags of check and trace, which may stand before,
// between or after the files.
func parseFlags(cmd string, args []string) (options, []string, error) {
	o := options{colorWhen: "auto"}
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			files = append(files, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			files = append(files, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case name == "h" || name == "help":
			return o, nil, errHelp
		case name == "json" && !hasVal:
			o.json = true
		case name == "tables" && !hasVal && cmd == "trace":
			o.tables = true
		case name == "color" && cmd == "trace":
			if !hasVal {
				if i+1 >= len(args) {
					return o, nil, fmt.Errorf("--color needs a value: auto, always or never")
				}
				i++
				val = args[i]
			}
			if val != "auto" && val != "always" && val != "never" {
				return o, nil, fmt.Errorf("--color %q: want auto, always or never", val)
			}
			o.colorWhen = val
		case name == "format" && cmd == "trace":
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			if err := checkFormat(val); err != nil {
				return o, nil, err
			}
			o.format = val
		default:
			return o, nil, fmt.Errorf("unknown flag %s", a)
		}
	}
	if len(files) == 0 {
		return o, nil, fmt.Errorf("no scenario file given")
	}
	if err := checkFormatUse(o, files); err != nil {
		return o, nil, err
	}
	return o, files, nil
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
