package flow

import (
	"fmt"
	"strconv"
	"strings"
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

var verdictNames = [...]string{"none", "allow", "drop"}

// String returns "allow", "drop", or "none" for the zero value.
func (v Verdict) String() string { return nameOf(verdictNames[:], v) }

// MarshalText returns the name String gives.
func (v Verdict) MarshalText() ([]byte, error) { return marshalName(verdictNames[:], v, "verdict") }

// UnmarshalText reads "allow", "drop" or "none".
func (v *Verdict) UnmarshalText(b []byte) error {
	return unmarshalName(verdictNames[:], v, b, "verdict")
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

var stageNames = [...]string{"none", "nacl", "sg", "exempt"}

// String returns "nacl", "sg", "exempt" or "none".
func (s StageKind) String() string { return nameOf(stageNames[:], s) }

// MarshalText returns the name String gives.
func (s StageKind) MarshalText() ([]byte, error) { return marshalName(stageNames[:], s, "stage") }

// UnmarshalText reads "nacl", "sg", "exempt" or "none".
func (s *StageKind) UnmarshalText(b []byte) error { return unmarshalName(stageNames[:], s, b, "stage") }

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

var ctNames = [...]string{"none", "new", "established", "untracked", "exempt"}

// String returns "new", "established", "untracked", "exempt" or "none".
func (c CTState) String() string { return nameOf(ctNames[:], c) }

// MarshalText returns the name String gives.
func (c CTState) MarshalText() ([]byte, error) {
	return marshalName(ctNames[:], c, "conntrack outcome")
}

// UnmarshalText reads a name String gives.
func (c *CTState) UnmarshalText(b []byte) error {
	return unmarshalName(ctNames[:], c, b, "conntrack outcome")
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

var reasonNames = [...]string{"none", "rule", "default-deny", "no-rule", "tracked", "table-full", "exempt"}

// String returns a short name of the reason.
func (r Reason) String() string { return nameOf(reasonNames[:], r) }

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

// ConnState is the state of a tracked connection. The TCP states follow
// Linux nf_conntrack's machine in outline, since AWS publishes none
// (CT-17); UDP has two (CT-17n); ICMP queries and other protocols one
// each. Package conntrack runs the machine; the states are named here so
// that a [Decision] can carry one.
type ConnState uint8

// The connection states.
const (
	StateNone ConnState = iota
	// StateSynSent: the original side sent a SYN (CT-17a).
	StateSynSent
	// StateSynRecv: the reply side answered with a SYN-ACK (CT-17b).
	StateSynRecv
	// StateEstablished: the handshake completed, or the connection was
	// picked up mid-stream from an ACK or data segment (CT-17c, CT-17k).
	StateEstablished
	// StateFinWait: one side sent a FIN (CT-17d).
	StateFinWait
	// StateCloseWait: the other side acknowledged that FIN and is still
	// open (CT-17e).
	StateCloseWait
	// StateLastAck: both sides sent a FIN; the last one awaits its ACK
	// (CT-17f).
	StateLastAck
	// StateTimeWait: both FINs were acknowledged (CT-17g).
	StateTimeWait
	// StateClose: a RST ended a connection that had seen a reply (CT-17h).
	StateClose
	// StateUDP: a UDP flow with traffic in one direction or one
	// request-response transaction (CT-16b).
	StateUDP
	// StateUDPStream: a UDP flow that has completed a second transaction;
	// it stays a stream (CT-16c, CT-17n).
	StateUDPStream
	// StateICMP: an ICMP or ICMPv6 query (echo, timestamp, ...) whose
	// request created the entry (CT-10).
	StateICMP
	// StateGeneric: a protocol other than TCP, UDP and ICMP, tracked by
	// address pair and protocol (CT-12).
	StateGeneric
)

var connStateNames = [...]string{
	StateNone:        "NONE",
	StateSynSent:     "SYN_SENT",
	StateSynRecv:     "SYN_RECV",
	StateEstablished: "ESTABLISHED",
	StateFinWait:     "FIN_WAIT",
	StateCloseWait:   "CLOSE_WAIT",
	StateLastAck:     "LAST_ACK",
	StateTimeWait:    "TIME_WAIT",
	StateClose:       "CLOSE",
	StateUDP:         "UDP",
	StateUDPStream:   "UDP_STREAM",
	StateICMP:        "ICMP",
	StateGeneric:     "GENERIC",
}

// String returns the state's name as conntrack tools print it
// ("SYN_SENT", "ESTABLISHED", "UDP_STREAM", ...), or "INVALID".
func (s ConnState) String() string {
	if int(s) < len(connStateNames) {
		return connStateNames[s]
	}
	return "INVALID"
}

// MarshalText returns the name String gives.
func (s ConnState) MarshalText() ([]byte, error) {
	return marshalName(connStateNames[:], s, "connection state")
}

// UnmarshalText reads a name String gives.
func (s *ConnState) UnmarshalText(b []byte) error {
	return unmarshalName(connStateNames[:], s, b, "connection state")
}

// DefaultRuleV4 and DefaultRuleV6 are the numbers AWS's API gives the `*`
// rules of every network ACL (NACL-15).
const (
	DefaultRuleV4 = 32767
	DefaultRuleV6 = 32768
)

// Decision is what one stage, or a whole path, decided about one packet.
// It is a small plain value (32 bytes: no strings, no pointers, no copy
// of the packet), so that the packet path can fill it in place without
// allocating or copying much. It says which kind of stage decided, why,
// and which rule: the rule as an index into the compiled, immutable rule
// set that decided. The words are rendered on demand from the decision,
// that rule set and the packet (see [Detail] and [Decision.Explain]).
type Decision struct {
	// Verdict is allow or drop.
	Verdict Verdict
	// Stage is the stage that decided: for a drop, the one that dropped;
	// for an allow on a path, the last stage passed.
	Stage StageKind
	// Direction is the direction the deciding stage saw the packet in.
	Direction Direction
	// Reason says why.
	Reason Reason
	// Note adds connection-tracking detail.
	Note Note
	// Conntrack is the security group's tracking outcome. A path carries
	// it over from its security-group stage whatever stage decided.
	Conntrack CTState
	// ConnState is the tracked connection's state after this packet;
	// valid iff Conntrack is CTNew or CTEstablished.
	ConnState ConnState

	// RuleNumber is the network ACL rule that decided, iff Stage is
	// StageNACL: 1..32766, or DefaultRuleV4 / DefaultRuleV6 for the `*`
	// rule.
	RuleNumber uint16
	// Rule is the deciding rule's index in the compiled rule set of the
	// stage that decided, iff Reason is ReasonRule: for a network ACL,
	// among the direction's rules in evaluation order; for security
	// groups, among the direction's rules of all the interface's groups
	// in declaration order. The rule set turns it into words.
	Rule int32
	// Age is how long ago the tracked connection was opened; valid iff
	// Conntrack is CTEstablished.
	Age time.Duration

	// The padding makes 32 bytes, which the compiler copies as two
	// disjoint 16-byte moves. It copies 24 bytes as two overlapping
	// ones, and a load of a decision just stored that way cannot take
	// its bytes from the pending stores: the path, which stores each
	// decision and reads it back at once, stalled on every hop.
	_ [8]byte
}

// Allowed reports whether the verdict is Allow.
func (d Decision) Allowed() bool { return d.Verdict == Allow }

// RuleLabel returns the NACL rule number as AWS prints it: the number, or
// "*" for the default deny rule.
func (d Decision) RuleLabel() string {
	if d.RuleNumber >= DefaultRuleV4 {
		return "*"
	}
	return strconv.Itoa(int(d.RuleNumber))
}

// nameOf returns names[v], or names[0] when v is out of range.
func nameOf[T ~uint8](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return names[0]
}

func marshalName[T ~uint8](names []string, v T, what string) ([]byte, error) {
	if int(v) >= len(names) {
		return nil, fmt.Errorf("%s %d: not a %s", what, v, what)
	}
	return []byte(names[v]), nil
}

func unmarshalName[T ~uint8](names []string, v *T, b []byte, what string) error {
	for i, n := range names {
		if string(b) == n {
			*v = T(i)
			return nil
		}
	}
	return fmt.Errorf("%s %q: want one of %s", what, b, strings.Join(names, ", "))
}
