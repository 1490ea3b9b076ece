package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStage is a Stage for tests: it returns a fixed decision per
// direction and records its calls in a shared log.
type fakeStage struct {
	name string
	by   [2]Decision // by direction
	log  *[]string
	now  *time.Time // last time seen
}

func (s *fakeStage) Evaluate(p *Packet, dir Direction, now time.Time) Decision {
	if s.log != nil {
		*s.log = append(*s.log, s.name+" "+dir.String())
	}
	if s.now != nil {
		*s.now = now
	}
	return s.by[dir]
}

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// naclAllow / naclDeny / sgAllow / sgDrop are the decisions the fake
// stages return.
func naclAllow(dir Direction) Decision {
	return Decision{Verdict: Allow, Stage: StageNACL, Direction: dir, Reason: ReasonRule, ACL: "acl-web", RuleNumber: 100, GroupRule: -1}
}

func naclDeny(dir Direction) Decision {
	return Decision{Verdict: Drop, Stage: StageNACL, Direction: dir, Reason: ReasonDefaultDeny, ACL: "acl-web", RuleNumber: DefaultRuleV4, GroupRule: -1}
}

func sgNew(dir Direction) Decision {
	return Decision{Verdict: Allow, Stage: StageSG, Direction: dir, Reason: ReasonRule, Conntrack: CTNew, Group: "sg-web", GroupRule: 0, ConnState: "SYN_SENT"}
}

func sgTracked(dir Direction) Decision {
	return Decision{Verdict: Allow, Stage: StageSG, Direction: dir, Reason: ReasonTracked, Conntrack: CTEstablished, Group: "sg-web", GroupRule: -1, ConnState: "ESTABLISHED", Age: 2 * time.Second}
}

func sgDrop(dir Direction) Decision {
	return Decision{Verdict: Drop, Stage: StageSG, Direction: dir, Reason: ReasonNoRule, Group: "sg-web", GroupRule: -1}
}

// TestPipelineOrder: ingress meets the stages outside-in, egress
// inside-out (MODEL-5, MODEL-6), each with the caller's time.
func TestPipelineOrder(t *testing.T) {
	var log []string
	var seen time.Time
	nacl := &fakeStage{name: "nacl", by: [2]Decision{naclAllow(Ingress), naclAllow(Egress)}, log: &log, now: &seen}
	sg := &fakeStage{name: "sg", by: [2]Decision{sgNew(Ingress), sgNew(Egress)}, log: &log}
	pl := NewPipeline(nacl, sg)
	require.Equal(t, 2, pl.Stages())
	p := MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")

	// Ingress: NACL, then SG.
	pl.Evaluate(&p, Ingress, t0)
	assert.Equal(t, []string{"nacl ingress", "sg ingress"}, log)
	assert.Equal(t, t0, seen, "the stage gets the caller's time")

	// Egress: SG, then NACL.
	log = nil
	r := p.Reverse()
	pl.Evaluate(&r, Egress, t0.Add(time.Second))
	assert.Equal(t, []string{"sg egress", "nacl egress"}, log)
	assert.Equal(t, t0.Add(time.Second), seen)

	// Trace meets them in the same order.
	log = nil
	ds := pl.Trace(&r, Egress, t0, nil)
	assert.Equal(t, []string{"sg egress", "nacl egress"}, log)
	require.Len(t, ds, 2)
	assert.Equal(t, StageSG, ds[0].Stage)
	assert.Equal(t, StageNACL, ds[1].Stage)
	assert.Equal(t, r, ds[0].Packet, "Trace fills in the packet")
}

// TestPipelineFirstDropEnds: the first stage that drops ends the path
// (MODEL-8); later stages are not asked.
func TestPipelineFirstDropEnds(t *testing.T) {
	var log []string
	nacl := &fakeStage{name: "nacl", by: [2]Decision{naclDeny(Ingress), naclAllow(Egress)}, log: &log}
	sg := &fakeStage{name: "sg", by: [2]Decision{sgNew(Ingress), sgDrop(Egress)}, log: &log}
	pl := NewPipeline(nacl, sg)
	p := MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")

	// Ingress: the NACL's default deny (NACL-15) decides; the SG is never
	// consulted (TRACE-C, C6).
	d := pl.Evaluate(&p, Ingress, t0)
	assert.Equal(t, []string{"nacl ingress"}, log)
	assert.Equal(t, Drop, d.Verdict)
	assert.Equal(t, StageNACL, d.Stage)
	assert.Equal(t, "*", d.RuleLabel())
	assert.Equal(t, p, d.Packet)

	// Egress: the SG drops (SG-15), the NACL is not reached.
	log = nil
	d = pl.Evaluate(&p, Egress, t0)
	assert.Equal(t, []string{"sg egress"}, log)
	assert.Equal(t, StageSG, d.Stage)
	assert.Equal(t, Drop, d.Verdict)

	log = nil
	ds := pl.Trace(&p, Ingress, t0, nil)
	assert.Len(t, ds, 1)
}

// TestPipelineConntrackMerged: the security group's tracking outcome is
// carried into the result when a later stage decides (egress: SG, then
// NACL), including when the NACL then drops the packet (CT-21, TRACE-F F2).
func TestPipelineConntrackMerged(t *testing.T) {
	p := MustParsePacket("icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1")

	tests := []struct {
		name string
		nacl Decision
		sg   Decision
		want Decision
	}{
		// NACL allows: its decision, with the SG's tracking state.
		{"egress allowed by nacl, tracked by sg", naclAllow(Egress), sgTracked(Egress),
			Decision{Verdict: Allow, Stage: StageNACL, Direction: Egress, Reason: ReasonRule, ACL: "acl-web", RuleNumber: 100, GroupRule: -1,
				Conntrack: CTEstablished, ConnState: "ESTABLISHED", Age: 2 * time.Second, Packet: p}},
		// NACL drops: the drop, still saying what the SG tracked (CT-21).
		{"egress dropped by nacl after sg tracked it", naclDeny(Egress), sgNew(Egress),
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Egress, Reason: ReasonDefaultDeny, ACL: "acl-web", RuleNumber: DefaultRuleV4, GroupRule: -1,
				Conntrack: CTNew, ConnState: "SYN_SENT", Packet: p}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nacl := &fakeStage{name: "nacl", by: [2]Decision{tt.nacl, tt.nacl}}
			sg := &fakeStage{name: "sg", by: [2]Decision{tt.sg, tt.sg}}
			pl := NewPipeline(nacl, sg)
			d := pl.Evaluate(&p, Egress, t0)
			assert.Equal(t, tt.want, d)

			// Merge over Trace gives the same answer as Evaluate.
			merged := Merge(pl.Trace(&p, Egress, t0, nil))
			assert.Equal(t, d, merged)
		})
	}

	// Ingress: the SG decides last; its own tracking state stands.
	nacl := &fakeStage{by: [2]Decision{naclAllow(Ingress), naclAllow(Egress)}}
	sg := &fakeStage{by: [2]Decision{sgNew(Ingress), sgNew(Egress)}}
	d := NewPipeline(nacl, sg).Evaluate(&p, Ingress, t0)
	assert.Equal(t, StageSG, d.Stage)
	assert.Equal(t, CTNew, d.Conntrack)
}

// TestPipelineEmpty: no stage, no filter: the packet is allowed, as by
// Merge of nothing.
func TestPipelineEmpty(t *testing.T) {
	p := MustParsePacket("udp 10.0.1.10:68 > 10.0.0.2:67")
	d := NewPipeline().Evaluate(&p, Egress, t0)
	assert.Equal(t, Allow, d.Verdict)
	assert.Equal(t, StageNone, d.Stage)
	assert.Equal(t, -1, d.GroupRule)
	want := Merge(nil)
	want.Packet = p
	assert.Equal(t, want, d)
	assert.Empty(t, NewPipeline().Trace(&p, Egress, t0, nil))
}

// TestNewPipelineCopies: the pipeline keeps its own list of stages.
func TestNewPipelineCopies(t *testing.T) {
	a := &fakeStage{by: [2]Decision{naclDeny(Ingress), naclDeny(Egress)}}
	b := &fakeStage{by: [2]Decision{sgNew(Ingress), sgNew(Egress)}}
	stages := []Stage{a}
	pl := NewPipeline(stages...)
	stages[0] = b
	p := MustParsePacket("gre 10.0.0.1 > 10.0.0.2")
	assert.Equal(t, Drop, pl.Evaluate(&p, Ingress, t0).Verdict)
}

// constStage is a Stage that returns one decision and does nothing else:
// the cheapest stage possible, for the allocation test.
type constStage struct{ d Decision }

func (s constStage) Evaluate(*Packet, Direction, time.Time) Decision { return s.d }

// TestNoAllocs: the hot path does not allocate (ARCHITECTURE, "Fast path
// is allocation-free"): Key, Reverse, and a Pipeline with trivial stages.
func TestNoAllocs(t *testing.T) {
	q := MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")
	var k Key
	assert.Zero(t, testing.AllocsPerRun(100, func() { k = q.Key() }), "Key")
	assert.Zero(t, testing.AllocsPerRun(100, func() { k, _ = k.Reverse().Canonical() }), "Key.Reverse, Canonical")
	assert.Zero(t, testing.AllocsPerRun(100, func() { q = q.Reverse() }), "Packet.Reverse")

	pl := NewPipeline(constStage{naclAllow(Ingress)}, constStage{sgTracked(Ingress)})
	var d Decision
	for _, dir := range []Direction{Ingress, Egress} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { d = pl.Evaluate(&q, dir, t0) }), "Pipeline.Evaluate %v", dir)
	}
	assert.Equal(t, Allow, d.Verdict)
	dst := make([]Decision, 0, 4)
	assert.Zero(t, testing.AllocsPerRun(100, func() { dst = pl.Trace(&q, Ingress, t0, dst[:0]) }), "Pipeline.Trace into a slice with room")
}
