package sg

import (
	"sync/atomic"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// Stage is the security-group filter of one network interface: the union
// of its groups' rules (a [Set]) and its connection table, the stateful
// part of a packet's path. For a packet with no tracked connection it
// evaluates the rules of the packet's direction; when they allow it, it
// tracks the connection, or lets the packet through untracked where AWS
// does not track (CT-3, U0..U4).
//
// A Stage is safe for concurrent use. [Stage.Replace] swaps the rule set
// atomically and keeps the table: tracked connections survive a rule
// change, untracked flows meet the new rules at their next packet (CT-13,
// CT-14, CT-15).
type Stage struct {
	set   atomic.Pointer[Set]
	table *conntrack.Table
}

// NewStage returns the stage of an interface with rule set s and
// connection table t.
func NewStage(s *Set, t *conntrack.Table) *Stage {
	st := &Stage{table: t}
	st.set.Store(s)
	return st
}

// Set returns the rule set in force.
func (st *Stage) Set() *Set { return st.set.Load() }

// Table returns the interface's connection table.
func (st *Stage) Table() *conntrack.Table { return st.table }

// Replace puts a new rule set in force for the next packet, as editing,
// attaching or detaching groups does in AWS. The connection table is kept.
func (st *Stage) Replace(s *Set) { st.set.Store(s) }

// Evaluate decides p going in direction dir at time now, writes the
// decision into *d, and returns the rule set that decided, for its words
// ([Set.Describe]):
//
//  1. A packet of a tracked connection, either way, is allowed whatever
//     the rules say (SG-29, CT-8), and moves the connection's state on.
//  2. A TCP or UDP packet that answers an untracked flow (U0) is allowed
//     only by a rule of its own direction (SG-31) and tracks nothing.
//  3. Otherwise the rules of dir decide (SG-13, SG-14). No rule: drop
//     (SG-15). Allowed TCP/UDP with open rules both ways: untracked (CT-3).
//     Allowed otherwise: a new tracked connection, unless the packet cannot
//     start one (a lone SYN-ACK, an echo reply: CT-10, CT-17k) or the
//     table is full (dropped, CT-20).
//
// now must be a time the table accepts ([conntrack.CheckTime]); vpc
// refuses other times before any stage runs. Given another, the table
// finds and stores nothing: untracked flows are decided by the rules, and
// a packet that would start a tracked connection is dropped with
// flow.ReasonNone.
//
// Evaluate does not allocate once the table is warm: it runs for every
// packet that crosses the interface.
func (st *Stage) Evaluate(p *flow.Packet, dir flow.Direction, now time.Time, d *flow.Decision) *Set {
	// The decision is built in r and stored whole, once: the caller reads
	// it whole, and a read over several smaller stores just made stalls.
	set := st.set.Load()
	r := flow.Decision{Stage: flow.StageSG, Direction: dir}
	st.decide(set, p, &r, now)
	*d = r
	return set
}

// decide fills r, a decision of st with set in force, about p.
func (st *Stage) decide(set *Set, p *flow.Packet, r *flow.Decision, now time.Time) {
	dir := r.Direction
	var res conntrack.Result
	if st.table.LookupInto(p, now, &res) {
		r.Verdict = flow.Allow
		r.Reason = flow.ReasonTracked
		r.Conntrack = flow.CTEstablished
		r.ConnState = res.State
		r.Age = res.Age
		return
	}
	if res.Expired {
		r.Note = flow.NoteExpired
	}
	answers := p.Proto.HasPorts() && set.AnswersUntracked(p, dir)
	i, open, ok := set.eval(p, dir)
	if !ok {
		r.Verdict = flow.Drop
		r.Reason = flow.ReasonNoRule
		return
	}
	r.Verdict = flow.Allow
	r.Reason = flow.ReasonRule
	r.Rule = i
	switch {
	case answers:
		r.Conntrack, r.Note = flow.CTUntracked, flow.NoteAnswersUntracked
		return
	case p.Proto.HasPorts() && open && set.OpenReverse(p, dir):
		r.Conntrack, r.Note = flow.CTUntracked, flow.NoteOpenBothWays
		return
	}
	res, status := st.table.Create(p, now)
	switch status {
	case conntrack.Created:
		r.Conntrack = flow.CTNew
	case conntrack.Existing:
		r.Conntrack = flow.CTEstablished
		r.Reason = flow.ReasonTracked
		r.Age = res.Age
	case conntrack.CannotStart:
		r.Conntrack, r.Note = flow.CTUntracked, flow.NoteCannotStart
		return
	case conntrack.Full:
		r.Verdict = flow.Drop
		r.Reason = flow.ReasonTableFull
		return
	case conntrack.BadTime:
		// A time the table refuses; vpc checks now before any stage.
		r.Verdict = flow.Drop
		r.Reason = flow.ReasonNone
		r.Rule = 0
		return
	}
	r.ConnState = res.State
}

// Explain renders d, a decision of this stage about p, as a sentence,
// with the words of the rule set in force now (see [Set.Explain]; the
// rule set that decided, which Evaluate returns, is the right one if the
// set may have been replaced since).
func (st *Stage) Explain(d *flow.Decision, p *flow.Packet) string {
	return st.set.Load().Explain(d, p)
}
