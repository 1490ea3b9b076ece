package nacl

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pfsim/pfsim/flow"
)

// ACL is a network ACL as plain data: an id and two lists of numbered
// rules (NACL-2). The lists may be in any order; rule numbers decide
// (NACL-14). The `*` rules are implicit: they are never listed (NACL-15).
type ACL struct {
	// ID names the ACL ("acl-0a1b2c3d", "acl-web"). Must not be empty.
	ID string
	// Ingress holds the inbound rules: traffic entering the subnet,
	// matched on its source address.
	Ingress []Rule
	// Egress holds the outbound rules: traffic leaving the subnet,
	// matched on its destination address.
	Egress []Rule
}

// Default returns the rules of a VPC's default network ACL (NACL-22,
// NACL-23) in each direction: 100 allows all IPv4 traffic, 101 all IPv6
// traffic, then the implicit `*` rules deny the rest. AWS adds rule 101
// only to VPCs with an IPv6 CIDR block (NACL-24); pfsim always includes
// it, so the default ACL lets every packet through, as AWS's does.
func Default(id string) ACL {
	rules := func() []Rule {
		return []Rule{
			{Number: 100, Action: Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
			{Number: 101, Action: Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("::/0")},
		}
	}
	return ACL{ID: id, Ingress: rules(), Egress: rules()}
}

// Custom returns a new custom network ACL: it has no numbered rules, so
// the `*` rules deny all traffic in both directions "until you add rules"
// (NACL-25).
func Custom(id string) ACL { return ACL{ID: id} }

// rules returns the list of dir: Egress for Egress, Ingress for anything
// else (as flow.Direction.String reads an out-of-range value).
func (a *ACL) rules(dir flow.Direction) []Rule {
	if dir == flow.Egress {
		return a.Egress
	}
	return a.Ingress
}

// directions lists the two directions in the order reports use.
var directions = [2]flow.Direction{flow.Ingress, flow.Egress}

// Field names used in [RuleError.Field]: Terraform's argument names
// (aws_network_acl blocks), which scenario files use too.
const (
	FieldID            = "id"
	FieldRuleNo        = "rule_no"
	FieldAction        = "action"
	FieldProtocol      = "protocol"
	FieldCIDRBlock     = "cidr_block"
	FieldIPv6CIDRBlock = "ipv6_cidr_block"
	FieldFromPort      = "from_port"
	FieldToPort        = "to_port"
	FieldICMPType      = "icmp_type"
	FieldICMPCode      = "icmp_code"
)

// RuleError is one problem [ACL.Validate] found. Validate returns every
// problem of an ACL joined with [errors.Join]; each is a *RuleError, so
// [errors.As] finds the first one and a loop over the joined errors'
// Unwrap() []error finds them all.
type RuleError struct {
	// ACL is the ACL's id (empty when the id itself is missing).
	ACL string
	// Direction is the list the rule is in.
	Direction flow.Direction
	// Number is the rule's number as given (it may be the bad field).
	Number int
	// Index is the rule's position in its list (ACL.Ingress or
	// ACL.Egress), from 0; -1 when the problem is the ACL's, not a rule's.
	Index int
	// Field is the Terraform name of the bad field: one of the Field*
	// constants.
	Field string
	// Value is the bad value as text; empty when the field is missing.
	Value string
	// Err says what is wrong ("must be 0..65535").
	Err error
}

// Error reads like "nacl acl-public ingress rule_no 32767: must be
// 1..32766" or "nacl acl-web egress rule 100: from_port 70000: must be
// 0..65535".
func (e *RuleError) Error() string {
	s := "nacl"
	if e.ACL != "" {
		s += " " + e.ACL
	}
	if e.Index < 0 {
		return s + ": " + fieldText(e.Field, e.Value, e.Err)
	}
	s += " " + e.Direction.String()
	if e.Field == FieldRuleNo {
		return s + " rule_no " + strconv.Itoa(e.Number) + ": " + errText(e.Err)
	}
	return s + " rule " + strconv.Itoa(e.Number) + ": " + fieldText(e.Field, e.Value, e.Err)
}

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }

func fieldText(field, value string, err error) string {
	if value == "" {
		return field + ": " + errText(err)
	}
	return field + " " + value + ": " + errText(err)
}

func errText(err error) string {
	if err == nil {
		return "invalid"
	}
	return err.Error()
}

// problem is one bad field of a rule, before it is placed in an ACL.
type problem struct {
	field, value string
	err          error
}

func (p problem) text() string { return fieldText(p.field, p.value, p.err) }

// Why a field is wrong. They are not exported: [RuleError.Field] says
// which check failed, Err only words it.
var (
	errRuleNo     = errors.New("must be 1..32766")
	errAction     = errors.New("must be allow or deny")
	errProtocol   = errors.New("must be -1 (all) or 0..255")
	errNoCIDR     = errors.New("must be set: give an IPv4 cidr_block or an IPv6 ipv6_cidr_block")
	errPort       = errors.New("must be 0..65535")
	errICMP       = errors.New("must be -1 (any) or 0..255")
	errCodeForAll = errors.New("must be -1 when icmp_type is -1 (any type means any code)")
)

// checkRule returns the problems of one rule on its own (not duplicates).
// Fields the protocol ignores are not checked, since AWS disregards
// whatever ports, ICMP types or codes such a rule is given (NACL-11).
func checkRule(r *Rule) []problem {
	var ps []problem
	add := func(field string, value int, err error) {
		ps = append(ps, problem{field, strconv.Itoa(value), err})
	}
	if r.Number < 1 || r.Number > 32766 { // NACL-1
		add(FieldRuleNo, r.Number, errRuleNo)
	}
	if !r.Action.Valid() { // NACL-4
		add(FieldAction, int(r.Action), errAction)
	}
	if !r.Protocol.Valid() { // NACL-3
		add(FieldProtocol, int(r.Protocol), errProtocol)
	}
	switch { // NACL-5
	case !r.CIDR.Addr().IsValid():
		ps = append(ps, problem{FieldCIDRBlock, "", errNoCIDR})
	case !r.CIDR.IsValid():
		ps = append(ps, problem{cidrField(r), r.CIDR.Addr().String(), fmt.Errorf("prefix length must be 0..%d", r.CIDR.Addr().BitLen())})
	}
	if r.HasPorts() { // NACL-6
		if r.FromPort < 0 || r.FromPort > 65535 {
			add(FieldFromPort, r.FromPort, errPort)
		}
		if r.ToPort < 0 || r.ToPort > 65535 {
			add(FieldToPort, r.ToPort, errPort)
		} else if r.FromPort >= 0 && r.FromPort <= 65535 && r.ToPort < r.FromPort {
			add(FieldToPort, r.ToPort, fmt.Errorf("must not be below from_port %d", r.FromPort))
		}
	}
	if r.HasICMP() { // NACL-7
		typeOK := r.ICMPType >= -1 && r.ICMPType <= 255
		if !typeOK {
			add(FieldICMPType, r.ICMPType, errICMP)
		}
		switch {
		case r.ICMPCode < -1 || r.ICMPCode > 255:
			add(FieldICMPCode, r.ICMPCode, errICMP)
		case r.ICMPType == -1 && r.ICMPCode != -1: // IN-24
			add(FieldICMPCode, r.ICMPCode, errCodeForAll)
		}
	}
	return ps
}

// cidrField names the CIDR field of r's family.
func cidrField(r *Rule) string {
	if r.Is6() {
		return FieldIPv6CIDRBlock
	}
	return FieldCIDRBlock
}

// Validate checks every rule of a and returns all problems joined with
// [errors.Join], each a [*RuleError]; nil when a is valid. It checks:
//
//   - the id is not empty;
//   - rule_no is 1..32766 (NACL-1) and unique within its direction (the
//     same number may serve one ingress and one egress rule);
//   - action is allow or deny (NACL-4); protocol is -1 or 0..255 (NACL-3);
//   - the CIDR is set and valid (NACL-5); host bits are allowed (see
//     [ACL.Warnings]);
//   - for TCP and UDP, from_port and to_port are 0..65535 and
//     from_port <= to_port (NACL-6);
//   - where ICMP fields count ([Rule.HasICMP]), icmp_type and icmp_code
//     are -1..255, and a type of -1 has a code of -1. This last check is
//     Terraform's (IN-24); it is pfsim's choice to enforce it, so that
//     "-1" always means "every type and every code" (IN-27) and the
//     matching formula of NACL-12 never meets a type -1 with a specific
//     code.
//
// Fields the protocol ignores (NACL-11) are not checked.
func (a *ACL) Validate() error {
	var errs []error
	if a.ID == "" {
		errs = append(errs, &RuleError{Index: -1, Field: FieldID, Err: errors.New("must not be empty")})
	}
	for _, dir := range directions {
		rules := a.rules(dir)
		first := make(map[int]int, len(rules)) // rule number -> index of its first use
		for i := range rules {
			r := &rules[i]
			for _, p := range checkRule(r) {
				errs = append(errs, &RuleError{ACL: a.ID, Direction: dir, Number: r.Number, Index: i, Field: p.field, Value: p.value, Err: p.err})
			}
			if j, dup := first[r.Number]; dup {
				errs = append(errs, &RuleError{
					ACL: a.ID, Direction: dir, Number: r.Number, Index: i, Field: FieldRuleNo, Value: strconv.Itoa(r.Number),
					Err: fmt.Errorf("used by the %s rules at index %d and %d: numbers are unique per direction", dir, j, i),
				})
			} else {
				first[r.Number] = i
			}
		}
	}
	return errors.Join(errs...)
}

// Quotas on rules per network ACL, per direction and per address family
// (NACL-32). AWS counts the `*` rule of the family in them.
const (
	QuotaRulesDefault = 20
	QuotaRulesMax     = 40
)

// Warning is one thing [ACL.Warnings] finds that AWS would object to or
// change.
type Warning struct {
	// Direction and Index name the rule it is about: its index in
	// a.Ingress or a.Egress. Index is -1 for a warning about a whole
	// direction (a quota).
	Direction flow.Direction
	Index     int
	// Msg is the warning, a sentence naming the ACL and the rule.
	Msg string
}

// String returns w.Msg.
func (w Warning) String() string { return w.Msg }

// Warnings returns what AWS would object to or change in a, though pfsim
// accepts it, one sentence each, in a fixed order:
//
//   - a direction with more than [QuotaRulesDefault] rules of one family
//     (or more than [QuotaRulesMax], the most AWS grants). The count
//     includes the family's `*` rule, as AWS's quota does (NACL-32), so 20
//     numbered IPv4 ingress rules already make 21. Only a warning,
//     since a quota belongs to the account and can be raised (a pfsim
//     choice).
//   - a CIDR with host bits set, which AWS accepts as its network:
//     10.0.0.1/24 is stored as 10.0.0.0/24 (NACL-5, IN-15); [Compile]
//     does the same.
func (a *ACL) Warnings() []Warning {
	var ws []Warning
	for _, dir := range directions {
		rules := a.rules(dir)
		var n4, n6 int
		for i := range rules {
			if !rules[i].CIDR.IsValid() {
				continue
			}
			if rules[i].Is6() {
				n6++
			} else {
				n4++
			}
		}
		for _, c := range [2]struct {
			family string
			n      int
		}{{"IPv4", n4 + 1}, {"IPv6", n6 + 1}} {
			switch {
			case c.n > QuotaRulesMax:
				ws = append(ws, Warning{dir, -1, fmt.Sprintf("nacl %s %s: %d %s rules counting the * rule, over AWS's maximum quota of %d per direction and family (NACL-32)",
					a.ID, dir, c.n, c.family, QuotaRulesMax)})
			case c.n > QuotaRulesDefault:
				ws = append(ws, Warning{dir, -1, fmt.Sprintf("nacl %s %s: %d %s rules counting the * rule, over AWS's default quota of %d per direction and family; it can be raised to %d (NACL-32)",
					a.ID, dir, c.n, c.family, QuotaRulesDefault, QuotaRulesMax)})
			}
		}
		for i := range rules {
			r := &rules[i]
			if r.CIDR.IsValid() && r.CIDR != r.CIDR.Masked() {
				ws = append(ws, Warning{dir, i, fmt.Sprintf("nacl %s %s rule %d: %s %s has host bits set; accepted as %s, as AWS does (NACL-5)",
					a.ID, dir, r.Number, cidrField(r), r.CIDR, r.CIDR.Masked())})
			}
		}
	}
	return ws
}
