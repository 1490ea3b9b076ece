package main

import (
	"fmt"

	"github.com/pfsim/pfsim/flow"
)

var sendCommand = &command{
	name:    "send",
	args:    "[--at T] [--json] FILE 'PACKET'",
	summary: "send one packet through a scenario's VPC",
	flags:   []flagSpec{atFlag, {name: "json"}},
	help: `Usage: pfsim send [--at T] [--json] FILE 'PACKET'

Asks one question of the VPC that scenario FILE describes, without editing
the file: what happens to PACKET, written in the packet text of the
scenario format, such as

  pfsim send web.yaml 'tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]'

The steps of the file run first (their expectations are not checked), so
that the VPC has every change and every tracked connection they made, and
the packet is sent at the last step's time. With --at T only the steps at
or before T run, and the packet is sent at T: the VPC as it is at that
time. Prints the verdict and every filter the packet met, with the rule
that decided, in plain words.

Exit status: 0 when the packet is allowed, 1 when it is dropped, 2 when
the file is invalid, the packet text is wrong, or neither address is an
interface's.

  --at T   ask at time T since the start (a Go duration: 0s, 31s, 2h)
  --json   the file's warnings and errors and then the answer as JSON
           records on standard output (docs/json.md)
`,
}

func init() { sendCommand.run = runSend }

func runSend(e *env, fl flags, args []string) int {
	if !twoOperands(e, sendCommand, args) {
		return exitInvalid
	}
	path, text := args[0], args[1]
	p, err := flow.ParsePacket(text)
	if err != nil {
		return questionError(e, "send", text, err)
	}
	q, status, ok := prepare(e, fl, path)
	if !ok {
		return status
	}
	route, err := q.rep.VPC.Send(&p, q.now())
	if err != nil {
		return questionError(e, "send", text, err)
	}
	status = exitOK
	if !route.Allowed() {
		status = exitFailed
	}
	if fl.has("json") {
		writeRecord(e.stdout, answerRecord{Type: "answer", File: path, At: seconds(q.at), AtText: q.at.String(), StepsRun: q.steps,
			Kind: "packet", Input: p.String(), Result: route.Final.Verdict.String(), decisionFields: decision(&route),
			Explanation: route.Explain(), Hops: hops(&route)})
		return status
	}
	fmt.Fprintf(e.stdout, "%s\n%s: %s\n%s\n", q.header(path), p, route.Final.Verdict, indent(explainPath(&route), "    "))
	return status
}
