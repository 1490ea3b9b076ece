package scenario

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// File is a scenario file after [Parse] has validated all of it: the VPC as
// declared at the start and the timeline of steps. Every value in it is
// valid; a runner executes it without checking anything again.
type File struct {
	// Path is the name the file was read under, as given to [Parse].
	Path string
	// Name is the one-line title; Description the optional longer text.
	Name, Description string
	// VPCCIDR is the VPC's primary IPv4 block (vpc_cidr_block), host bits
	// cleared; the zero Prefix when the file gives none. Subnets must lie
	// in it, and its base + 2 is the Amazon DNS server, whose traffic no
	// filter sees (NOT-10).
	VPCCIDR netip.Prefix

	// The VPC at time zero, each kind in the order of the file.

	// PrefixLists holds the declared prefix lists.
	PrefixLists []PrefixList
	// SecurityGroups holds the declared security groups.
	SecurityGroups []SecurityGroup
	// NetworkACLs holds the declared ACLs and, first, unless the file
	// declares one with the id "default", the VPC's implicit default ACL
	// (Implicit set, rules of [nacl.Default]).
	NetworkACLs []NetworkACL
	// Subnets holds the subnets, each with its ACL association.
	Subnets []Subnet
	// Interfaces holds the network interfaces.
	Interfaces []Interface

	// Steps is the timeline, in the file's order, which is also the order
	// of time.
	Steps []Step
}

// DefaultACL is the id of the VPC's default network ACL. It exists without
// being declared, allows everything (rules 100 and 101) and is the ACL of
// every subnet that names none.
const DefaultACL = "default"

// PrefixList is a declared managed prefix list: the VPC model's
// [vpc.PrefixList] (its id and its CIDRs, IPv4 and IPv6 mixed, host bits
// cleared) and where it is written.
type PrefixList struct {
	// Pos is where the list is declared.
	Pos Pos
	vpc.PrefixList
	// EntriesPos says where each of Entries is written; as long as
	// Entries.
	EntriesPos []Pos
}

// SecurityGroup is a declared security group. Each rule of the file is
// expanded into one [sg.Rule] per peer, in the order cidr_blocks,
// ipv6_cidr_blocks, prefix_list_ids, security_groups, self; `self` names
// the group's own id.
type SecurityGroup struct {
	// Pos is where the group is declared.
	Pos Pos
	// Group holds the id and the expanded rules.
	Group sg.Group
	// IngressPos and EgressPos say where each rule of Group.Ingress and
	// Group.Egress comes from; they are as long as those slices.
	IngressPos, EgressPos []RulePos
}

// RulePos says where an expanded security group rule was written.
type RulePos struct {
	// Rule is the position of the rule's block in the file.
	Rule Pos
	// Index is the block's index in its ingress or egress list, from 0.
	Index int
	// Peer is the position of the peer this rule was expanded for: the
	// CIDR, prefix list id or group id in its list, or the `self` field.
	Peer Pos
}

// NetworkACL is a declared network ACL, or the implicit default one.
type NetworkACL struct {
	// Pos is where the ACL is declared; the zero Pos when Implicit.
	Pos Pos
	// ACL holds the id and the rules, in the order of the file (a
	// NACL evaluates them by number, whatever their order).
	ACL nacl.ACL
	// IngressPos and EgressPos are the positions of the rules of
	// ACL.Ingress and ACL.Egress; they are as long as those slices.
	IngressPos, EgressPos []Pos
	// Implicit is true for the VPC's default ACL when the file does not
	// declare one.
	Implicit bool
}

// Subnet is a subnet: the VPC model's [vpc.Subnet] (its id, its blocks
// with host bits cleared, and its network ACL: [DefaultACL] unless the
// file names another) and where it is written.
type Subnet struct {
	// Pos is where the subnet is declared (for a subnet changed by a
	// step, where that change is written).
	Pos Pos
	vpc.Subnet
}

// Contains reports whether a lies in one of the subnet's blocks.
func (s *Subnet) Contains(a netip.Addr) bool {
	return s.CIDR.Contains(a) || (s.IPv6CIDR.IsValid() && s.IPv6CIDR.Contains(a))
}

// Interface is a network interface (ENI): the VPC model's
// [vpc.Interface] (its subnet, addresses, security groups, what the host
// answers, its connection-tracking timeouts) and where it is written.
//
// PrivateIPs holds at least one IPv4 address, the primary first;
// IPv6Addrs the IPv6 addresses, maybe none; Groups the ids of 1..16
// security groups in the file's order. A Tracking timeout left at zero
// means AWS's default; a set one is within AWS's range (CT-16).
type Interface struct {
	// Pos is where the interface is declared (for an interface changed by
	// a step, where that change is written).
	Pos Pos
	vpc.Interface
	// PrivateIPsPos, IPv6AddrsPos and GroupsPos say where each element of
	// PrivateIPs, IPv6Addrs and Groups is written (in the declaration or
	// change that last gave the list); as long as those slices.
	PrivateIPsPos, IPv6AddrsPos, GroupsPos []Pos
}

// Has reports whether a is one of the interface's addresses.
func (i *Interface) Has(a netip.Addr) bool {
	return slices.Contains(i.PrivateIPs, a) || slices.Contains(i.IPv6Addrs, a)
}

// Listens reports whether the host listens on port of protocol p.
func (i *Interface) Listens(p flow.Proto, port uint16) bool {
	return slices.Contains(i.Listening, vpc.Port{Proto: p, Port: port})
}

// StepKind says what a step does.
type StepKind uint8

// The step kinds.
const (
	// StepPacket sends one packet through the filters.
	StepPacket StepKind = iota + 1
	// StepConnect plays a connection attempt, client and host.
	StepConnect
	// StepChange changes the VPC.
	StepChange
)

// String returns "packet", "connect", "change", or "none" for the zero
// value.
func (k StepKind) String() string {
	switch k {
	case StepPacket:
		return "packet"
	case StepConnect:
		return "connect"
	case StepChange:
		return "change"
	}
	return "none"
}

// Step is one entry of the timeline.
type Step struct {
	// Pos is where the step is written (its first field).
	Pos Pos
	// At is the simulated time since the start; never less than the
	// previous step's.
	At time.Duration
	// Kind says which of Packet, Connect and Change is set.
	Kind StepKind
	// Packet is the packet to send (Kind == StepPacket). At least one of
	// its addresses is an interface's at this step, and not both are the
	// same interface's.
	Packet flow.Packet
	// Connect is the connection to attempt (Kind == StepConnect), with the
	// same guarantees about its addresses.
	Connect Connect
	// Change is the change to make (Kind == StepChange).
	Change Change
	// Expect is what the step should produce; nil when nothing is
	// checked. Never set on a change.
	Expect *Expect
}

// Input is the step's action as written: the packet, the connection, or
// for a change the ids of what it replaces, adds or modifies (groups,
// ACLs, subnets, interfaces, prefix lists, in that order).
func (s *Step) Input() string {
	switch s.Kind {
	case StepPacket:
		return s.Packet.String()
	case StepConnect:
		return s.Connect.String()
	}
	var ids []string
	c := &s.Change
	for _, x := range c.SecurityGroups {
		ids = append(ids, x.Group.ID)
	}
	for _, x := range c.NetworkACLs {
		ids = append(ids, x.ACL.ID)
	}
	for _, x := range c.Subnets {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Interfaces {
		ids = append(ids, x.ID)
	}
	for _, x := range c.PrefixLists {
		ids = append(ids, x.ID)
	}
	return strings.Join(ids, ", ")
}

// Connect is a connection attempt, a TCP handshake or a ping: the VPC
// model's [vpc.Dial] and where its text is written.
//
// Proto is flow.TCP, flow.ICMP (IPv4 addresses) or flow.ICMPv6 (IPv6
// addresses); Src is the client, Dst the host it connects to, both of one
// family. SrcPort is the client's port, 1..65535, or 0 to let the runner
// pick one from the Linux range 32768–60999; always 0 for ICMP. DstPort
// is the port connected to, 1..65535; 0 for ICMP.
type Connect struct {
	vpc.Dial
	// Pos is where the connect text is written; the zero Pos for one
	// that [ParseConnect] read.
	Pos Pos
}

// String renders the connect as written: "tcp 198.51.100.7 > 10.0.1.10:80".
func (c Connect) String() string {
	src := c.Src.String()
	if c.SrcPort != 0 {
		src = netip.AddrPortFrom(c.Src, c.SrcPort).String()
	}
	dst := c.Dst.String()
	if c.Proto == flow.TCP {
		dst = netip.AddrPortFrom(c.Dst, c.DstPort).String()
	}
	return c.Proto.String() + " " + src + " > " + dst
}

// Change is a set of replacements applied at once. Every entry is complete:
// security groups, network ACLs and prefix lists as written (they replace
// the whole object), subnets and interfaces with the fields the change did
// not mention filled in from before. An id that did not exist before adds
// the object.
type Change struct {
	// PrefixLists replace or add prefix lists; security group rules that
	// name them match the new entries.
	PrefixLists []PrefixList
	// SecurityGroups replace or add groups. Tracked connections survive
	// (SG-16, CT-13).
	SecurityGroups []SecurityGroup
	// NetworkACLs replace or add ACLs; the next packet meets the new rules
	// (NACL-29).
	NetworkACLs []NetworkACL
	// Subnets hold the changed or added subnets, complete.
	Subnets []Subnet
	// Interfaces hold the changed or added interfaces, complete; an
	// interface keeps its connection table whatever changes.
	Interfaces []Interface
	// Diffs says, for each security group and network ACL the change
	// replaced, which rules it added and which it removed, in the order
	// of SecurityGroups, then NetworkACLs; an object the change adds has
	// none.
	Diffs []RuleDiff
}

// RuleDiff is what a change did to the rules of a security group or a
// network ACL it replaced. A rule is the same when its text is (for a
// NACL rule, its number included); a rule moved from one place in the
// list to another is neither added nor removed.
type RuleDiff struct {
	// Kind is "security group" or "network ACL"; ID names the object.
	Kind, ID string
	// Added and Removed hold the rules as the words of an explanation
	// print them, each after its direction: "ingress 110 allow tcp
	// 1024-65535 0.0.0.0/0", "egress tcp 443 to 0.0.0.0/0".
	Added, Removed []string
}

// Empty reports whether the change left the rules as they were.
func (d *RuleDiff) Empty() bool { return len(d.Added)+len(d.Removed) == 0 }

// Outcome is how a connect ends: the VPC model's outcome, with the zero
// value OutcomeNone meaning "not checked" in an [Expect].
type Outcome = vpc.Outcome

// The outcomes.
const (
	// OutcomeNone: not checked.
	OutcomeNone Outcome = 0
	// Connected: the handshake completed (the ping was answered).
	Connected = vpc.Connected
	// Refused: the host answered with a RST that reached the client.
	Refused = vpc.Refused
	// Timeout: one of the handshake's packets was dropped by a filter.
	Timeout = vpc.Timeout
)

// RuleDefault is [Expect.Rule] for the `*` rule, the default deny of
// either family.
const RuleDefault = "*"

// Expect is the expectation of a packet or connect step. Each field is
// checked only when set; the zero value of a field means "not checked".
//
// On a packet step Outcome is never set. On a connect step Verdict and
// Conntrack are never set. Stage, ACL, Direction and Rule are about a drop:
// they are set only when Verdict is Drop (packets) or Outcome is Timeout
// (connects). Conntrack is set only when Verdict is Allow.
type Expect struct {
	// Pos is where the expectation is written.
	Pos Pos
	// Verdict is the expected verdict of a packet.
	Verdict flow.Verdict
	// Outcome is the expected outcome of a connect.
	Outcome Outcome
	// Stage is the stage that dropped: flow.StageNACL or flow.StageSG.
	Stage flow.StageKind
	// ACL is the id of the network ACL that dropped; it exists at the
	// step.
	ACL string
	// Direction is the direction of the stage that dropped; nil when not
	// checked.
	Direction *flow.Direction
	// Rule is the NACL rule that dropped, as [flow.Decision.RuleLabel]
	// prints it: a number 1..32766 in decimal, or "*" ([RuleDefault]).
	Rule string
	// Conntrack is the expected connection-tracking outcome of an
	// allowed packet, at the destination interface for a packet between
	// two interfaces; flow.CTNone when not checked.
	Conntrack flow.CTState
}
