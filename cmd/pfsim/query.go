package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
)

// What send and connect share: a question asked of a scenario's VPC at a
// time, once the file's steps up to that time have run.

// atFlag is the --at flag of send and connect.
var atFlag = flagSpec{name: "at", value: "T", check: func(v string) error {
	_, err := parseAt(v)
	return err
}}

// parseAt reads --at: a Go duration from 0 to scenario.MaxAt.
func parseAt(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	switch {
	case err != nil:
		return 0, errors.New("want a Go duration counted from the start, such as 0s, 31s or 2h")
	case d < 0:
		return 0, errors.New("must not be negative")
	case d > scenario.MaxAt:
		return 0, fmt.Errorf("more than %dh (100 years) after the start", scenario.MaxAt/time.Hour)
	}
	return d, nil
}

// asked is a scenario run up to the time of a question.
type asked struct {
	rep   *scenario.Report
	at    time.Duration // when the question is asked
	steps int           // how many of the file's steps ran before it
	total int           // how many steps the file has
}

// prepare loads the file and runs its steps at or before --at (every step
// without it; the question is then asked at the last step's time). It
// reports the file's warnings, and its errors with the exit status to
// return when it cannot.
func prepare(e *env, fl flags, path string) (*asked, int, bool) {
	asJSON := fl.has("json")
	f, warns, err := scenario.Load(path)
	reportWarnings(e, asJSON, warns)
	if err != nil {
		if scenario.Errors(err) == nil {
			reportUnreadable(e, asJSON, path, err)
		} else {
			reportInvalid(e, asJSON, err)
		}
		return nil, exitInvalid, false
	}
	q := &asked{total: len(f.Steps)}
	if v, ok := fl["at"]; ok {
		q.at, _ = parseAt(v) // checked with the flags
		for q.steps < len(f.Steps) && f.Steps[q.steps].At <= q.at {
			q.steps++
		}
	} else {
		q.steps = len(f.Steps)
		if q.steps > 0 {
			q.at = f.Steps[q.steps-1].At
		}
	}
	upTo := *f
	upTo.Steps = f.Steps[:q.steps]
	q.rep, err = scenario.Run(&upTo)
	if err != nil {
		reportUnreadable(e, asJSON, path, err)
		return nil, exitInvalid, false
	}
	return q, exitOK, true
}

// now is the simulated time of the question.
func (q *asked) now() time.Time { return scenario.Epoch.Add(q.at) }

// header says what the question is asked of: "FILE at 31s, after 14 of
// 20 steps".
func (q *asked) header(path string) string {
	s := path + " at " + q.at.String() + ", "
	switch {
	case q.total == 0:
		return s + "a file without steps"
	case q.steps == 0:
		return s + "before any step"
	}
	return s + fmt.Sprintf("after %d of %d steps", q.steps, q.total)
}

// questionError reports a question the VPC cannot answer (an address of
// no interface, a packet from an interface to itself): a usage error.
func questionError(e *env, cmd, text string, err error) int {
	var pe *flow.ParseError
	if errors.As(err, &pe) {
		// The error names the packet; show where in it the fault is.
		fmt.Fprintf(e.stderr, "pfsim %s: %v\n  %s\n  %s^\n", cmd, err, text, strings.Repeat(" ", len([]rune(text[:min(pe.Offset, len(text))]))))
		return exitInvalid
	}
	if strings.Contains(err.Error(), text) {
		fmt.Fprintf(e.stderr, "pfsim %s: %v\n", cmd, err)
	} else {
		fmt.Fprintf(e.stderr, "pfsim %s: %q: %v\n", cmd, text, err)
	}
	return exitInvalid
}

// twoOperands checks that a question has its file and its text.
func twoOperands(e *env, c *command, args []string) bool {
	if len(args) == 2 {
		return true
	}
	fmt.Fprintf(e.stderr, "pfsim %s: want a scenario file and one %s, got %d argument(s)\nUsage: pfsim %s %s\n",
		c.name, strings.ToLower(strings.Trim(c.args[strings.LastIndex(c.args, " ")+1:], "'")), len(args), c.name, c.args)
	return false
}
