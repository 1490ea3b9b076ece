package sg

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pfsim/pfsim/flow"
)

// Rule is one security group rule of one direction, as plain data. AWS's
// IpPermission with several peers, or a Terraform block with several
// cidr_blocks, expands into one Rule per peer (IN-1, IN-16).
//
// Which fields matter depends on the protocol (SG-3, SG-8..SG-10):
//
//	Protocol                  FromPort            ToPort
//	-1 (flow.AnyProtocol)     ignored             ignored            every protocol, port and ICMP type
//	tcp (6), udp (17)         first port 0..65535 last port 0..65535 the packet's destination port
//	icmp (1), icmpv6 (58)     type, -1 = any      code, -1 = any     the packet's ICMP type and code
//	any other number          ignored             ignored            every packet of that protocol
//
// An ICMPv6 rule written without ports (all types and codes, IN-4) is
// FromPort = ToPort = -1 here; the zero value 0/0 means type 0, code 0.
type Rule struct {
	// Protocol is flow.AnyProtocol (-1) or an IANA protocol number 0..255
	// (SG-2).
	Protocol flow.Protocol
	// FromPort and ToPort are the inclusive destination port range for TCP
	// and UDP (SG-9), or the ICMP type and code (SG-4, SG-10).
	FromPort, ToPort int

	// The peer: exactly one of CIDR, PrefixList and Group is set (SG-5).
	// It is the source of an inbound rule and the destination of an
	// outbound rule (SG-11).

	// CIDR is an IPv4 or IPv6 prefix; a single address is a /32 or /128.
	// Host bits are ignored for matching ([Warnings] reports them).
	CIDR netip.Prefix
	// PrefixList is a prefix list id, e.g. "pl-office"; its entries come
	// from the [Resolver] given to [Compile].
	PrefixList string
	// Group is a referenced security group id: the rule matches the private
	// addresses of every interface that carries it (SG-19, SG-20). A self
	// reference names the group the rule belongs to (SG-21).
	Group string

	// Description is free text of up to 255 characters; it has no effect
	// on matching (SG-7).
	Description string
}

// Group is a security group: an id and its inbound (Ingress) and outbound
// (Egress) rules. There is no action field and no order: every rule allows,
// and a packet is allowed if any rule of its direction matches (SG-6,
// SG-13, NOT-3). Group is plain data; [Compile] turns the groups of one
// interface into a fast [Set].
type Group struct {
	// ID is the group id, e.g. "sg-web". It must not be empty.
	ID string
	// Ingress holds the inbound rules, Egress the outbound rules.
	Ingress, Egress []Rule
}

// Rules returns the group's rules of direction dir: Ingress or Egress.
func (g *Group) Rules(dir flow.Direction) []Rule {
	if dir == flow.Egress {
		return g.Egress
	}
	return g.Ingress
}

// String renders the rule with the neutral word "peer" in place of
// "from"/"to", e.g. "tcp 80 peer 0.0.0.0/0". Use [Rule.Text] when the
// direction is known.
func (r Rule) String() string { return r.text("peer") }

// Text renders the rule as read in direction dir: "tcp 80 from 0.0.0.0/0",
// "tcp 5432 from sg-web", "-1 to 0.0.0.0/0",
// "icmp type 8 code -1 from 192.0.2.0/24", "icmp all from 0.0.0.0/0",
// "tcp 1024-65535 to pl-office", "gre from 10.0.0.0/8".
func (r Rule) Text(dir flow.Direction) string {
	if dir == flow.Egress {
		return r.text("to")
	}
	return r.text("from")
}

func (r Rule) text(word string) string {
	var b strings.Builder
	b.WriteString(r.Protocol.String())
	switch {
	case r.Protocol == flow.AnyProtocol:
	case isPorted(r.Protocol):
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(r.FromPort))
		if r.ToPort != r.FromPort {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.ToPort))
		}
	case isICMP(r.Protocol):
		if r.FromPort == -1 && r.ToPort == -1 {
			b.WriteString(" all")
			break
		}
		b.WriteString(" type ")
		b.WriteString(strconv.Itoa(r.FromPort))
		b.WriteString(" code ")
		b.WriteString(strconv.Itoa(r.ToPort))
	}
	b.WriteByte(' ')
	b.WriteString(word)
	b.WriteByte(' ')
	b.WriteString(r.peerText())
	return b.String()
}

// peerText names the rule's peer; a rule without one (invalid) says so.
func (r Rule) peerText() string {
	switch {
	case r.CIDR != (netip.Prefix{}):
		if !r.CIDR.IsValid() {
			return r.CIDR.Addr().String() + "/?"
		}
		return r.CIDR.String()
	case r.PrefixList != "":
		return r.PrefixList
	case r.Group != "":
		return r.Group
	}
	return "(no peer)"
}

func isPorted(p flow.Protocol) bool {
	return p == flow.Protocol(flow.TCP) || p == flow.Protocol(flow.UDP)
}

func isICMP(p flow.Protocol) bool {
	return p == flow.Protocol(flow.ICMP) || p == flow.Protocol(flow.ICMPv6)
}

// MaxDescription is the longest rule description AWS accepts, in
// characters (SG-7).
const MaxDescription = 255

// RuleQuota is AWS's default quota of inbound or outbound rules per
// security group, counted separately for IPv4 and IPv6 (SG-25). Exceeding
// it is a warning, not an error: the quota is adjustable.
const RuleQuota = 60

// MaxGroups is the most security groups one interface can carry (SG-26).
const MaxGroups = 16

// Errors that [RuleError] and [Compile] wrap; test them with [errors.Is].
var (
	// ErrGroupCount: an interface carries 1..16 security groups (SG-26).
	ErrGroupCount = errors.New("an interface carries 1..16 security groups (SG-26)")
	// ErrDuplicateGroup: the same group id was given twice to Compile.
	ErrDuplicateGroup = errors.New("attached to the interface more than once")
	// ErrUnknownGroup: a rule references a group the Resolver does not
	// know (IN-5).
	ErrUnknownGroup = errors.New("unknown security group")
	// ErrUnknownPrefixList: a rule names a prefix list the Resolver does
	// not know.
	ErrUnknownPrefixList = errors.New("unknown prefix list")
)

// RuleError reports one invalid field of a security group rule, or of the
// group itself (Index -1). Field uses Terraform's argument names: id,
// protocol, from_port, to_port, cidr_blocks, ipv6_cidr_blocks,
// prefix_list_ids, security_groups, description; and "peer" when a rule
// has no peer or several (SG-5), since no single argument is at fault.
type RuleError struct {
	// Group is the id of the group the rule belongs to.
	Group string
	// Direction is the direction of the rule (ignored when Index is -1).
	Direction flow.Direction
	// Index is the rule's position among the group's rules of Direction,
	// counted from 0, as in [Match.Rule]; -1 for an error about the group.
	Index int
	// Field names the offending field.
	Field string
	// Value is the offending value as text, or empty.
	Value string
	// Err says what is wrong.
	Err error
}

// Error renders the error as
// "security group sg-web ingress rule 2: to_port 70000: must be 0..65535".
func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString("security group ")
	if e.Group == "" {
		b.WriteString("(no id)")
	} else {
		b.WriteString(e.Group)
	}
	if e.Index >= 0 {
		b.WriteByte(' ')
		b.WriteString(e.Direction.String())
		b.WriteString(" rule ")
		b.WriteString(strconv.Itoa(e.Index))
	}
	b.WriteString(": ")
	b.WriteString(e.Field)
	if e.Value != "" {
		b.WriteByte(' ')
		b.WriteString(e.Value)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }

// Validate checks the group: a non-empty id, and for each rule a valid
// protocol, ports or ICMP type/code within range, exactly one valid peer
// and a description of at most 255 characters. It returns nil or every
// problem found, each a *[RuleError], joined with [errors.Join].
//
// Validate cannot know whether referenced groups and prefix lists exist;
// [Compile] checks that with its [Resolver].
func (g *Group) Validate() error {
	var errs []error
	if g.ID == "" {
		errs = append(errs, &RuleError{Index: -1, Field: "id", Err: errors.New("must not be empty")})
	}
	for _, dir := range [...]flow.Direction{flow.Ingress, flow.Egress} {
		for i, r := range g.Rules(dir) {
			errs = r.validate(errs, func(field, value, msg string) error {
				return &RuleError{Group: g.ID, Direction: dir, Index: i, Field: field, Value: value, Err: errors.New(msg)}
			})
		}
	}
	return errors.Join(errs...)
}

// validate appends the rule's problems to errs; mk builds one error.
func (r *Rule) validate(errs []error, mk func(field, value, msg string) error) []error {
	itoa := strconv.Itoa
	switch {
	case !r.Protocol.Valid():
		errs = append(errs, mk("protocol", itoa(int(r.Protocol)), "must be -1 (all) or a protocol number 0..255"))
	case isPorted(r.Protocol):
		okFrom := r.FromPort >= 0 && r.FromPort <= 65535
		okTo := r.ToPort >= 0 && r.ToPort <= 65535
		if !okFrom {
			errs = append(errs, mk("from_port", itoa(r.FromPort), "must be 0..65535"))
		}
		if !okTo {
			errs = append(errs, mk("to_port", itoa(r.ToPort), "must be 0..65535"))
		}
		if okFrom && okTo && r.FromPort > r.ToPort {
			errs = append(errs, mk("to_port", itoa(r.ToPort), "must not be below from_port "+itoa(r.FromPort)))
		}
	case isICMP(r.Protocol):
		if r.FromPort < -1 || r.FromPort > 255 {
			errs = append(errs, mk("from_port", itoa(r.FromPort), "ICMP type must be -1 (all) or 0..255"))
		}
		if r.ToPort < -1 || r.ToPort > 255 {
			errs = append(errs, mk("to_port", itoa(r.ToPort), "ICMP code must be -1 (all) or 0..255"))
		} else if r.FromPort == -1 && r.ToPort != -1 {
			errs = append(errs, mk("to_port", itoa(r.ToPort), "ICMP code must be -1 when the type (from_port) is -1 (SG-4)"))
		}
	}

	var set []string
	if r.CIDR != (netip.Prefix{}) {
		set = append(set, cidrField(r.CIDR))
	}
	if r.PrefixList != "" {
		set = append(set, "prefix_list_ids")
	}
	if r.Group != "" {
		set = append(set, "security_groups")
	}
	switch len(set) {
	case 0:
		errs = append(errs, mk("peer", "", "none of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups is set: a rule has exactly one peer (SG-5)"))
	case 1:
	default:
		errs = append(errs, mk("peer", "", strings.Join(set, " and ")+" are set together: a rule has exactly one peer (SG-5)"))
	}
	if r.CIDR != (netip.Prefix{}) && !r.CIDR.IsValid() {
		errs = append(errs, mk(cidrField(r.CIDR), r.CIDR.Addr().String(), "prefix length out of range"))
	}
	if n := utf8.RuneCountInString(r.Description); n > MaxDescription {
		errs = append(errs, mk("description", "", itoa(n)+" characters: at most 255 (SG-7)"))
	}
	return errs
}

// cidrField is the Terraform argument a prefix of p's family belongs in.
func cidrField(p netip.Prefix) string {
	if p.Addr().Is6() {
		return "ipv6_cidr_blocks"
	}
	return "cidr_blocks"
}

// Warning is one thing [Warnings] finds legal but suspicious in a group.
type Warning struct {
	// Direction and Index name the rule it is about: its index in
	// g.Rules(Direction). Index is -1 for a warning about a whole
	// direction (a quota).
	Direction flow.Direction
	Index     int
	// Msg is the warning, a sentence naming the group and the rule.
	Msg string
}

// String returns w.Msg.
func (w Warning) String() string { return w.Msg }

// Warnings returns what is legal but suspicious in g, one sentence each:
//
//   - more than [RuleQuota] (60) rules of one direction and one address
//     family, AWS's default quota (SG-25). A CIDR rule counts for its
//     family; a prefix list or group reference counts for both, as one rule
//     (pfsim cannot see a prefix list's maximum size, which AWS counts,
//     SG-28);
//   - a CIDR with host bits set ("10.0.1.5/24"): it matches as 10.0.1.0/24;
//   - an icmp rule with an IPv6 CIDR or an icmpv6 rule with an IPv4 CIDR,
//     which can never match;
//   - a rule given twice in one direction (descriptions aside): AWS refuses
//     the copy (SG-13a), which changes no verdict.
//
// Warnings does not repeat the errors of [Group.Validate].
func Warnings(g *Group) []Warning {
	var out []Warning
	for _, dir := range [...]flow.Direction{flow.Ingress, flow.Egress} {
		var n4, n6 int
		first := map[string]int{} // a rule's meaning → its first index
		for i, r := range g.Rules(dir) {
			where := "security group " + g.ID + " " + dir.String() + " rule " + strconv.Itoa(i) + ": "
			if j, ok := first[r.String()]; ok {
				out = append(out, Warning{dir, i, where + "the same rule as rule " + strconv.Itoa(j) + " (" + r.Text(dir) +
					"); AWS refuses a duplicate, and the copy changes no verdict (SG-13a)"})
			} else {
				first[r.String()] = i
			}
			switch {
			case r.CIDR.IsValid() && r.CIDR.Addr().Is4():
				n4++
			case r.CIDR.IsValid():
				n6++
			default:
				n4++
				n6++
			}
			if r.CIDR.IsValid() && r.CIDR.Masked() != r.CIDR {
				out = append(out, Warning{dir, i, where + cidrField(r.CIDR) + " " + r.CIDR.String() + " has host bits set; it matches as " + r.CIDR.Masked().String()})
			}
			if r.CIDR.IsValid() {
				v6 := r.CIDR.Addr().Is6()
				if r.Protocol == flow.Protocol(flow.ICMP) && v6 || r.Protocol == flow.Protocol(flow.ICMPv6) && !v6 {
					out = append(out, Warning{dir, i, where + r.Protocol.String() + " with " + cidrField(r.CIDR) + " " + r.CIDR.String() + " never matches"})
				}
			}
		}
		for _, c := range [...]struct {
			n   int
			fam string
		}{{n4, "IPv4"}, {n6, "IPv6"}} {
			if c.n > RuleQuota {
				out = append(out, Warning{dir, -1, "security group " + g.ID + ": " + strconv.Itoa(c.n) + " " + dir.String() + " " + c.fam +
					" rules: more than AWS's default quota of " + strconv.Itoa(RuleQuota) + " per direction and family (SG-25)"})
			}
		}
	}
	return out
}
