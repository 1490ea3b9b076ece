package analysis

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// Shadowed is a network ACL rule that can never decide a packet: every
// packet it matches is matched first by rules with lower numbers
// (NACL-14, NACL-17).
type Shadowed struct {
	ACL       string         `json:"acl"`
	Direction flow.Direction `json:"direction"`
	// Rule is the shadowed rule, as text ("110 deny -1 198.51.100.66/32").
	Rule string `json:"rule"`
	// Number is its rule number.
	Number int `json:"number"`
	// CoveredBy lists earlier rules that together match every packet the
	// rule matches, none of them needless.
	CoveredBy []string `json:"covered_by"`
	// Conflict is set when a covering rule has the opposite action: the
	// rule says deny (allow) but an earlier rule allows (denies) some of
	// its packets, which is usually a mistake in the rule numbers
	// (TRACE-E).
	Conflict bool `json:"conflict"`
	// Empty is set when the rule matches no valid packet at all (an
	// ICMPv6 rule with an IPv4 CIDR, a CIDR of IPv4-mapped addresses):
	// no rule covers it, nothing can reach it.
	Empty bool `json:"empty,omitempty"`
}

// String reads "network ACL acl-web ingress rule 110 (110 deny -1
// 198.51.100.66/32) never matches: rule 100 (100 allow -1 0.0.0.0/0)
// matches all its packets first, with the opposite action".
func (s Shadowed) String() string {
	head := "network ACL " + s.ACL + " " + s.Direction.String() + " rule " + s.Rule
	if s.Empty {
		return head + " matches no packet at all"
	}
	verb := "matches"
	if len(s.CoveredBy) > 1 {
		verb = "match"
	}
	tail := ""
	if s.Conflict {
		tail = ", some with the opposite action"
	}
	return head + " never matches: " + strings.Join(s.CoveredBy, "; ") + " " + verb + " all its packets first" + tail
}

// ShadowedRules returns the rules of a, in both directions, that can
// never decide a packet, with the earlier rules that cover each. a need
// not be valid; rules with an invalid CIDR match nothing.
func ShadowedRules(a nacl.ACL) []Shadowed {
	var out []Shadowed
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		rules := aclRules(&a, dir)
		spaces := make([]Space, len(rules))
		var covered Space
		for i := range rules {
			spaces[i] = ruleMatch(&rules[i], dir)
			m := spaces[i]
			if m.IsEmpty() {
				out = append(out, Shadowed{ACL: a.ID, Direction: dir, Rule: rules[i].String(), Number: rules[i].Number, Empty: true})
				continue
			}
			if m.Subset(covered) {
				var cands []int
				for j := range i {
					if spaces[j].Overlaps(m) {
						cands = append(cands, j)
					}
				}
				cover := minimalCover(m, cands, spaces)
				s := Shadowed{ACL: a.ID, Direction: dir, Rule: rules[i].String(), Number: rules[i].Number}
				for _, j := range cover {
					s.CoveredBy = append(s.CoveredBy, "rule "+rules[j].String())
					if rules[j].Action != rules[i].Action {
						s.Conflict = true
					}
				}
				out = append(out, s)
			}
			covered = covered.Union(m)
		}
	}
	return out
}

// ruleMatch is the space of packets one ACL rule matches, whatever its
// action.
func ruleMatch(r *nacl.Rule, dir flow.Direction) Space {
	one := *r
	one.Action = nacl.Allow
	return Space{aclRuleSet([]nacl.Rule{one}, dir).build()}
}

// minimalCover drops candidates, last first, while the rest still cover
// m; what remains covers m and each member is needed. Going from the last,
// the candidates ahead of the one at hand are all still there, so their
// union is a prefix union computed once; those behind it that were kept
// are gathered as it goes.
func minimalCover(m Space, cands []int, spaces []Space) []int {
	ahead := make([]Space, len(cands)) // ahead[k]: the union of cands[:k]
	for k := 1; k < len(cands); k++ {
		ahead[k] = ahead[k-1].Union(spaces[cands[k-1]])
	}
	var keep []int
	var behind Space // the union of the kept candidates after the one at hand
	for k := len(cands) - 1; k >= 0; k-- {
		if m.Subset(ahead[k].Union(behind)) {
			continue
		}
		keep = append(keep, cands[k])
		behind = behind.Union(spaces[cands[k]])
	}
	slices.Reverse(keep)
	return keep
}

// RuleRef names a security group rule: its group, direction and position
// among the group's rules of that direction, from 1 as the console counts.
type RuleRef struct {
	Group     string         `json:"group"`
	Direction flow.Direction `json:"direction"`
	Index     int            `json:"index"`
	// Text is the rule: "tcp 80 from 0.0.0.0/0".
	Text string `json:"text"`
}

// String reads "sg-web ingress rule #2 (tcp 80 from 0.0.0.0/0)".
func (r RuleRef) String() string {
	return r.Group + " " + r.Direction.String() + " rule #" + strconv.Itoa(r.Index) + " (" + r.Text + ")"
}

// Redundant is a security group rule that allows nothing the other rules
// do not: removing it changes no packet's verdict (SG-13, SG-14). Groups
// have no order, so this is subsumption, not shadowing.
type Redundant struct {
	// Interface is set when the rule is redundant only among the groups
	// of this interface: other groups it carries cover the rule, which
	// may still count on an interface without them.
	Interface string  `json:"interface,omitempty"`
	Rule      RuleRef `json:"rule"`
	// CoveredBy lists other rules that together allow all it allows, none
	// of them needless.
	CoveredBy []RuleRef `json:"covered_by"`
	// Tracking is set when the rule's peer is 0.0.0.0/0 or ::/0: such a
	// rule can still decide whether a flow is tracked (CT-3), so removing
	// it may change how connections behave though no verdict of a new
	// flow changes.
	Tracking bool `json:"tracking,omitempty"`
}

// String reads "sg-web ingress rule #3 (tcp 443 from 10.0.0.0/8) allows
// nothing more than sg-web ingress rule #1 (tcp 443 from 0.0.0.0/0)".
func (r Redundant) String() string {
	parts := make([]string, len(r.CoveredBy))
	for i, c := range r.CoveredBy {
		parts[i] = c.String()
	}
	s := r.Rule.String()
	if r.Interface != "" {
		s = "on interface " + r.Interface + ", " + s
	}
	if len(parts) == 0 {
		s += " allows nothing at all"
	} else {
		s += " allows nothing more than " + strings.Join(parts, " with ")
	}
	if r.Tracking {
		s += " (it may still keep flows untracked, CT-3)"
	}
	return s
}

// RedundantRules returns the rules of groups (those of one interface, or a
// single group) that other rules make needless, direction by direction.
// Rules are taken in order, groups then rules; a rule is redundant if the
// rules not yet found redundant cover it, so that all of them can be
// removed at once without changing any verdict. r resolves references, as
// for [Groups].
func RedundantRules(groups []sg.Group, r sg.Resolver) []Redundant {
	var out []Redundant
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		var refs []RuleRef
		var spaces []Space
		var rules []sg.Rule
		for gi := range groups {
			for ri, rule := range groups[gi].Rules(dir) {
				refs = append(refs, RuleRef{Group: groups[gi].ID, Direction: dir, Index: ri + 1, Text: rule.Text(dir)})
				one := sg.Group{ID: groups[gi].ID}
				if dir == flow.Egress {
					one.Egress = []sg.Rule{rule}
				} else {
					one.Ingress = []sg.Rule{rule}
				}
				spaces = append(spaces, Space{sgRuleSet([]sg.Group{one}, r, dir).build()})
				rules = append(rules, rule)
			}
		}
		removed := make([]bool, len(spaces))
		for i := range spaces {
			var others []int
			var rest Space
			for j := range spaces {
				if j != i && !removed[j] {
					others = append(others, j)
					rest = rest.Union(spaces[j])
				}
			}
			if !spaces[i].Subset(rest) {
				continue
			}
			removed[i] = true
			var cands []int
			for _, j := range others {
				if spaces[j].Overlaps(spaces[i]) {
					cands = append(cands, j)
				}
			}
			red := Redundant{Rule: refs[i], Tracking: rules[i].CIDR.IsValid() && rules[i].CIDR.Bits() == 0}
			for _, j := range minimalCover(spaces[i], cands, spaces) {
				red.CoveredBy = append(red.CoveredBy, refs[j])
			}
			out = append(out, red)
		}
	}
	return out
}

// Shadowed returns the shadowed rules of every network ACL of the VPC,
// ACLs in id order.
func (m *Model) Shadowed() []Shadowed {
	var out []Shadowed
	for _, id := range sortedKeys(m.acls) {
		out = append(out, ShadowedRules(*m.acls[id])...)
	}
	return out
}

// Redundant returns the security group rules of the VPC that others make
// needless: first within each group (groups in id order), then, for each
// interface, the rules its other groups cover (those marked with the
// interface). References resolve in the VPC.
func (m *Model) Redundant() []Redundant {
	var out []Redundant
	for _, id := range sortedKeys(m.groups) {
		out = append(out, RedundantRules([]sg.Group{*m.groups[id]}, m.res)...)
	}
	for _, id := range m.Interfaces() {
		itf := m.ifaces[id]
		if len(itf.Groups) < 2 {
			continue
		}
		for _, r := range RedundantRules(m.groupsOf(itf), m.res) {
			if slices.ContainsFunc(out, func(x Redundant) bool { return x.Interface == "" && x.Rule == r.Rule }) {
				continue // redundant within its own group already
			}
			r.Interface = id
			out = append(out, r)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
