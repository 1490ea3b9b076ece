package main

import (
	"fmt"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// The text helpers that trace, send and connect share.

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	dim    = "\x1b[2m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func paint(on bool, color, s string) string {
	if !on {
		return s
	}
	return color + s + reset
}

// resultColor is the colour of a result word.
func resultColor(word string) string {
	switch word {
	case "allow", "connected":
		return green
	case "drop", "timeout", "error":
		return red
	case "refused":
		return yellow
	}
	return dim
}

// explainPath explains each filter a packet met, one per line, labelled
// by where it is: "subnet-public nacl ingress: allowed by ...".
func explainPath(p *vpc.Path) string {
	if p.Exempt != "" || len(p.Hops) == 0 {
		return p.Why()
	}
	var b strings.Builder
	for i := range p.Hops {
		h := &p.Hops[i]
		if i > 0 {
			b.WriteString("\n")
		}
		label := h.Interface() + " sg " + h.Decision.Direction.String()
		if h.Decision.Stage == flow.StageNACL {
			label = h.Subnet() + " nacl " + h.Decision.Direction.String()
		}
		fmt.Fprintf(&b, "%s: %s", label, h.Explain(&p.Packet))
	}
	return b.String()
}

// explainAttempt explains a connect: its outcome in words, then each
// packet of the exchange with its verdict and the filters it met.
func explainAttempt(a *vpc.Attempt) string {
	var b strings.Builder
	switch a.Outcome {
	case vpc.Connected:
		b.WriteString("connected: every packet of the exchange got through")
	case vpc.Refused:
		b.WriteString("refused: the filters let the SYN through and the host answered with a RST, because nothing listens on the port")
	case vpc.Timeout:
		b.WriteString("timeout: a filter dropped a packet silently, so the client hears nothing and gives up")
	}
	for i := range a.Exchanges {
		x := &a.Exchanges[i]
		fmt.Fprintf(&b, "\n%s: %s\n%s", x.Packet, x.Path.Final.Verdict, indent(explainPath(&x.Path), "    "))
	}
	return b.String()
}

// explainResult explains a step: each stage a packet met, one per line,
// or a connect's packets and their stages, or a change.
func explainResult(r *scenario.Result) string {
	switch {
	case r.Err != nil:
		return "error: " + r.Err.Error()
	case r.Path != nil:
		return explainPath(r.Path)
	case r.Attempt != nil:
		return explainAttempt(r.Attempt)
	}
	return r.Explain()
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
