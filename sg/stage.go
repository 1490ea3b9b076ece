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
// Evaluate does not allocate once the table is warm: it runs for every
// packet that crosses the interface.
func (st *Stage) Evaluate(p *flow.Packet, dir flow.Direction, now time.Time, d *flow.Decision) *Set {
	set := st.set.Load()
	*d = flow.Decision{Stage: flow.StageSG, Direction: dir}
	r, tracked := st.table.Lookup(p, now)
	if tracked {
		d.Verdict = flow.Allow
		d.Reason = flow.ReasonTracked
		d.Conntrack = flow.CTEstablished
		d.ConnState = r.State
		d.Age = r.Age
		return set
	}
	if r.Expired {
		d.Note = flow.NoteExpired
	}
	answers := p.Proto.HasPorts() && set.AnswersUntracked(p, dir)
	i, open, ok := set.eval(p, dir)
	if !ok {
		d.Verdict = flow.Drop
		d.Reason = flow.ReasonNoRule
		return set
	}
	d.Verdict = flow.Allow
	d.Reason = flow.ReasonRule
	d.Rule = i
	switch {
	case answers:
		d.Conntrack, d.Note = flow.CTUntracked, flow.NoteAnswersUntracked
		return set
	case p.Proto.HasPorts() && open && set.OpenReverse(p, dir):
		d.Conntrack, d.Note = flow.CTUntracked, flow.NoteOpenBothWays
		return set
	}
	r, status := st.table.Create(p, now)
	switch status {
	case conntrack.Created:
		d.Conntrack = flow.CTNew
	case conntrack.Existing:
		d.Conntrack = flow.CTEstablished
		d.Reason = flow.ReasonTracked
		d.Age = r.Age
	case conntrack.CannotStart:
		d.Conntrack, d.Note = flow.CTUntracked, flow.NoteCannotStart
		return set
	case conntrack.Full:
		d.Verdict = flow.Drop
		d.Reason = flow.ReasonTableFull
		return set
	}
	d.ConnState = r.State
	return set
}

// Explain renders d, a decision of this stage about p, as a sentence,
// with the words of the rule set in force now (see [Set.Explain]; the
// rule set that decided, which Evaluate returns, is the right one if the
// set may have been replaced since).
func (st *Stage) Explain(d *flow.Decision, p *flow.Packet) string {
	return st.set.Load().Explain(d, p)
}
