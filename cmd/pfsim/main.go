// Command pfsim runs scenario files: a small VPC (security groups, network
// ACLs, subnets, interfaces) and a timeline of packets, connection attempts
// and rule changes, each with an optional expectation.
//
//	pfsim check FILE...   check every expectation (exit 0 all hold, 1 some fail, 2 invalid input)
//	pfsim trace FILE...   every step with its verdict and the explanation in plain words
//
// Both take --json for one JSON record per step. The format is described
// in the scenario package's documentation.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stdout)))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitInvalid = 2
)

const usage = `pfsim simulates AWS VPC packet filtering: network ACLs at the subnet edge
(stateless, numbered rules, first match, default deny), then security groups
on the interface (allow-only, stateful through connection tracking).

Usage:
  pfsim check [--json] FILE...          run scenario files, check every expectation
  pfsim trace [--json] [--tables] [--color=WHEN] FILE...
                                        show every step's verdict and why
  pfsim analyze COMMAND [--json] ...    exact answers over every packet: exposure, shadowed, holes, diff, why-not
  pfsim help [check|trace]              this text, or a command's

A scenario file (YAML or JSON) declares security_groups, network_acls,
subnets and interfaces, then steps at simulated times:
  - at: 0s
    packet: tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]
    expect: {verdict: allow, conntrack: untracked}
  - at: 1s
    connect: tcp 198.51.100.7 > 10.0.1.10:22
    expect: refused

Start with the lessons:
  pfsim trace examples/scenarios/01-seed-web-server.yaml
`

const checkUsage = `Usage: pfsim check [--json] FILE...

Runs every step of each scenario file and checks its expectation. Prints one
line per expectation that does not hold: the step's FILE:LINE, what was
expected, what happened, and why. An invalid file is reported as
FILE:LINE:COL: what is wrong (on standard error), and nothing of it runs.
A one-line summary goes to standard error.

Exit status: 0 when every expectation holds, 1 when some do not, 2 when a
file is invalid or cannot be read.

  --json   one JSON record per step (and per invalid file) on standard output
`

const traceUsage = `Usage: pfsim trace [--json] [--tables] [--color=auto|always|never] FILE...

Runs each scenario file and prints every step with its verdict, the stages
the packet met, and the explanation in plain words. Expectations are
checked too and marked; the exit status is that of check.

  --json         one JSON record per step on standard output
  --tables       after each step, list every interface's tracked connections
                 (state and when the entry expires if nothing more comes)
  --color=WHEN   colour the verdicts: auto (on a terminal, unless NO_COLOR
                 is set), always, never
`

// run is the whole command, for tests: it returns the exit status.
func run(args []string, stdout, stderr io.Writer, tty bool) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "--help", "-help", "help":
		switch {
		case len(rest) > 0 && rest[0] == "check":
			fmt.Fprint(stdout, checkUsage)
		case len(rest) > 0 && rest[0] == "trace":
			fmt.Fprint(stdout, traceUsage)
		default:
			fmt.Fprint(stdout, usage)
		}
		return exitOK
	case "check", "trace":
		o, files, err := parseFlags(cmd, rest)
		if err == errHelp {
			if cmd == "check" {
				fmt.Fprint(stdout, checkUsage)
			} else {
				fmt.Fprint(stdout, traceUsage)
			}
			return exitOK
		}
		if err != nil {
			fmt.Fprintf(stderr, "pfsim %s: %v\n\n", cmd, err)
			if cmd == "check" {
				fmt.Fprint(stderr, checkUsage)
			} else {
				fmt.Fprint(stderr, traceUsage)
			}
			return exitInvalid
		}
		o.color = o.colorWhen == "always" || (o.colorWhen == "auto" && tty && os.Getenv("NO_COLOR") == "")
		return runFiles(cmd, o, files, stdout, stderr)
	case "analyze":
		return runAnalyze(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "pfsim: unknown command %q\n\n%s", cmd, usage)
	return exitInvalid
}
