package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/pfsim/pfsim/diagram"
	"github.com/pfsim/pfsim/lesson"
	"github.com/pfsim/pfsim/scenario"
)

// checkFormat validates the value of trace's --format.
func checkFormat(val string) error {
	switch val {
	case "text", "mermaid", "svg":
		return nil
	}
	return errors.New("want text, mermaid or svg")
}

// checkFormatUse refuses what a diagram cannot hold: a Mermaid block or an
// SVG picture is one file's diagram, and neither carries JSON or tables.
func checkFormatUse(fl flags, files []string) error {
	format := fl["format"]
	if format != "mermaid" && format != "svg" {
		return nil
	}
	switch {
	case len(files) != 1:
		return fmt.Errorf("--format %s draws one file; %d given", format, len(files))
	case fl.has("json"):
		return fmt.Errorf("--format %s and --json exclude each other", format)
	case fl.has("tables"):
		return fmt.Errorf("--format %s does not draw tables; leave out --tables", format)
	}
	return nil
}

// writeDiagram draws a run as a Mermaid sequence diagram or an SVG picture.
func writeDiagram(stdout, stderr io.Writer, format string, rep *scenario.Report) {
	v := lesson.Build(rep)
	write := diagram.Mermaid
	if format == "svg" {
		write = diagram.SVG
	}
	if err := write(stdout, v); err != nil {
		fmt.Fprintf(stderr, "pfsim trace: %v\n", err)
	}
}
