// Command pfsim runs scenario files. Each describes a small VPC (its
// interfaces, subnets, network ACLs and security groups) and lists, in time order,
// packets, connection attempts and rule changes, any of which may state
// what it expects.
//
//	pfsim check FILE|DIR...          check every expectation (exit 0 all hold, 1 some fail, 2 invalid input)
//	pfsim trace FILE...              every step, its verdict, and why, in plain words
//	pfsim send FILE 'PACKET'         one packet through the scenario's VPC, without editing the file
//	pfsim connect FILE 'CONNECTION'  one connection attempt, the same way
//
// --json gives one JSON record per line
// (https://github.com/pfsim/pfsim/blob/main/docs/json.md);
// https://github.com/pfsim/pfsim/blob/main/docs/cli.md describes every
// command, flag and exit status, and
// https://github.com/pfsim/pfsim/blob/main/docs/scenario-format.md the
// scenario format.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
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

// commands is the dispatch table, in the order the usage lists them. A
// command lives in its own file (check.go, send.go, ...); adding one is
// one line here.
var commands = []*command{
	checkCommand,
	traceCommand,
	sendCommand,
	connectCommand,
	replayCommand,
	importCommand,
	serveCommand,
	analyzeCommand,
}

// command is one subcommand: its name, its usage, its flags and what it
// does with the flags and arguments parsed.
type command struct {
	name    string
	args    string // the synopsis after the name: "[--json] FILE|DIR..."
	summary string // one line for the usage list
	help    string // the whole help text, printed by `pfsim help NAME`
	flags   []flagSpec
	run     func(e *env, fl flags, args []string) int
}

// env is what a command writes to and knows of its surroundings.
type env struct {
	stdout, stderr io.Writer
	tty            bool // standard output is a terminal
	getenv         func(string) string
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// usage is the text of `pfsim help`.
func usage() string {
	var b strings.Builder
	b.WriteString(`pfsim simulates AWS VPC packet filtering: network ACLs at the subnet edge
(stateless, numbered rules, first match, default deny), then security groups
on the interface (allow-only, stateful through connection tracking).

Usage:
`)
	for _, c := range commands {
		syn := "  pfsim " + c.name + " " + c.args
		if len(syn) > 38 {
			fmt.Fprintf(&b, "%s\n%40s%s\n", syn, "", c.summary)
			continue
		}
		fmt.Fprintf(&b, "%-40s%s\n", syn, c.summary)
	}
	fmt.Fprintf(&b, "%-40s%s\n", "  pfsim help [COMMAND]", "this text, or a command's")
	fmt.Fprintf(&b, "%-40s%s\n", "  pfsim --version", "the version and the commit it was built from")
	b.WriteString(`
A scenario file (YAML or JSON) declares security_groups, network_acls,
subnets and interfaces, then steps at simulated times:
  - at: 0s
    packet: tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]
    expect: {verdict: allow, conntrack: untracked}
  - at: 1s
    connect: tcp 198.51.100.7 > 10.0.1.10:22
    expect: refused

Exit status: 0 all is well, 1 an expectation failed (or the packet was
dropped, for send and connect), 2 invalid input or usage.

Start with the lessons:
  pfsim trace examples/scenarios/01-seed-web-server.yaml
`)
	return b.String()
}

// run is the whole command, for tests: it returns the exit status.
func run(args []string, stdout, stderr io.Writer, tty bool) int {
	e := &env{stdout: stdout, stderr: stderr, tty: tty, getenv: os.Getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitInvalid
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help", "-help", "help":
		return help(e, rest)
	case "--version", "-version", "version":
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "pfsim %s: takes no arguments\n", name)
			return exitInvalid
		}
		fmt.Fprint(stdout, versionText())
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		what := "command"
		if strings.HasPrefix(name, "-") {
			what = "flag"
		}
		fmt.Fprintf(stderr, "pfsim: unknown %s %q%s\nRun 'pfsim help' for the commands: %s.\n",
			what, name, didYouMean(strings.TrimLeft(name, "-"), commandNames(), ""), strings.Join(commandNames(), ", "))
		return exitInvalid
	}
	fl, operands, err := parseFlags(c.flags, rest)
	if err == errHelp {
		fmt.Fprint(stdout, c.help)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "pfsim %s: %v\nUsage: pfsim %s %s\nRun 'pfsim help %s' for more.\n", c.name, err, c.name, c.args, c.name)
		return exitInvalid
	}
	return c.run(e, fl, operands)
}

// help prints the usage, or a command's help; an unknown command is a
// usage error.
func help(e *env, args []string) int {
	switch len(args) {
	case 0:
		fmt.Fprint(e.stdout, usage())
		return exitOK
	case 1:
		if c := lookup(args[0]); c != nil {
			fmt.Fprint(e.stdout, c.help)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "pfsim help: unknown command %q%s; the commands are %s\n",
			args[0], didYouMean(args[0], commandNames(), ""), strings.Join(commandNames(), ", "))
		return exitInvalid
	}
	fmt.Fprintf(e.stderr, "pfsim help: one command at a time, not %d\n", len(args))
	return exitInvalid
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
