package sg_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// t0 is the simulated time every trace starts at; steps give offsets.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Groups of the spec's traces (§5). sgWeb (tcp 80 and 443 in from
// anywhere, all out) is in helpers_test.go.

// sgClient is TRACE-C's sg-client: no inbound rules, all out.
func sgClient() sg.Group {
	return sg.Group{ID: "sg-client", Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
}

// sgAdmin is TRACE-D's sg-admin: tcp 8443 in from 198.51.100.0/24, no
// outbound rules.
func sgAdmin() sg.Group {
	return sg.Group{ID: "sg-admin", Ingress: []sg.Rule{ruleCIDR(pTCP, 8443, 8443, "198.51.100.0/24")}}
}

// sgPing is TRACE-F's sg-ping: every ICMP message in, only tcp 443 out.
func sgPing() sg.Group {
	return sg.Group{
		ID:      "sg-ping",
		Ingress: []sg.Rule{ruleCIDR(pICMP, -1, -1, "0.0.0.0/0")},
		Egress:  []sg.Rule{ruleCIDR(pTCP, 443, 443, "0.0.0.0/0")},
	}
}

// sgSSH is TRACE-G's sg-ssh (tcp 22 in from one client, all out); with
// ingress false its inbound rule is removed (G4).
func sgSSH(ingress bool) sg.Group {
	g := sg.Group{ID: "sg-ssh", Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	if ingress {
		g.Ingress = []sg.Rule{ruleCIDR(pTCP, 22, 22, "203.0.113.1/32")}
	}
	return g
}

// sgOpen is TRACE-G's sg-open (tcp 22 in from anywhere, all out); with
// ingress false its inbound rule is removed (G10).
func sgOpen(ingress bool) sg.Group {
	g := sg.Group{ID: "sg-open", Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	if ingress {
		g.Ingress = []sg.Rule{ruleCIDR(pTCP, 22, 22, "0.0.0.0/0")}
	}
	return g
}

// sgSeed is the seed scenario's sg-web (01-seed-web-server.yaml): tcp 80
// and 22 in from anywhere, all out.
func sgSeed() sg.Group {
	return sg.Group{
		ID:      "sg-web",
		Ingress: []sg.Rule{ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), ruleCIDR(pTCP, 22, 22, "0.0.0.0/0")},
		Egress:  []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")},
	}
}

// sgAll allows every protocol both ways from and to anywhere.
func sgAll() sg.Group {
	return sg.Group{
		ID:      "sg-all",
		Ingress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")},
		Egress:  []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")},
	}
}

// sgWebSSH is sg-web with SSH from one client added: HTTP is untracked,
// SSH tracked (as in AWS's example, CT-4).
func sgWebSSH() sg.Group {
	g := sgWeb()
	g.ID = "sg-webssh"
	g.Ingress = append(g.Ingress, ruleCIDR(pTCP, 22, 22, "203.0.113.1/32"))
	return g
}

// in and out (flow.Ingress, flow.Egress) are declared in untracked_test.go.

// newStage compiles groups into a Stage with a fresh table of cfg.
func newStage(t testing.TB, cfg conntrack.Config, groups ...sg.Group) *sg.Stage {
	t.Helper()
	set, err := sg.Compile(groups, nil)
	require.NoError(t, err)
	tab, err := conntrack.New(cfg)
	require.NoError(t, err)
	return sg.NewStage(set, tab)
}

// stageStep is one row of a trace: a packet crossing the SG stage at t0+at
// in direction dir, and what the stage must decide; or, when change is not
// nil, a rule change put in force with [sg.Stage.Replace] (pkt is empty).
type stageStep struct {
	id     string        // the spec's row: "A1", "G4", ...; extra rows say what they add
	at     time.Duration // offset from t0
	change []sg.Group    // the interface's groups from now on
	pkt    string        // packet text, flow.ParsePacket
	dir    flow.Direction
	want   flow.Verdict
	ct     flow.CTState
	reason flow.Reason
	note   flow.Note
	state  string // Decision.ConnState; "" when nothing is tracked
	rule   string // Decision.RuleText when a rule decided; checked if not ""
	group  string // Decision.Group; checked if not ""
	conns  int    // table Len after the step
	exceed uint64 // table Exceeded after the step (CT-19)
}

// evalStage runs p through st and returns the decision.
func evalStage(st *sg.Stage, p *flow.Packet, dir flow.Direction, now time.Time) flow.Decision {
	var d flow.Decision
	st.Evaluate(p, dir, now, &d)
	return d
}

// runStage feeds the steps to st in order and checks every decision.
func runStage(t *testing.T, st *sg.Stage, steps []stageStep) {
	t.Helper()
	for _, s := range steps {
		if s.pkt == "" {
			require.NotNil(t, s.change, "%s: a step needs a packet or a change", s.id)
			set, err := sg.Compile(s.change, nil)
			require.NoError(t, err, s.id)
			st.Replace(set)
			require.Same(t, set, st.Set(), "%s: Replace puts the set in force", s.id)
			assert.Equal(t, s.conns, st.Table().Len(), "%s: a rule change keeps the table (CT-13, CT-23)", s.id)
			continue
		}
		p, err := flow.ParsePacket(s.pkt)
		require.NoError(t, err, s.id)
		var d flow.Decision
		set := st.Evaluate(&p, s.dir, t0.Add(s.at), &d)
		require.Same(t, st.Set(), set, "%s: the set in force decided", s.id)
		var x flow.Detail
		set.Describe(&d, &x)
		msg := fmt.Sprintf("%s: %s %s", s.id, s.dir, s.pkt)
		assert.Equal(t, flow.StageSG, d.Stage, msg)
		assert.Equal(t, s.dir, d.Direction, msg)
		assert.Equal(t, s.want.String(), d.Verdict.String(), "%s: verdict", msg)
		assert.Equal(t, s.ct.String(), d.Conntrack.String(), "%s: conntrack", msg)
		assert.Equal(t, s.reason.String(), d.Reason.String(), "%s: reason", msg)
		assert.Equal(t, s.note, d.Note, "%s: note", msg)
		state := ""
		if d.ConnState != flow.StateNone {
			state = d.ConnState.String()
		}
		assert.Equal(t, s.state, state, "%s: connection state", msg)
		if s.rule != "" {
			assert.Equal(t, s.rule, x.RuleText, "%s: rule", msg)
		}
		if s.group != "" {
			assert.Equal(t, s.group, x.Group, "%s: group", msg)
		}
		switch d.Reason {
		case flow.ReasonRule: // SG-17: the admitting rule is named
			assert.NotEmpty(t, x.RuleText, msg)
			assert.Positive(t, x.GroupRule, msg)
		case flow.ReasonNoRule, flow.ReasonTableFull: // SG-17: the drop lists the groups
			assert.Equal(t, st.Set().Groups(), x.Group, msg)
			assert.Zero(t, x.GroupRule, msg)
			assert.Empty(t, x.RuleText, msg)
		}
		if d.Conntrack == flow.CTNew {
			assert.Zero(t, d.Age, "%s: a new connection has no age", msg)
		}
		assert.Equal(t, s.conns, st.Table().Len(), "%s: table entries", msg)
		assert.Equal(t, s.exceed, st.Table().Exceeded(), "%s: exceeded", msg)
	}
}

// TestStageTraces runs the spec's traces (§5) and the rules of §4 through
// sg.Stage alone: rules, U0..U4, the connection table and rule changes.
func TestStageTraces(t *testing.T) {
	const (
		allow = flow.Allow
		drop  = flow.Drop

		ctNew = flow.CTNew
		ctEst = flow.CTEstablished
		ctUnt = flow.CTUntracked

		byRule    = flow.ReasonRule
		byEntry   = flow.ReasonTracked
		noRule    = flow.ReasonNoRule
		tableFull = flow.ReasonTableFull

		openBoth  = flow.NoteOpenBothWays
		answers   = flow.NoteAnswersUntracked
		cannot    = flow.NoteCannotStart
		expiredNt = flow.NoteExpired

		s = time.Second
	)
	tests := []struct {
		name   string
		cfg    conntrack.Config
		groups []sg.Group
		steps  []stageStep
	}{
		// TRACE-A: sg-web admits HTTP from anywhere and everything out, so
		// HTTP is not tracked (CT-3, CT-4). The client's packets are open
		// both ways (U1..U3); the server's answer an untracked flow (U0)
		// and pass by the egress rule of their own (SG-31). Nothing enters
		// the table (CT-5).
		{name: "TRACE-A", groups: []sg.Group{sgWeb()}, steps: []stageStep{
			{id: "A1", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth, rule: "sg-web ingress tcp 80 from 0.0.0.0/0", group: "sg-web"},
			{id: "A2", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: answers, rule: "sg-web egress -1 to 0.0.0.0/0"},
			{id: "A3", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [.]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth},
			{id: "A4", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [P.]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth},
			{id: "A5", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [P.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: answers},
			// HTTPS is just as open: the reported rule is the one for 443.
			{id: "A1 on 443", pkt: "tcp 198.51.100.7:50001 > 10.0.1.10:443 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth, rule: "sg-web ingress tcp 443 from 0.0.0.0/0"},
		}},

		// TRACE-C part 1: the instance as a client. The SYN is tracked (no
		// inbound all-ports rule, U3 fails); the SYN-ACK comes in on the
		// entry although sg-client has no inbound rule (SG-29, CT-8). A
		// SYN-ACK for a port with no connection meets the rules: dropped.
		// CT-11: an ICMP error about the connection is not "related"; with
		// no ICMP rule it is dropped.
		{name: "TRACE-C", groups: []sg.Group{sgClient()}, steps: []stageStep{
			{id: "C1", pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", rule: "sg-client egress -1 to 0.0.0.0/0", conns: 1},
			{id: "C2", pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40000 [S.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "SYN_RECV", conns: 1},
			{id: "C3", pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [.]", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "C4", at: 1 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40001 [S.]", dir: in,
				want: drop, reason: noRule, group: "sg-client", conns: 1},
			{id: "CT-11 error about C1's flow", at: 2 * s, pkt: "icmp 203.0.113.80 > 10.0.1.10 type 3 code 4", dir: in,
				want: drop, reason: noRule, conns: 1},
			// The server's data on the established connection still comes in.
			{id: "C3 data in", at: 3 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40000 [P.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
		}},

		// TRACE-D: D1..D3 meet no rule of either group: a silent drop whose
		// record lists both groups (SG-15, SG-17). D4 is admitted by
		// sg-admin, whose peer is not 0.0.0.0/0, so it is tracked; the
		// host's RST-ACK leaves on the entry (sg-admin has no outbound
		// rules) and deletes it at once (CT-17h). A second RST then finds
		// no entry; sg-web's open egress rule admits it, and an RST cannot
		// start a connection (CT-17k).
		{name: "TRACE-D", groups: []sg.Group{sgWeb(), sgAdmin()}, steps: []stageStep{
			{id: "D1", pkt: "tcp 198.51.100.7:50010 > 10.0.1.10:8080 [S]", dir: in,
				want: drop, reason: noRule, group: "sg-web, sg-admin"},
			{id: "D2", at: 1 * s, pkt: "tcp 198.51.100.7:50010 > 10.0.1.10:8080 [S]", dir: in,
				want: drop, reason: noRule, group: "sg-web, sg-admin"},
			{id: "D3", at: 3 * s, pkt: "tcp 198.51.100.7:50010 > 10.0.1.10:8080 [S]", dir: in,
				want: drop, reason: noRule, group: "sg-web, sg-admin"},
			{id: "D4", at: 5 * s, pkt: "tcp 198.51.100.7:50011 > 10.0.1.10:8443 [S]", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", rule: "sg-admin ingress tcp 8443 from 198.51.100.0/24", group: "sg-admin", conns: 1},
			{id: "D5", at: 5 * s, pkt: "tcp 10.0.1.10:8443 > 198.51.100.7:50011 [R.]", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "CLOSE", conns: 0},
			{id: "D5 again", at: 5 * s, pkt: "tcp 10.0.1.10:8443 > 198.51.100.7:50011 [R.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: cannot, conns: 0},
		}},

		// TRACE-F at the SG: ICMP is always tracked (CT-2). The echo reply
		// leaves on the request's entry although sg-ping has no ICMP
		// egress rule (CT-10, SG-29); without an entry it would be
		// dropped. A lone echo reply inbound, admitted by the ICMP rule,
		// cannot start a connection: untracked. An ICMP error is admitted
		// by the rule only, never as related to a connection (CT-11,
		// NOT-9), and an id-0 echo entry, whose key an error's key
		// reverses, does not let an error out.
		{name: "TRACE-F", groups: []sg.Group{sgPing()}, steps: []stageStep{
			{id: "F1", pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "ICMP", rule: "sg-ping ingress icmp all from 0.0.0.0/0", conns: 1},
			{id: "F2", pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "ICMP", conns: 1},
			{id: "F3", at: 1 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ICMP", conns: 1},
			{id: "F4", at: 1 * s, pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "ICMP", conns: 1},
			{id: "reply of another id out", at: 2 * s, pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 9", dir: out,
				want: drop, reason: noRule, group: "sg-ping", conns: 1},
			{id: "lone echo reply in", at: 2 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-reply id 9", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: cannot, conns: 1},
			{id: "tcp 443 out", at: 3 * s, pkt: "tcp 172.31.16.139:40000 > 203.0.113.12:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 2},
			{id: "CT-11 error in by the rule", at: 3 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 type 3 code 4", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: cannot, conns: 2},
			{id: "id-0 echo request", at: 4 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "ICMP", conns: 3},
			{id: "CT-11 error out on the id-0 key", at: 4 * s, pkt: "icmp 172.31.16.139 > 203.0.113.12 type 3 code 3", dir: out,
				want: drop, reason: noRule, conns: 3},
		}},

		// TRACE-G tracked: the SSH connection survives the removal of the
		// rule that admitted it (CT-13); a new connection meets the new
		// rules (G6); once idle for the 60 s timeout the entry is gone and
		// the rules, which no longer admit it, drop it (G7, CT-16a).
		{name: "TRACE-G tracked", cfg: conntrack.Config{TCPEstablishedTimeout: 60 * s}, groups: []sg.Group{sgSSH(true)}, steps: []stageStep{
			{id: "G1", pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 1},
			{id: "G2", pkt: "tcp 10.0.1.10:22 > 203.0.113.1:51000 [S.]", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "SYN_RECV", conns: 1},
			{id: "G3", pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "G4", at: 30 * s, change: []sg.Group{sgSSH(false)}, conns: 1},
			{id: "G5", at: 31 * s, pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "G6", at: 32 * s, pkt: "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]", dir: in,
				want: drop, reason: noRule, group: "sg-ssh", conns: 1},
			{id: "G7", at: 91 * s, pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]", dir: in,
				want: drop, reason: noRule, note: expiredNt, conns: 0},
		}},

		// TRACE-G untracked: HTTP-style open rules both ways leave SSH
		// untracked; removing the inbound rule cuts the flow at once
		// (CT-14): no entry keeps it alive.
		{name: "TRACE-G untracked", cfg: conntrack.Config{TCPEstablishedTimeout: 60 * s}, groups: []sg.Group{sgOpen(true)}, steps: []stageStep{
			{id: "G8", pkt: "tcp 203.0.113.1:52000 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth},
			{id: "G9", pkt: "tcp 10.0.1.10:22 > 203.0.113.1:52000 [S.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: answers},
			{id: "G9 ack", pkt: "tcp 203.0.113.1:52000 > 10.0.1.10:22 [.]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth},
			{id: "G10", at: 30 * s, change: []sg.Group{sgOpen(false)}},
			{id: "G11", at: 31 * s, pkt: "tcp 203.0.113.1:52000 > 10.0.1.10:22 [P.]", dir: in,
				want: drop, reason: noRule, group: "sg-open"},
		}},

		// CT-15: detaching a group is removing its rules. With sg-web and
		// sg-ssh attached, SSH from 203.0.113.1 is tracked and HTTP is not.
		// Detaching sg-web cuts HTTP at once; detaching sg-ssh leaves the
		// tracked SSH connection up but refuses a new one.
		{name: "CT-15 group removal", groups: []sg.Group{sgWeb(), sgSSH(true)}, steps: []stageStep{
			{id: "ssh syn", pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", group: "sg-ssh", conns: 1},
			{id: "ssh syn-ack", pkt: "tcp 10.0.1.10:22 > 203.0.113.1:51000 [S.]", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "SYN_RECV", conns: 1},
			{id: "ssh ack", pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "http syn", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth, group: "sg-web", conns: 1},
			{id: "http syn-ack", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: answers, group: "sg-web", conns: 1},
			{id: "detach sg-web", at: 10 * s, change: []sg.Group{sgSSH(true)}, conns: 1},
			{id: "http data cut", at: 11 * s, pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [P.]", dir: in,
				want: drop, reason: noRule, group: "sg-ssh", conns: 1},
			{id: "ssh data", at: 11 * s, pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "swap sg-ssh for sg-web", at: 20 * s, change: []sg.Group{sgWeb()}, conns: 1},
			{id: "ssh data survives", at: 21 * s, pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "ESTABLISHED", conns: 1},
			{id: "new ssh refused", at: 21 * s, pkt: "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]", dir: in,
				want: drop, reason: noRule, group: "sg-web", conns: 1},
		}},

		// Idle expiry (CT-16, CT-17a, §4.6): a SYN_SENT entry lives 120 s.
		// A packet 1 ns before the end finds it; a packet at exactly
		// last+timeout does not, and the rules judge it: sg-client has no
		// inbound rule, so the drop says the entry expired. A retransmitted
		// SYN the rules admit starts a new connection, noting the expiry.
		{name: "idle expiry", groups: []sg.Group{sgClient()}, steps: []stageStep{
			{id: "syn 40000", pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 1},
			{id: "syn 40001", pkt: "tcp 10.0.1.10:40001 > 203.0.113.80:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 2},
			{id: "syn 40002", pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 3},
			{id: "syn-ack 40001 at 120s-1ns", at: 120*s - 1, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40001 [S.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "SYN_RECV", conns: 3},
			{id: "syn-ack 40000 at 120s", at: 120 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40000 [S.]", dir: in,
				want: drop, reason: noRule, note: expiredNt, conns: 2},
			{id: "syn 40002 again at 120s", at: 120 * s, pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", dir: out,
				want: allow, ct: ctNew, reason: byRule, note: expiredNt, state: "SYN_SENT", conns: 2},
		}},

		// The seed scenario's DNS query: sg-web admits no UDP inbound, so
		// the query to 192.0.2.53 is tracked (U3 fails) and the answer
		// comes in on the entry (SG-29). A second transaction makes the
		// flow a stream (CT-17n). Unsolicited UDP is dropped.
		{name: "UDP DNS", groups: []sg.Group{sgSeed()}, steps: []stageStep{
			{id: "query", at: 5 * s, pkt: "udp 10.0.1.10:33000 > 192.0.2.53:53", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "UDP", conns: 1},
			{id: "answer", at: 5*s + 20*time.Millisecond, pkt: "udp 192.0.2.53:53 > 10.0.1.10:33000", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "UDP", conns: 1},
			{id: "second query", at: 6 * s, pkt: "udp 10.0.1.10:33000 > 192.0.2.53:53", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "UDP", conns: 1},
			{id: "second answer", at: 6*s + 20*time.Millisecond, pkt: "udp 192.0.2.53:53 > 10.0.1.10:33000", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "UDP_STREAM", conns: 1},
			{id: "unsolicited", at: 7 * s, pkt: "udp 192.0.2.53:53 > 10.0.1.10:33001", dir: in,
				want: drop, reason: noRule, group: "sg-web", conns: 1},
		}},

		// CT-12, CT-16d: GRE is tracked by address pair and protocol for
		// 600 s idle: the peer's GRE comes back in without an inbound rule
		// within 600 s of the last packet, and not after.
		{name: "CT-12 other protocol", groups: []sg.Group{sgClient()}, steps: []stageStep{
			{id: "gre out", pkt: "gre 10.0.1.10 > 203.0.113.9", dir: out,
				want: allow, ct: ctNew, reason: byRule, state: "GENERIC", conns: 1},
			{id: "gre in at 599s", at: 599 * s, pkt: "gre 203.0.113.9 > 10.0.1.10", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "GENERIC", conns: 1},
			{id: "gre in at 1198s", at: 1198 * s, pkt: "gre 203.0.113.9 > 10.0.1.10", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "GENERIC", conns: 1},
			{id: "gre in at 1798s", at: 1798 * s, pkt: "gre 203.0.113.9 > 10.0.1.10", dir: in,
				want: drop, reason: noRule, note: expiredNt, conns: 0},
		}},

		// CT-2: with every protocol open both ways, TCP and UDP are
		// untracked, but ICMP and other protocols are tracked anyway. With
		// rules this symmetric every TCP or UDP packet also answers the
		// untracked flow of its reverse, and U0 is asked first.
		{name: "CT-2 always tracked", groups: []sg.Group{sgAll()}, steps: []stageStep{
			{id: "tcp", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: answers},
			{id: "udp", pkt: "udp 198.51.100.7:50000 > 10.0.1.10:53", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: answers},
			{id: "gre", pkt: "gre 198.51.100.7 > 10.0.1.10", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "GENERIC", conns: 1},
			{id: "icmp echo", pkt: "icmp 198.51.100.7 > 10.0.1.10 echo-request id 3", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "ICMP", conns: 2},
		}},

		// CT-20, CT-5: with room for one connection the second new one is
		// dropped at the SG, although a rule admits it, and counted
		// (CT-19). The first connection and untracked flows pass as usual.
		// Once the first connection has closed and its 10 s CLOSE timeout
		// has run, the full table is swept and a new connection fits.
		{name: "CT-20 capacity", cfg: conntrack.Config{Capacity: 1}, groups: []sg.Group{sgWebSSH()}, steps: []stageStep{
			{id: "ssh 1", pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 1},
			{id: "ssh 2 full", pkt: "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]", dir: in,
				want: drop, reason: tableFull, group: "sg-webssh", conns: 1, exceed: 1},
			{id: "ssh 1 syn-ack", pkt: "tcp 10.0.1.10:22 > 203.0.113.1:51000 [S.]", dir: out,
				want: allow, ct: ctEst, reason: byEntry, state: "SYN_RECV", conns: 1, exceed: 1},
			{id: "http untracked", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in,
				want: allow, ct: ctUnt, reason: byRule, note: openBoth, conns: 1, exceed: 1},
			{id: "http untracked answer", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: answers, conns: 1, exceed: 1},
			{id: "dns full", pkt: "udp 10.0.1.10:33000 > 192.0.2.53:53", dir: out,
				want: drop, reason: tableFull, conns: 1, exceed: 2},
			{id: "lone syn-ack cannot start, so passes", pkt: "tcp 10.0.1.10:22 > 203.0.113.1:51009 [S.]", dir: out,
				want: allow, ct: ctUnt, reason: byRule, note: cannot, conns: 1, exceed: 2},
			{id: "ssh 1 reset", at: 1 * s, pkt: "tcp 203.0.113.1:51000 > 10.0.1.10:22 [R.]", dir: in,
				want: allow, ct: ctEst, reason: byEntry, state: "CLOSE", conns: 1, exceed: 2},
			{id: "ssh 2 still full at 10.9s", at: 10*s + 900*time.Millisecond, pkt: "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]", dir: in,
				want: drop, reason: tableFull, conns: 1, exceed: 3},
			{id: "ssh 2 fits at 11s", at: 11 * s, pkt: "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]", dir: in,
				want: allow, ct: ctNew, reason: byRule, state: "SYN_SENT", conns: 1, exceed: 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runStage(t, newStage(t, tt.cfg, tt.groups...), tt.steps)
		})
	}
}

// TestStageConcurrent: Evaluate and Replace may run at once (the stage's
// doc); run with -race. Tracked connections created before survive every
// replacement (CT-13).
func TestStageConcurrent(t *testing.T) {
	st := newStage(t, conntrack.Config{}, sgSSH(true))
	const flows = 32
	for i := range flows {
		p := tcp("203.0.113.1", uint16(51000+i), "10.0.1.10", 22, flow.SYN)
		require.Equal(t, flow.CTNew, evalStage(st, &p, in, t0).Conntrack)
	}
	sets := []*sg.Set{
		sg.MustCompile([]sg.Group{sgSSH(false)}, nil),
		sg.MustCompile([]sg.Group{sgSSH(true)}, nil),
		sg.MustCompile([]sg.Group{sgWeb()}, nil),
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*flows)
	for w := range 4 {
		wg.Go(func() {
			for k := range 200 {
				i := (w*7 + k) % flows
				p := tcp("10.0.1.10", 22, "203.0.113.1", uint16(51000+i), flow.ACK)
				dir := out
				if k%2 == 0 {
					p = p.Reverse()
					dir = in
				}
				d := evalStage(st, &p, dir, t0.Add(time.Duration(k)*time.Millisecond))
				if d.Verdict != flow.Allow || d.Conntrack != flow.CTEstablished {
					errs <- fmt.Sprintf("%s %v: %s %s", dir, p, d.Verdict, d.Conntrack)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for k := range 300 {
			st.Replace(sets[k%len(sets)])
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.Equal(t, flows, st.Table().Len())
}

// Property tests. A handful of addresses and ports make flows repeat, so
// that packets meet entries in both directions, entries expire, and rules
// often match.
var (
	propLocal4 = addr("10.0.1.10")
	propLocal6 = addr("2001:db8:1::10")
	propPeers4 = []netip.Addr{addr("198.51.100.7"), addr("203.0.113.1"), addr("10.0.3.30")}
	propPeers6 = []netip.Addr{addr("2001:db8::7"), addr("2001:db8:ff::1")}
	propPorts  = []uint16{22, 80, 443, 40000, 50000}
	propFlags  = []flow.TCPFlags{flow.SYN, flow.SYN | flow.ACK, flow.ACK, flow.PSH | flow.ACK, flow.FIN | flow.ACK, flow.RST | flow.ACK}
	propCIDRs  = []string{"0.0.0.0/0", "0.0.0.0/0", "::/0", "198.51.100.0/24", "203.0.113.1/32", "10.0.0.0/8", "2001:db8::/48"}
	propRanges = [][2]int{{0, 65535}, {0, 65535}, {22, 22}, {80, 80}, {443, 443}, {1024, 65535}, {40000, 50000}, {1, 65535}}
	propSteps  = []time.Duration{0, 0, 0, time.Second, time.Second, 5 * time.Second, 31 * time.Second, 61 * time.Second, 121 * time.Second}
	propGroups = []string{"sg-a", "sg-b", "sg-c"}
	// propRes knows a prefix list that contains 0.0.0.0/0 and a group
	// with one member: neither ever counts as open (U2).
	propRes = sg.StaticResolver{
		Groups:      map[string][]netip.Addr{"sg-peer": {addr("10.0.3.30"), addr("2001:db8::7")}},
		PrefixLists: map[string][]netip.Prefix{"pl-any": {pfx("0.0.0.0/0"), pfx("198.51.100.0/24")}},
	}
	// propConfig has the shortest timeouts, so that entries expire.
	propConfig = conntrack.Config{TCPEstablishedTimeout: time.Minute, UDPStreamTimeout: time.Minute}
)

func genStageRule(t *rapid.T) sg.Rule {
	r := sg.Rule{Protocol: rapid.SampledFrom([]flow.Protocol{pAll, pTCP, pTCP, pUDP, pICMP, pICMPv6, pGRE}).Draw(t, "protocol")}
	switch r.Protocol {
	case pTCP, pUDP:
		pr := rapid.SampledFrom(propRanges).Draw(t, "ports")
		r.FromPort, r.ToPort = pr[0], pr[1]
	case pICMP, pICMPv6:
		r.FromPort = rapid.SampledFrom([]int{-1, -1, 0, 3, 8, 128, 129}).Draw(t, "type")
		r.ToPort = -1
	}
	switch rapid.IntRange(0, 7).Draw(t, "peer-kind") {
	case 0:
		r.PrefixList = "pl-any"
	case 1:
		r.Group = "sg-peer"
	default:
		r.CIDR = pfx(rapid.SampledFrom(propCIDRs).Draw(t, "cidr"))
	}
	return r
}

func genStageGroups(t *rapid.T) []sg.Group {
	n := rapid.IntRange(1, len(propGroups)).Draw(t, "groups")
	groups := make([]sg.Group, n)
	for i := range groups {
		groups[i] = sg.Group{
			ID:      propGroups[i],
			Ingress: rapid.SliceOfN(rapid.Custom(genStageRule), 0, 5).Draw(t, "ingress"),
			Egress:  rapid.SliceOfN(rapid.Custom(genStageRule), 0, 5).Draw(t, "egress"),
		}
	}
	return groups
}

// permuteGroups shuffles the groups and the rules inside each.
func permuteGroups(t *rapid.T, groups []sg.Group) []sg.Group {
	perm := rapid.Permutation(groups).Draw(t, "group-order")
	for i := range perm {
		g := perm[i]
		g.Ingress = rapid.Permutation(g.Ingress).Draw(t, fmt.Sprintf("ingress-order-%d", i))
		g.Egress = rapid.Permutation(g.Egress).Draw(t, fmt.Sprintf("egress-order-%d", i))
		perm[i] = g
	}
	return perm
}

// genStagePacket draws a packet between the interface and a peer, in
// either direction: tcp with one of the usual flag sets, udp, an ICMP
// echo request or reply (or an error), or GRE. Half of the time it goes
// back to an earlier packet of hist instead, the same way or reversed
// (an answer), with fresh TCP flags, so that flows go on and are answered.
func genStagePacket(t *rapid.T, hist *[]stagePacket) (flow.Packet, flow.Direction) {
	if len(*hist) > 0 && rapid.Bool().Draw(t, "again") {
		h := rapid.SampledFrom(*hist).Draw(t, "earlier")
		p, dir := h.p, h.dir
		if rapid.Bool().Draw(t, "answer") {
			p, dir = p.Reverse(), dir.Reverse()
		}
		if p.Proto == flow.TCP {
			p.Flags = rapid.SampledFrom(propFlags).Draw(t, "flags")
		}
		return p, dir
	}
	local, peers := propLocal4, propPeers4
	if rapid.IntRange(0, 3).Draw(t, "v6") == 0 {
		local, peers = propLocal6, propPeers6
	}
	remote := rapid.SampledFrom(peers).Draw(t, "peer")
	dir := rapid.SampledFrom([]flow.Direction{in, out}).Draw(t, "dir")
	p := flow.Packet{Src: remote, Dst: local}
	if dir == out {
		p.Src, p.Dst = local, remote
	}
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 0, 1, 2, 3, 4:
		p.Proto = flow.TCP
		p.Flags = rapid.SampledFrom(propFlags).Draw(t, "flags")
	case 5, 6:
		p.Proto = flow.UDP
	case 7, 8:
		p.Proto = flow.ICMP
		if local.Is6() {
			p.Proto = flow.ICMPv6
		}
		p.ICMPID = uint16(rapid.IntRange(1, 2).Draw(t, "icmp-id"))
		types := []uint8{flow.ICMPEchoRequest, flow.ICMPEchoRequest, flow.ICMPEchoReply, flow.ICMPDestUnreachable}
		if local.Is6() {
			types = []uint8{flow.ICMPv6EchoRequest, flow.ICMPv6EchoRequest, flow.ICMPv6EchoReply, flow.ICMPv6PacketTooBig}
		}
		p.ICMPType = rapid.SampledFrom(types).Draw(t, "icmp-type")
	default:
		p.Proto = 47 // GRE
	}
	if p.Proto.HasPorts() {
		p.SrcPort = rapid.SampledFrom(propPorts).Draw(t, "sport")
		p.DstPort = rapid.SampledFrom(propPorts).Draw(t, "dport")
	}
	*hist = append(*hist, stagePacket{p, dir})
	return p, dir
}

// stagePacket is a packet drawn earlier and its direction.
type stagePacket struct {
	p   flow.Packet
	dir flow.Direction
}

// TestPropertyStageOrderDoesNotMatter is SG-13 for the whole stage: two
// stages over the same groups, the groups and their rules permuted, each
// with its own table, decide every packet of a random sequence alike —
// verdict, tracking outcome, reason, note and state. Only which rule is
// reported may differ (SG-17).
func TestPropertyStageOrderDoesNotMatter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		groups := genStageGroups(t)
		perm := permuteGroups(t, groups)
		a := sg.NewStage(sg.MustCompile(groups, propRes), conntrack.MustNew(propConfig))
		b := sg.NewStage(sg.MustCompile(perm, propRes), conntrack.MustNew(propConfig))
		now := t0
		var hist []stagePacket
		n := rapid.IntRange(1, 60).Draw(t, "packets")
		for i := range n {
			now = now.Add(rapid.SampledFrom(propSteps).Draw(t, "step"))
			p, dir := genStagePacket(t, &hist)
			da := evalStage(a, &p, dir, now)
			db := evalStage(b, &p, dir, now)
			msg := fmt.Sprintf("packet %d at %s: %s %v", i, now.Sub(t0), dir, p)
			require.Equal(t, da.Verdict, db.Verdict, "verdict of %s", msg)
			require.Equal(t, da.Conntrack, db.Conntrack, "conntrack of %s", msg)
			require.Equal(t, da.Reason, db.Reason, "reason of %s", msg)
			// Whether a table still held the flow's expired entry (and
			// says so, NoteExpired) depends on what its own sweeping,
			// which follows its hash seed, has let go of already.
			if da.Note != db.Note {
				notes := []flow.Note{da.Note, db.Note}
				require.ElementsMatch(t, []flow.Note{flow.NoteExpired, flow.NoteNone}, notes, "note of %s", msg)
			}
			require.Equal(t, da.ConnState, db.ConnState, "state of %s", msg)
			// Live entries, not Len, for the same reason.
			require.Equal(t, len(a.Table().Conns(now)), len(b.Table().Conns(now)), "live entries after %s", msg)
		}
	})
}

// TestPropertyReplySymmetry is SG-29 and CT-8: whenever a packet is
// admitted and tracked (new) in one direction, its reply — p.Reverse(),
// a SYN answered by a SYN-ACK — is admitted in the other direction as
// established, whatever the rules of that direction say: either the
// stage's own random rules, or, through a second stage on the same table,
// no rules at all.
func TestPropertyReplySymmetry(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tab := conntrack.MustNew(propConfig)
		st := sg.NewStage(sg.MustCompile(genStageGroups(t), propRes), tab)
		bare := sg.NewStage(sg.MustCompile([]sg.Group{{ID: "sg-bare"}}, nil), tab)
		now := t0
		var hist []stagePacket
		n := rapid.IntRange(1, 40).Draw(t, "packets")
		for i := range n {
			now = now.Add(rapid.SampledFrom(propSteps).Draw(t, "step"))
			p, dir := genStagePacket(t, &hist)
			d := evalStage(st, &p, dir, now)
			if d.Conntrack != flow.CTNew {
				continue
			}
			require.Equal(t, flow.Allow, d.Verdict, "a new connection is admitted")
			r := p.Reverse()
			if r.Proto == flow.TCP && r.Flags == flow.SYN {
				r.Flags = flow.SYN | flow.ACK
			}
			replier := st
			if rapid.Bool().Draw(t, "bare") {
				replier = bare
			}
			rd := evalStage(replier, &r, dir.Reverse(), now)
			msg := fmt.Sprintf("packet %d: %s %v, reply %s %v", i, dir, p, dir.Reverse(), r)
			require.Equal(t, flow.Allow, rd.Verdict, "verdict of %s", msg)
			require.Equal(t, flow.CTEstablished, rd.Conntrack, "conntrack of %s", msg)
			require.Equal(t, flow.ReasonTracked, rd.Reason, "reason of %s", msg)
		}
	})
}

// A stage given a time its table refuses (which vpc never passes) tracks
// nothing and drops a packet that would start a connection.
func TestStageBadTime(t *testing.T) {
	g := sg.Group{ID: "sg-web", Ingress: []sg.Rule{{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 80, ToPort: 80, CIDR: netip.MustParsePrefix("192.0.2.0/24")}}}
	set, err := sg.Compile([]sg.Group{g}, nil)
	require.NoError(t, err)
	tab := conntrack.MustNew(conntrack.Config{})
	st := sg.NewStage(set, tab)
	p := flow.MustParsePacket("tcp 192.0.2.7:50000 > 10.0.1.10:80 [S]")
	var d flow.Decision
	st.Evaluate(&p, flow.Ingress, time.Time{}, &d)
	assert.Equal(t, flow.Drop, d.Verdict)
	assert.Equal(t, flow.ReasonNone, d.Reason)
	assert.Zero(t, tab.Len())
}
