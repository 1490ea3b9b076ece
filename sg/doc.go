// Package sg models AWS security groups: the allow-only filter on a network
// interface, and the rules that decide which of its flows are tracked.
// Section and rule ids (SG-n, CT-n, U0..U4) name the AWS behaviours pfsim
// reproduces; the tests that prove each one carry its id. They are defined,
// with their sources, in https://github.com/pfsim/pfsim/blob/main/docs/aws-semantics.md#3-security-groups.
//
// # Allow-only rules
//
// A security group ([Group]) has inbound (Ingress) and outbound (Egress)
// rules ([Rule]). Every rule allows; there is no deny and no order (SG-6,
// SG-13). A rule names a protocol (-1 for all), a port range (TCP, UDP:
// the packet's destination port, in both directions) or an ICMP type and
// code, and one peer: a CIDR, a prefix list, or another security group.
// The peer is the source of an inbound packet and the destination of an
// outbound one. A packet no rule admits is dropped silently (SG-15): a
// security group never answers with a reset or an unreachable (NOT-1). To
// block one address, use a network ACL (package nacl).
//
// # The union of an interface's groups
//
// An interface carries 1 to 16 groups (SG-26). Their rules form a single
// set (SG-14): a packet is allowed if any rule of any group admits it, and
// "the most permissive rule" wins because nothing can take permission
// away. [Compile] validates the groups and builds that union as a [Set],
// an immutable index that answers [Set.Match] with integer compares and
// without allocating. When several rules admit a packet, pfsim reports the
// first in the order the groups, then their rules, were given (SG-17): the
// choice is for explanations only and never changes a verdict.
// [Reference] is the same question answered by plain loops; the tests hold
// the Set to it.
//
// # References to groups and prefix lists
//
// A rule "tcp 5432 from sg-web" admits the private addresses of every
// interface that carries sg-web — not their public or Elastic IPs, and
// not sg-web's rules (SG-19..SG-21). A self reference names the group
// itself, so that members of a group can talk to each other. A prefix list
// is a named list of CIDRs. Compile asks a [Resolver] for both once and
// copies the answers into the Set: when membership or a prefix list
// changes, compile again. AWS applies such changes to the next packet
// (SG-24), and a new Set does the same.
//
// # Stateful through connection tracking
//
// Security groups are stateful (SG-29): when a rule admits a packet that
// opens a connection, an entry in the interface's connection table admits
// the rest of that connection in both directions, whatever the rules of
// the reply's direction say. A server needs no outbound rule for its
// answers; a client needs no inbound rule for its replies. Entries survive
// rule changes until they time out (CT-13). The stateful stage, [Stage]
// (sg/stage.go), combines a Set with a conntrack table; this part of the
// package is the stateless half it consults.
//
// # Untracked flows
//
// AWS does not track every TCP or UDP flow (CT-3). When the rule that
// admits a flow is open to the whole internet (0.0.0.0/0 or ::/0) and the
// opposite direction has a rule open to the whole internet for all ports,
// the flow is untracked: no entry, no reply privilege, and removing the
// rule cuts the flow at once (CT-14). AWS's example (CT-4): with outbound
// "-1 to 0.0.0.0/0" and inbound "tcp 80 from 0.0.0.0/0" and
// "tcp 22 from 203.0.113.1/32", HTTP is untracked but SSH is tracked;
// ICMP is tracked whatever the rules.
//
// pfsim decides this per packet that has no table entry, in the order
// below. The Set answers U0..U3; U4 is not modelled.
//
//	U0  the packet answers an untracked flow: the reversed packet would be
//	    admitted and untracked in the opposite direction
//	    ([Set.AnswersUntracked]); it then needs its own rule and makes no
//	    entry (SG-31)
//	U1  the packet is TCP or UDP (everything else is always tracked, CT-2)
//	U2  some rule admitting it has peer 0.0.0.0/0 (::/0 for IPv6)
//	    ([Match.Open]); neither a prefix list nor a group reference counts
//	U3  the opposite direction has a rule with peer 0.0.0.0/0 (::/0),
//	    protocol -1 or the packet's, and all ports: -1, or 0-65535
//	    ([Set.OpenReverse])
//	U4  the flow does not pass a service that AWS always tracks (NLB, NAT
//	    gateway, ..., CT-6); pfsim does not model these services yet, so a
//	    caller that knows the path must track such flows itself
//
// [Set.Untracked] combines U1..U3.
//
// # Choices where AWS is silent
//
// Validation errors are *[RuleError] values naming group, direction, rule
// index (from 0) and field, with Terraform's argument names; a rule with
// no peer, or several, is reported on the field "peer". A CIDR with host
// bits set matches as its network, with a warning from [Warnings], as
// pfsim treats network ACL input (IN-15). The rule quota (60 per direction
// and family, SG-25) is a warning, not an error.
package sg
