package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
)

// flagsLegend explains the TCP flags of the packet text, under a trace's
// table when a step has a TCP packet.
const flagsLegend = "TCP flags as tcpdump writes them: S SYN, . ACK, P PSH (data), F FIN, R RST; [S.] is a SYN-ACK, [P.] data, [R.] an RST-ACK."

// writeTrace prints a file's run: a table of its steps under column
// headers, then every step with the stages its packets met.
func writeTrace(w io.Writer, rep *scenario.Report, color, tables bool) {
	f := rep.File
	fmt.Fprintf(w, "%s\n", paint(color, bold, f.Path+": "+f.Name))
	if d := strings.TrimSpace(f.Description); d != "" {
		fmt.Fprintf(w, "%s\n", indent(d, "  "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tAT\tKIND\tWHAT\tRESULT\tCONNTRACK\tEXPECTATION")
	tcp := false
	for i := range rep.Results {
		r := &rep.Results[i]
		word := r.Word()
		mark := ""
		switch {
		case !r.OK():
			mark = paint(color, red, "✗ "+failureText(r))
		case r.Step.Expect != nil:
			mark = paint(color, green, "✓ as expected")
		}
		ct := ""
		if r.Path != nil && r.Path.Final.Verdict == flow.Allow {
			ct = r.Path.Final.Conntrack.String()
		}
		tcp = tcp || (r.Step.Kind == scenario.StepPacket && r.Step.Packet.Proto == flow.TCP) ||
			(r.Step.Kind == scenario.StepConnect && r.Step.Connect.Proto == flow.TCP)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, r.Step.At, r.Step.Kind, r.Step.Input(), paint(color, resultColor(word), word), ct, mark)
	}
	tw.Flush()
	if tcp {
		fmt.Fprintln(w, flagsLegend)
	}
	fmt.Fprintln(w)
	for i := range rep.Results {
		r := &rep.Results[i]
		head := scenario.StepName(r.Index) + " at " + r.Step.At.String()
		fmt.Fprintf(w, "%s: %s %s\n", paint(color, bold, head), r.Step.Kind, r.Step.Input())
		fmt.Fprintf(w, "%s\n", indent(explainResult(r), "    "))
		if tables {
			fmt.Fprintf(w, "%s\n", indent(tablesText(r), "    "))
		}
	}
}

// tablesText lists the connection tables after a step, interface by
// interface, or says that none tracks anything.
func tablesText(r *scenario.Result) string {
	if len(r.Tables) == 0 {
		return "tables: no tracked connections"
	}
	ids := make([]string, 0, len(r.Tables))
	for id := range r.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("tables:")
	for _, id := range ids {
		for _, c := range r.Tables[id] {
			fmt.Fprintf(&b, "\n  %s: %s %s, opened %s ago, expires in %s", id, c.Key, c.State,
				r.Now.Sub(c.Created), c.Expires.Sub(r.Now))
		}
	}
	return b.String()
}

func failureText(r *scenario.Result) string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return strings.Join(r.Failures, "; ")
}
