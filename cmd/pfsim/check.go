package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pfsim/pfsim/scenario"
)

var checkCommand = &command{
	name:    "check",
	args:    "[--json] FILE|DIR...",
	summary: "run scenario files, check every expectation",
	flags:   []flagSpec{{name: "json"}},
	run: func(e *env, fl flags, args []string) int {
		return runFiles(e, "check", fl, args)
	},
	help: `Usage: pfsim check [--json] FILE|DIR...

Runs every step of each scenario file and checks its expectation. A
directory stands for the scenario files in it (*.yaml, *.yml, *.json; not
its subdirectories). Prints one line per expectation that does not hold:
the step's FILE:LINE, its number, what was expected, what happened, and
why. A file that is not valid is not run at all; each of its problems is
printed as FILE:LINE:COL: followed by what is wrong. Warnings and a summary that counts valid, invalid and
unreadable files go to standard error.

Exit status: 0 if all expectations hold, 1 if at least one fails, 2 if a
file cannot be read or is not valid (or the command line is wrong).

  --json   one JSON record per line on standard output, and nothing on
           standard error: a "step" record per step, an "error" or
           "warning" record per problem, a "summary" record at the end
           (docs/json.md)
`,
}

var traceCommand = &command{
	name:    "trace",
	args:    "[--json] [--tables] [--color[=WHEN]] [--format=F] FILE|DIR...",
	summary: "show every step's verdict and why",
	flags: []flagSpec{
		{name: "json"},
		{name: "tables"},
		{name: "color", value: "WHEN", bare: "always", check: func(v string) error {
			if v != "auto" && v != "always" && v != "never" {
				return errors.New("want auto, always or never")
			}
			return nil
		}},
		{name: "format", value: "F", check: checkFormat}, // diagram.go
	},
	run: func(e *env, fl flags, args []string) int {
		return runFiles(e, "trace", fl, args)
	},
	help: `Usage: pfsim trace [--json] [--tables] [--color[=WHEN]] [--format=F] FILE|DIR...

Runs each scenario file and prints a table of its steps (number, time,
action, result, connection tracking, expectation), then every step with
the stages its packets met (for a connect, each packet of the exchange),
each with the rule that decided, in plain words. Expectations are checked
and marked; the exit status is that of check.

  --json          one JSON record per line on standard output (as check)
  --tables        after each step, list every interface's tracked
                  connections (state, age, and when the entry expires if
                  nothing more comes)
  --color[=WHEN]  colour the verdicts: always (--color alone), never, or
                  auto (the default: on a terminal, unless NO_COLOR is set)
  --format=F      text (the default), or a sequence diagram of one file:
                  mermaid (renders in Markdown on GitHub) or svg (slides)
`,
}

// outcome counts what a run of files found, for the summary.
type outcome struct {
	files, valid, invalid, unreadable int
	steps, expectations, failed       int
}

// status is the exit status the outcome calls for.
func (o *outcome) status() int {
	switch {
	case o.invalid+o.unreadable > 0:
		return exitInvalid
	case o.failed > 0:
		return exitFailed
	}
	return exitOK
}

// text is the summary line.
func (o *outcome) text(cmd string) string {
	s := fmt.Sprintf("pfsim %s: %s: %d valid, %d invalid, %d unreadable", cmd, plural(o.files, "file"), o.valid, o.invalid, o.unreadable)
	if o.valid == 0 {
		return s + "; nothing ran"
	}
	s += fmt.Sprintf("; %s, %s: ", plural(o.steps, "step"), plural(o.expectations, "expectation"))
	switch {
	case o.failed > 0:
		s += fmt.Sprintf("%d failed", o.failed)
	case o.expectations == 0:
		s += "nothing to check"
	default:
		s += "all hold"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// scenarioExts are the file name endings a directory's scenario files
// have.
var scenarioExts = []string{".yaml", ".yml", ".json"}

// expand replaces each directory among paths by the scenario files in
// it, sorted. A directory without any is returned as is, with an error
// for it.
func expand(paths []string) ([]string, map[string]error) {
	var out []string
	bad := map[string]error{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			out = append(out, p)
			bad[p] = err
			continue
		}
		var found []string
		for _, en := range entries {
			if en.Type().IsRegular() && slices.Contains(scenarioExts, strings.ToLower(filepath.Ext(en.Name()))) {
				found = append(found, filepath.Join(p, en.Name()))
			}
		}
		if len(found) == 0 {
			out = append(out, p)
			bad[p] = errors.New("no scenario files (*.yaml, *.yml, *.json) in this directory")
			continue
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, bad
}

// runFiles loads, runs and reports each file (check or trace); it returns
// the exit status.
func runFiles(e *env, cmd string, fl flags, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "pfsim %s: no scenario file given\nRun 'pfsim help %s' for more.\n", cmd, cmd)
		return exitInvalid
	}
	asJSON := fl.has("json")
	color := fl["color"] == "always" || (fl["color"] != "never" && e.tty && e.getenv("NO_COLOR") == "")
	files, bad := expand(args)
	if err := checkFormatUse(fl, files); err != nil { // diagram.go
		fmt.Fprintf(e.stderr, "pfsim %s: %v\n", cmd, err)
		return exitInvalid
	}
	var o outcome
	for _, path := range files {
		o.files++
		if err := bad[path]; err != nil {
			o.unreadable++
			reportUnreadable(e, asJSON, path, err)
			continue
		}
		f, warns, err := scenario.Load(path)
		reportWarnings(e, asJSON, warns)
		if err != nil {
			if scenario.Errors(err) == nil {
				o.unreadable++
				reportUnreadable(e, asJSON, path, err)
			} else {
				o.invalid++
				reportInvalid(e, asJSON, err)
			}
			continue
		}
		rep, err := scenario.RunWith(f, scenario.Options{Tables: fl.has("tables")})
		if err != nil {
			// A File from Load always builds; report it as invalid if not.
			o.invalid++
			reportUnreadable(e, asJSON, path, err)
			continue
		}
		o.valid++
		o.steps += len(rep.Results)
		o.failed += rep.Failed()
		for i := range rep.Results {
			if rep.Results[i].Step.Expect != nil {
				o.expectations++
			}
		}
		switch {
		case fl["format"] == "mermaid" || fl["format"] == "svg":
			writeDiagram(e.stdout, e.stderr, fl["format"], rep)
		case asJSON:
			writeStepRecords(e.stdout, rep, fl.has("tables"))
		case cmd == "trace":
			writeTrace(e.stdout, rep, color, fl.has("tables"))
		default:
			writeFailures(e.stdout, rep)
		}
	}
	if asJSON {
		writeRecord(e.stdout, summaryRecord{Type: "summary", Command: cmd, Files: o.files, Valid: o.valid, Invalid: o.invalid,
			Unreadable: o.unreadable, Steps: o.steps, Expectations: o.expectations, Failed: o.failed, Exit: o.status()})
	} else {
		// Standard output holds only the failures (check) or the trace:
		// the summary goes to standard error.
		fmt.Fprintln(e.stderr, o.text(cmd))
	}
	return o.status()
}

// reportWarnings prints warnings as FILE:LINE:COL: warning: ..., or as
// records.
func reportWarnings(e *env, asJSON bool, warns []scenario.Warning) {
	for _, w := range warns {
		if asJSON {
			writeRecord(e.stdout, warningRecord{Type: "warning", File: w.Pos.File, Line: w.Pos.Line, Col: w.Pos.Col, Message: w.Msg})
			continue
		}
		fmt.Fprintf(e.stderr, "%s: warning: %s\n", w.Pos, w.Msg)
	}
}

// reportInvalid prints each error of an invalid file as FILE:LINE:COL:
// msg on standard error, or as records on standard output.
func reportInvalid(e *env, asJSON bool, err error) {
	for _, x := range scenario.Errors(err) {
		if asJSON {
			writeRecord(e.stdout, errorRecord{Type: "error", Kind: "invalid", File: x.Pos.File, Line: x.Pos.Line, Col: x.Pos.Col,
				Step: stepOfField(x.Field), Field: x.Field, Message: x.Msg})
			continue
		}
		fmt.Fprintln(e.stderr, x.Error())
	}
}

// reportUnreadable reports a file that could not be read at all.
func reportUnreadable(e *env, asJSON bool, path string, err error) {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Op + ": " + pe.Err.Error() // the path is the record's file
	}
	if asJSON {
		writeRecord(e.stdout, errorRecord{Type: "error", Kind: "unreadable", File: path, Message: msg})
		return
	}
	fmt.Fprintf(e.stderr, "%s: %s\n", path, msg)
}

// writeFailures prints one line per step that failed: check's output.
func writeFailures(w interface{ Write([]byte) (int, error) }, rep *scenario.Report) {
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.OK() {
			continue
		}
		head := fmt.Sprintf("%s:%d: %s at %s: %s %s", r.Step.Pos.File, r.Step.Pos.Line, scenario.StepName(r.Index), r.Step.At, r.Step.Kind, r.Step.Input())
		if r.Err != nil {
			fmt.Fprintf(w, "%s: %v\n", head, r.Err)
			continue
		}
		// One line per failed step, so that tools can count and grep them:
		// the explanation's own lines are joined. The why is the deciding
		// stage's explanation (for a connect, the drop that made it time
		// out, or the packet that ended it).
		text := r.Explain()
		if p := r.Deciding(); p != nil {
			text = p.Why()
		}
		why := strings.Join(strings.Fields(strings.ReplaceAll(text, "\n", " | ")), " ")
		fmt.Fprintf(w, "%s: %s; why: %s\n", head, strings.Join(r.Failures, "; "), why)
	}
}
