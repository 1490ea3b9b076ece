package flow

import (
	"strconv"
	"time"
)

// Verdict is what a filter does with a packet.
type Verdict uint8

// The verdicts. The zero Verdict is not a verdict: a Decision that was never
// filled in says neither allow nor drop.
const (
	Allow Verdict = iota + 1
	Drop
)

// String returns "allow", "drop", or "none" for the zero value.
func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Drop:
		return "drop"
	}
	return "none"
}

// StageKind names the kind of filter that made a decision.
type StageKind uint8

// The stage kinds.
const (
	StageNone StageKind = iota
	// StageNACL is a subnet's network ACL: stateless, ordered allow/deny.
	StageNACL
	// StageSG is an interface's security groups with their connection table.
	StageSG
	// StageExempt stands for no filter at all: traffic to AWS services
	// that neither filter sees (NOT-10).
	StageExempt
)

// String returns "nacl", "sg", "exempt" or "none".
func (s StageKind) String() string {
	switch s {
	case StageNACL:
		return "nacl"
	case StageSG:
		return "sg"
	case StageExempt:
		return "exempt"
	}
	return "none"
}

// CTState is the connection-tracking outcome of a packet at a security group.
type CTState uint8

// The connection-tracking outcomes, as the scenario format names them.
const (
	// CTNone: the stage keeps no state (a NACL) or the packet was dropped
	// before any state was consulted.
	CTNone CTState = iota
	// CTNew: a rule admitted the packet and a tracking entry was created.
	CTNew
	// CTEstablished: the packet belongs to a tracked connection, in either
	// direction, and was admitted by the entry whatever the rules say.
	CTEstablished
	// CTUntracked: a rule admitted the packet and nothing was tracked.
	CTUntracked
	// CTExempt: the traffic goes to an AWS service no filter sees.
	CTExempt
)

// String returns "new", "established", "untracked", "exempt" or "none".
func (c CTState) String() string {
	switch c {
	case CTNew:
		return "new"
	case CTEstablished:
		return "established"
	case CTUntracked:
		return "untracked"
	case CTExempt:
		return "exempt"
	}
	return "none"
}

// Reason says why a stage decided as it did.
type Reason uint8

// The reasons.
const (
	ReasonNone Reason = iota
	// ReasonRule: a rule matched (a NACL's numbered allow or deny rule, or
	// a security group rule that allows the packet).
	ReasonRule
	// ReasonDefaultDeny: no numbered NACL rule matched, so the `*` rule
	// denied the packet (NACL-15).
	ReasonDefaultDeny
	// ReasonNoRule: no rule of the interface's security groups allows the
	// packet and no tracked connection admits it (SG-15).
	ReasonNoRule
	// ReasonTracked: the security group admitted the packet because it
	// belongs to a tracked connection (SG-29, CT-8).
	ReasonTracked
	// ReasonTableFull: a rule allowed the packet, but it would have started
	// a tracked connection and the connection table is full (CT-18, CT-20).
	ReasonTableFull
	// ReasonExempt: traffic to or from an AWS service that no filter sees.
	ReasonExempt
)

// String returns a short name of the reason.
func (r Reason) String() string {
	switch r {
	case ReasonRule:
		return "rule"
	case ReasonDefaultDeny:
		return "default-deny"
	case ReasonNoRule:
		return "no-rule"
	case ReasonTracked:
		return "tracked"
	case ReasonTableFull:
		return "table-full"
	case ReasonExempt:
		return "exempt"
	}
	return "none"
}

// Note adds the detail an explanation needs about connection tracking.
type Note uint8

// The notes.
const (
	NoteNone Note = iota
	// NoteOpenBothWays: untracked because a rule open to the whole
	// internet admits the packet and the opposite direction has an
	// all-ports rule open to the whole internet (CT-3, U1–U4).
	NoteOpenBothWays
	// NoteAnswersUntracked: untracked because the packet answers an
	// untracked flow; it needs a rule of its own direction (U0, SG-31).
	NoteAnswersUntracked
	// NoteCannotStart: the packet cannot start a tracked connection (a
	// lone SYN-ACK, FIN or RST, an echo reply, an ICMP error), so it was
	// judged by the rules alone and nothing was tracked (CT-10, CT-17k).
	NoteCannotStart
	// NoteExpired: a tracked connection for this flow existed but its idle
	// timeout had passed, so the rules judged the packet.
	NoteExpired
)

// DefaultRuleV4 and DefaultRuleV6 are the numbers AWS's API gives the `*`
// rules of every network ACL (NACL-15).
const (
	DefaultRuleV4 = 32767
	DefaultRuleV6 = 32768
)

// Decision is what one stage, or a whole [Pipeline], decided about one
// packet, with what is needed to explain it. It is a plain value: the hot
// path fills it without allocating; [Decision.Explain] renders the words.
type Decision struct {
	// Verdict is allow or drop.
	Verdict Verdict
	// Stage is the stage that decided: for a drop, the one that dropped;
	// for an allow from a pipeline, the last stage passed.
	Stage StageKind
	// Direction is the direction the deciding stage saw the packet in.
	Direction Direction
	// Reason says why.
	Reason Reason
	// Note adds connection-tracking detail.
	Note Note
	// Conntrack is the security group's tracking outcome. A pipeline
	// carries it over from its security-group stage whatever stage decided.
	Conntrack CTState

	// ACL is the network ACL's id (Stage == StageNACL).
	ACL string
	// RuleNumber is the NACL rule that matched: 1..32766, or DefaultRuleV4
	// / DefaultRuleV6 for the `*` rule.
	RuleNumber int
	// RuleText is the matching rule as text, when a rule matched.
	RuleText string

	// Group is the security group whose rule admitted the packet; for a
	// security-group drop it lists the interface's groups, comma-separated.
	Group string
	// GroupRule is the index of the admitting rule among its group's rules
	// of that direction, counted from 0; -1 when no rule admitted.
	GroupRule int

	// ConnState is the tracked connection's state after this packet
	// ("SYN_SENT", "ESTABLISHED", "UDP_STREAM", ...), when there is one.
	ConnState string
	// Age is how long ago the tracked connection was opened.
	Age time.Duration

	// Packet is the packet decided on. A [Pipeline] fills it in.
	Packet Packet
}

// Allowed reports whether the verdict is Allow.
func (d *Decision) Allowed() bool { return d.Verdict == Allow }

// RuleLabel returns the NACL rule number as AWS prints it: the number, or
// "*" for the default deny rule.
func (d *Decision) RuleLabel() string {
	if d.RuleNumber >= DefaultRuleV4 {
		return "*"
	}
	return strconv.Itoa(d.RuleNumber)
}
