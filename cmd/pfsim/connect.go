package main

import (
	"fmt"

	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

var connectCommand = &command{
	name:    "connect",
	args:    "[--at T] [--json] FILE 'PROTO SRC > DST:PORT'",
	summary: "attempt one connection in a scenario's VPC",
	flags:   []flagSpec{atFlag, {name: "json"}},
	help: `Usage: pfsim connect [--at T] [--json] FILE 'PROTO SRC > DST:PORT'

Asks one question of the VPC that scenario FILE describes, without editing
the file: does a connection get through? The connection is written as a
connect step's text:

  pfsim connect web.yaml 'tcp 198.51.100.7 > 10.0.1.10:22'
  pfsim connect web.yaml 'tcp 198.51.100.7:50000 > 10.0.1.10:22'   (the client's port)
  pfsim connect web.yaml 'icmp 198.51.100.7 > 10.0.1.10'           (a ping)

pfsim plays both ends with real packets (SYN, SYN-ACK or RST-ACK, ACK; or
echo request and reply) through the filters. The steps of the file run
first, as for send; --at T asks at time T with the steps up to T. Prints
the outcome (connected, refused: the host answered with a RST; timeout: a
filter dropped a packet) and each packet with every filter it met.

Exit status: 0 when connected, 1 when refused or timed out, 2 when the
file is invalid, the text is wrong, or neither address is an interface's.

  --at T   ask at time T since the start (a Go duration: 0s, 31s, 2h)
  --json   the file's warnings and errors and then the answer as JSON
           records on standard output (docs/json.md)
`,
}

func init() { connectCommand.run = runConnect }

func runConnect(e *env, fl flags, args []string) int {
	if !twoOperands(e, connectCommand, args) {
		return exitInvalid
	}
	path, text := args[0], args[1]
	c, err := scenario.ParseConnect(text)
	if err != nil {
		return questionError(e, "connect", text, err)
	}
	q, status, ok := prepare(e, fl, path)
	if !ok {
		return status
	}
	a, err := q.rep.VPC.Connect(c.Dial, q.now())
	if err != nil {
		return questionError(e, "connect", text, err)
	}
	status = exitOK
	if a.Outcome != vpc.Connected {
		status = exitFailed
	}
	if fl.has("json") {
		rec := answerRecord{Type: "answer", File: path, At: seconds(q.at), AtText: q.at.String(), StepsRun: q.steps,
			Kind: "connect", Input: c.String(), Result: a.Outcome.String(), Explanation: explainAttempt(&a), Packets: packets(&a)}
		if n := len(a.Exchanges); n > 0 {
			p := &a.Exchanges[n-1].Path
			if a.Cause != nil {
				p = a.Cause
			}
			rec.decisionFields = decision(p)
		}
		writeRecord(e.stdout, rec)
		return status
	}
	fmt.Fprintf(e.stdout, "%s\n%s: %s\n%s\n", q.header(path), c, a.Outcome, indent(explainAttempt(&a), "    "))
	return status
}
