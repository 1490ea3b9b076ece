package sg_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// The spec's custom network ACLs (§5), by direction, in nacl.Rule syntax.

// aclWeb is TRACE-B's acl-web: tcp 80 only, both ways. With fixed, the
// outbound rule 110 for ephemeral ports is added (NACL-21).
func aclWeb(t testing.TB, fixed bool) nacl.ACL {
	a := nacl.ACL{ID: "acl-web",
		Ingress: pipeRules(t, "100 allow tcp 80 0.0.0.0/0"),
		Egress:  pipeRules(t, "100 allow tcp 80 0.0.0.0/0")}
	if fixed {
		a.Egress = append(a.Egress, pipeRules(t, "110 allow tcp 1024-65535 0.0.0.0/0")...)
	}
	return a
}

// aclStrict is TRACE-C's acl-strict: ssh in from 192.0.2.0/24, https out.
// With fixed, inbound rule 120 for ephemeral ports is added.
func aclStrict(t testing.TB, fixed bool) nacl.ACL {
	a := nacl.ACL{ID: "acl-strict",
		Ingress: pipeRules(t, "100 allow tcp 22 192.0.2.0/24"),
		Egress:  pipeRules(t, "100 allow tcp 443 0.0.0.0/0")}
	if fixed {
		a.Ingress = append(a.Ingress, pipeRules(t, "120 allow tcp 1024-65535 0.0.0.0/0")...)
	}
	return a
}

// aclPing is TRACE-F's ACL: ICMP in, tcp to ephemeral ports out.
func aclPing(t testing.TB) nacl.ACL {
	return nacl.ACL{ID: "acl-ping",
		Ingress: pipeRules(t, "100 allow icmp type -1 code -1 0.0.0.0/0"),
		Egress:  pipeRules(t, "100 allow tcp 1024-65535 0.0.0.0/0")}
}

// newPipeline builds [acl, SG stage] for an interface and returns the
// pipeline and its connection table.
func newPipeline(t testing.TB, acl nacl.ACL, groups ...sg.Group) (*flow.Pipeline, *conntrack.Table) {
	t.Helper()
	c, err := nacl.Compile(acl)
	require.NoError(t, err)
	st := newStage(t, conntrack.Config{}, groups...)
	return flow.NewPipeline(c, st), st.Table()
}

// recorder is a stage that notes its kind in a shared log, then lets the
// real stage decide: it shows the order in which a pipeline calls stages.
type recorder struct {
	flow.Stage
	kind flow.StageKind
	log  *[]flow.StageKind
}

func (r recorder) Evaluate(p *flow.Packet, dir flow.Direction, now time.Time) flow.Decision {
	*r.log = append(*r.log, r.kind)
	return r.Stage.Evaluate(p, dir, now)
}

// TestPipelineOrder is MODEL-5, MODEL-6 and MODEL-8 with a real ACL and SG
// stage: ingress meets the ACL, then the SG; egress the SG, then the ACL;
// the first drop ends the path. The pipeline's decision is the deciding
// stage's, and it carries the SG's tracking outcome (CT-21).
func TestPipelineOrder(t *testing.T) {
	nac, sgs := flow.StageNACL, flow.StageSG
	tests := []struct {
		name   string
		acl    nacl.ACL
		groups []sg.Group
		pkt    string
		dir    flow.Direction
		order  []flow.StageKind // stages called, in order
		want   flow.Verdict
		stage  flow.StageKind // the deciding stage
		reason flow.Reason
		ct     flow.CTState
		state  string
		conns  int
	}{
		// MODEL-5: ingress crosses the subnet's ACL first; the SG, last,
		// decides the allow (TRACE-A A1: untracked).
		{name: "MODEL-5 ingress allow", acl: nacl.Default("acl-default"), groups: []sg.Group{sgWeb()},
			pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in,
			order: []flow.StageKind{nac, sgs}, want: flow.Allow, stage: sgs, reason: flow.ReasonRule, ct: flow.CTUntracked},
		// MODEL-6: egress crosses the SG first; the ACL, last, decides the
		// allow and the SG's new entry is carried over (TRACE-C C1).
		{name: "MODEL-6 egress allow", acl: nacl.Default("acl-default"), groups: []sg.Group{sgClient()},
			pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: out,
			order: []flow.StageKind{sgs, nac}, want: flow.Allow, stage: nac, reason: flow.ReasonRule, ct: flow.CTNew, state: "SYN_SENT", conns: 1},
		// MODEL-8, CT-21: an ingress packet the ACL drops never reaches the
		// SG, so GRE, which sg-all would track (CT-2), makes no entry.
		{name: "MODEL-8 ingress ACL drop", acl: aclStrict(t, false), groups: []sg.Group{sgAll()},
			pkt: "gre 198.51.100.7 > 10.0.1.10", dir: in,
			order: []flow.StageKind{nac}, want: flow.Drop, stage: nac, reason: flow.ReasonDefaultDeny},
		// MODEL-8: an egress packet the SG drops never reaches the ACL
		// (sg-admin has no outbound rule).
		{name: "MODEL-8 egress SG drop", acl: nacl.Default("acl-default"), groups: []sg.Group{sgAdmin()},
			pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: out,
			order: []flow.StageKind{sgs}, want: flow.Drop, stage: sgs, reason: flow.ReasonNoRule},
		// MODEL-5: ingress dropped by the SG after the ACL let it in
		// (TRACE-D D1).
		{name: "MODEL-5 ingress SG drop", acl: nacl.Default("acl-default"), groups: []sg.Group{sgWeb(), sgAdmin()},
			pkt: "tcp 198.51.100.7:50010 > 10.0.1.10:8080 [S]", dir: in,
			order: []flow.StageKind{nac, sgs}, want: flow.Drop, stage: sgs, reason: flow.ReasonNoRule},
		// CT-21: the SG admits and tracks the egress SYN, then the ACL's
		// `*` rule drops it: the decision is the ACL's drop, with the
		// SG's new entry.
		{name: "CT-21 egress ACL drop after SG tracking", acl: aclStrict(t, false), groups: []sg.Group{sgClient()},
			pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:80 [S]", dir: out,
			order: []flow.StageKind{sgs, nac}, want: flow.Drop, stage: nac, reason: flow.ReasonDefaultDeny, ct: flow.CTNew, state: "SYN_SENT", conns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := nacl.Compile(tt.acl)
			require.NoError(t, err)
			st := newStage(t, conntrack.Config{}, tt.groups...)
			var log []flow.StageKind
			pl := flow.NewPipeline(recorder{c, nac, &log}, recorder{st, sgs, &log})
			require.Equal(t, 2, pl.Stages())
			p := flow.MustParsePacket(tt.pkt)
			d := pl.Evaluate(&p, tt.dir, t0)
			assert.Equal(t, tt.order, log, "stages called")
			assert.Equal(t, tt.want, d.Verdict)
			assert.Equal(t, tt.stage, d.Stage)
			assert.Equal(t, tt.dir, d.Direction)
			assert.Equal(t, tt.reason, d.Reason)
			assert.Equal(t, tt.ct, d.Conntrack)
			assert.Equal(t, tt.state, d.ConnState)
			assert.Equal(t, p, d.Packet, "the pipeline fills in the packet")
			assert.Equal(t, tt.conns, st.Table().Len())
		})
	}
}

// TestPipelineCT21 is CT-21 in detail (acl-strict, sg-client): the SG
// tracks an egress SYN that the ACL's outbound `*` rule then drops. The
// decision names the ACL rule and carries the SG's outcome; the table
// holds the connection, in SYN_SENT, under the SYN's key. A retransmission
// finds the entry (established) and is dropped by the ACL again; the
// entry dies 120 s after the last SYN (CT-17a).
func TestPipelineCT21(t *testing.T) {
	pl, tab := newPipeline(t, aclStrict(t, false), sgClient())
	p := flow.MustParsePacket("tcp 10.0.1.10:40002 > 203.0.113.80:80 [S]")

	d := pl.Evaluate(&p, out, t0)
	assert.Equal(t, flow.Drop, d.Verdict)
	assert.Equal(t, flow.StageNACL, d.Stage)
	assert.Equal(t, flow.ReasonDefaultDeny, d.Reason)
	assert.Equal(t, "acl-strict", d.ACL)
	assert.Equal(t, flow.DefaultRuleV4, d.RuleNumber)
	assert.Equal(t, "*", d.RuleLabel())
	assert.Equal(t, nacl.DefaultRuleTextV4, d.RuleText)
	assert.Equal(t, flow.CTNew, d.Conntrack, "the SG's outcome is carried over")
	assert.Equal(t, "SYN_SENT", d.ConnState)
	require.Equal(t, 1, tab.Len(), "the entry stays although the packet was dropped")
	conns := tab.Conns(t0)
	require.Len(t, conns, 1)
	assert.Equal(t, p.Key(), conns[0].Key)
	assert.Equal(t, conntrack.SynSent, conns[0].State)

	d = pl.Evaluate(&p, out, t0.Add(3*time.Second))
	assert.Equal(t, flow.Drop, d.Verdict)
	assert.Equal(t, flow.StageNACL, d.Stage)
	assert.Equal(t, flow.CTEstablished, d.Conntrack, "the retransmission belongs to the entry")

	assert.Len(t, tab.Conns(t0.Add(123*time.Second-1)), 1)
	assert.Equal(t, 1, tab.Sweep(t0.Add(123*time.Second), 0))
	assert.Zero(t, tab.Len())
}

// pipeStep is one packet through a whole pipeline and its decision.
type pipeStep struct {
	id    string
	at    time.Duration
	pkt   string
	dir   flow.Direction
	want  flow.Verdict
	stage flow.StageKind // the deciding stage
	rule  int            // the NACL rule number when the ACL decided
	ct    flow.CTState
	conns int
}

// TestPipelineTraces runs the traces whose lesson needs both filters
// (§5): TRACE-B (a NACL without a rule for replies), TRACE-C part 2 (the
// SG tracks, the NACL drops the reply) and TRACE-F (the SG admits the
// echo reply, the NACL rejects it).
func TestPipelineTraces(t *testing.T) {
	const (
		allow = flow.Allow
		drop  = flow.Drop
		nac   = flow.StageNACL
		sgs   = flow.StageSG
		star  = flow.DefaultRuleV4
		s     = time.Second
	)
	tests := []struct {
		name   string
		acl    nacl.ACL
		groups []sg.Group
		steps  []pipeStep
		// after runs last, with the table (expiry checks).
		after func(t *testing.T, tab *conntrack.Table)
	}{
		// TRACE-B: acl-web lets HTTP in but has no outbound rule for the
		// replies' ephemeral ports: the SYN-ACK, which the SG admits
		// untracked, is dropped by the outbound `*` rule (NACL-19..21).
		{name: "TRACE-B", acl: aclWeb(t, false), groups: []sg.Group{sgWeb()}, steps: []pipeStep{
			{id: "B1", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in, want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B2", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out, want: drop, stage: nac, rule: star, ct: flow.CTUntracked},
			{id: "B3", at: 1 * s, pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in, want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B4", at: 1 * s, pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out, want: drop, stage: nac, rule: star, ct: flow.CTUntracked},
		}},
		// TRACE-B fixed: outbound rule 110 admits the reply.
		{name: "TRACE-B fixed", acl: aclWeb(t, true), groups: []sg.Group{sgWeb()}, steps: []pipeStep{
			{id: "B1", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: in, want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B2", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", dir: out, want: allow, stage: nac, rule: 110, ct: flow.CTUntracked},
		}},
		// TRACE-C part 2: the SYN passes sg-client (new) and outbound rule
		// 100; the SYN-ACK is dropped by acl-strict's inbound `*` rule
		// before the SG sees it, and the entry from C5 stays in SYN_SENT
		// until it expires at 130 s (CT-17a).
		{name: "TRACE-C part 2", acl: aclStrict(t, false), groups: []sg.Group{sgClient()}, steps: []pipeStep{
			{id: "C5", at: 10 * s, pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", dir: out, want: allow, stage: nac, rule: 100, ct: flow.CTNew, conns: 1},
			{id: "C6", at: 10 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40002 [S.]", dir: in, want: drop, stage: nac, rule: star, conns: 1},
		}, after: func(t *testing.T, tab *conntrack.Table) {
			conns := tab.Conns(t0.Add(130*s - 1))
			require.Len(t, conns, 1)
			assert.Equal(t, conntrack.SynSent, conns[0].State, "C6 never reached the SG")
			assert.WithinDuration(t, t0.Add(130*s), conns[0].Expires, 0, "C5 at 10 s + 120 s")
			assert.Equal(t, 1, tab.Sweep(t0.Add(130*s), 0))
		}},
		// TRACE-C part 2 fixed: inbound rule 120 admits the SYN-ACK, which
		// the SG admits on the entry.
		{name: "TRACE-C part 2 fixed", acl: aclStrict(t, true), groups: []sg.Group{sgClient()}, steps: []pipeStep{
			{id: "C5", at: 10 * s, pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", dir: out, want: allow, stage: nac, rule: 100, ct: flow.CTNew, conns: 1},
			{id: "C6", at: 10 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40002 [S.]", dir: in, want: allow, stage: sgs, ct: flow.CTEstablished, conns: 1},
		}},
		// TRACE-F: the echo request passes the ACL and the SG (new, ICMP
		// is always tracked); the SG admits the reply on the entry, and the
		// ACL's outbound `*` rule rejects it: AWS's REJECT record.
		{name: "TRACE-F", acl: aclPing(t), groups: []sg.Group{sgPing()}, steps: []pipeStep{
			{id: "F1", pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", dir: in, want: allow, stage: sgs, ct: flow.CTNew, conns: 1},
			{id: "F2", pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", dir: out, want: drop, stage: nac, rule: star, ct: flow.CTEstablished, conns: 1},
			{id: "F3", at: 1 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", dir: in, want: allow, stage: sgs, ct: flow.CTEstablished, conns: 1},
			{id: "F4", at: 1 * s, pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", dir: out, want: drop, stage: nac, rule: star, ct: flow.CTEstablished, conns: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, tab := newPipeline(t, tt.acl, tt.groups...)
			for _, s := range tt.steps {
				p := flow.MustParsePacket(s.pkt)
				d := pl.Evaluate(&p, s.dir, t0.Add(s.at))
				msg := fmt.Sprintf("%s: %s %s", s.id, s.dir, s.pkt)
				assert.Equal(t, s.want, d.Verdict, msg)
				assert.Equal(t, s.stage, d.Stage, msg)
				assert.Equal(t, s.dir, d.Direction, msg)
				assert.Equal(t, s.ct, d.Conntrack, msg)
				if s.stage == flow.StageNACL {
					assert.Equal(t, s.rule, d.RuleNumber, msg)
				}
				assert.Equal(t, s.conns, tab.Len(), msg)
			}
			if tt.after != nil {
				tt.after(t, tab)
			}
		})
	}
}

// TestPipelineNoAllocs: a packet through [ACL, SG] allocates nothing once
// the table is warm (ARCHITECTURE: the fast path is allocation-free), for
// each kind of packet. Packets are built outside the measured function.
func TestPipelineNoAllocs(t *testing.T) {
	const runs = 100

	// (1) Drops: by the ACL's `*` rule on ingress (the SG is not reached),
	// and by the SG (no rule) after the ACL admitted the packet.
	t.Run("drop", func(t *testing.T) {
		pb := newPipeBench(t, conntrack.Config{})
		aclDrop, sgDrop := aclDropPkt, sgDropPkt
		bad := 0
		allocs := testing.AllocsPerRun(runs, func() {
			if d := pb.pl.Evaluate(&aclDrop, flow.Ingress, t0); d.Verdict != flow.Drop || d.Stage != flow.StageNACL {
				bad++
			}
			if d := pb.pl.Evaluate(&sgDrop, flow.Ingress, t0); d.Verdict != flow.Drop || d.Stage != flow.StageSG {
				bad++
			}
		})
		assert.Zero(t, allocs)
		assert.Zero(t, bad, "wrong decisions")
	})

	// (2) A new tracked flow on a warm table: the same SYNs were tracked
	// once and swept away, so the table has room for it without growing.
	// Each run sends the SYN of a flow not in the table.
	t.Run("new flow", func(t *testing.T) {
		pb := newPipeBench(t, conntrack.Config{})
		ring := synRing(2 * runs)
		for i := range ring {
			require.Equal(t, flow.CTNew, pb.pl.Evaluate(&ring[i], flow.Ingress, t0).Conntrack)
		}
		now := t0.Add(conntrack.SynSentTimeout)
		require.Equal(t, len(ring), pb.table.Sweep(now, 0))
		i, bad := 0, 0
		allocs := testing.AllocsPerRun(runs, func() {
			d := pb.pl.Evaluate(&ring[i], flow.Ingress, now)
			if d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
				bad++
			}
			i++
		})
		assert.Zero(t, allocs)
		assert.Zero(t, bad, "wrong decisions")
		assert.Equal(t, runs+1, pb.table.Len())
	})

	// (3) An established connection, a data packet each way per run.
	t.Run("established", func(t *testing.T) {
		pb := newPipeBench(t, conntrack.Config{})
		pkts := pb.establish(t, 1, t0)
		now, bad := t0, 0
		allocs := testing.AllocsPerRun(runs, func() {
			now = now.Add(time.Millisecond)
			for i := range pkts {
				if d := pb.pl.Evaluate(&pkts[i].p, pkts[i].dir, now); d.Verdict != flow.Allow || d.Conntrack != flow.CTEstablished {
					bad++
				}
			}
		})
		assert.Zero(t, allocs)
		assert.Zero(t, bad, "wrong decisions")
	})

	// (4) An untracked flow: the client's packet (U1..U3) and the answer
	// (U0); the table is only looked into.
	t.Run("untracked", func(t *testing.T) {
		pb := newPipeBench(t, conntrack.Config{})
		pkts := untrackedPkts(1)
		bad := 0
		allocs := testing.AllocsPerRun(runs, func() {
			for i := range pkts {
				if d := pb.pl.Evaluate(&pkts[i].p, pkts[i].dir, t0); d.Verdict != flow.Allow || d.Conntrack != flow.CTUntracked {
					bad++
				}
			}
		})
		assert.Zero(t, allocs)
		assert.Zero(t, bad, "wrong decisions")
		assert.Zero(t, pb.table.Len())
	})
}
