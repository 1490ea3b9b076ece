package analysis

import (
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
)

// Needless is a network ACL rule that matches packets but changes no
// verdict: every packet it decides, the rules after it decide the same
// way, down to the default rule * (NACL-14, NACL-17). Removing it, and
// every other rule reported shadowed or needless with it, leaves the ACL
// deciding every packet as before.
type Needless struct {
	ACL       string         `json:"acl"`
	Direction flow.Direction `json:"direction"`
	// Rule is the needless rule, as text ("100 allow tcp 80 0.0.0.0/0").
	Rule string `json:"rule"`
	// Number is its rule number.
	Number int `json:"number"`
	// DecidedBy lists the later rules that would decide its packets
	// without it: "rule 200 allow -1 0.0.0.0/0", or "rule * (default
	// deny)".
	DecidedBy []string `json:"decided_by"`
}

// String reads "network ACL acl-web ingress rule 100 allow tcp 80
// 0.0.0.0/0 changes no verdict: without it, rule 200 allow -1 0.0.0.0/0
// decides its packets the same way".
func (n Needless) String() string {
	verb := "decides"
	if len(n.DecidedBy) > 1 {
		verb = "decide"
	}
	return "network ACL " + n.ACL + " " + n.Direction.String() + " rule " + n.Rule +
		" changes no verdict: without it, " + strings.Join(n.DecidedBy, "; ") + " " + verb + " its packets the same way"
}

// defaultDeny names the rule every ACL ends with.
const defaultDeny = "rule * (default deny)"

// NeedlessRules returns the rules of a, in both directions, that match
// packets but whose removal changes no verdict, with the later rules that
// would decide their packets. The rules [ShadowedRules] reports are left
// out and taken as removed, so that all the rules the two report can go
// at once. a need not be valid; rules with an invalid CIDR match nothing.
func NeedlessRules(a nacl.ACL) []Needless {
	var out []Needless
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		rules := aclRules(&a, dir)
		// The rules that can match, with what each matches.
		var kept []int
		var spaces []Space
		var seen Space
		for i := range rules {
			m := ruleMatch(&rules[i], dir)
			if m.IsEmpty() || m.Subset(seen) {
				continue // shadowed: reported there, and gone
			}
			seen = seen.Union(m)
			kept = append(kept, i)
			spaces = append(spaces, m)
		}
		// before[k]: what the kept rules ahead of kept[k] match.
		before := make([]Space, len(kept))
		for k := 1; k < len(kept); k++ {
			before[k] = before[k-1].Union(spaces[k-1])
		}
		// From the last rule up: after is what the kept rules behind the
		// one at hand allow; a needless rule is dropped from it.
		var after Space
		var behind []int // kept rules behind the one at hand, in order
		var found []Needless
		for k := len(kept) - 1; k >= 0; k-- {
			r := &rules[kept[k]]
			decides := spaces[k].Minus(before[k])
			allow := r.Action == nacl.Allow
			same := decides.Subset(after)
			if !allow {
				same = !decides.Overlaps(after)
			}
			if same {
				found = append(found, Needless{ACL: a.ID, Direction: dir, Rule: r.String(), Number: r.Number,
					DecidedBy: deciders(decides, behind, rules, kept, spaces)})
				continue
			}
			if allow {
				after = spaces[k].Union(after)
			} else {
				after = after.Minus(spaces[k])
			}
			behind = append([]int{k}, behind...)
		}
		for i := len(found) - 1; i >= 0; i-- {
			out = append(out, found[i]) // in rule order
		}
	}
	return out
}

// deciders names the rules among behind (indexes into kept, in order)
// that first match some packet of d, and the default rule if none
// matches some.
func deciders(d Space, behind []int, rules []nacl.Rule, kept []int, spaces []Space) []string {
	var out []string
	left := d
	for _, k := range behind {
		if left.IsEmpty() {
			break
		}
		if spaces[k].Overlaps(left) {
			out = append(out, "rule "+rules[kept[k]].String())
			left = left.Minus(spaces[k])
		}
	}
	if !left.IsEmpty() {
		out = append(out, defaultDeny)
	}
	return out
}

// Needless returns the needless rules of every network ACL of the VPC,
// ACLs in id order.
func (m *Model) Needless() []Needless {
	var out []Needless
	for _, id := range sortedKeys(m.acls) {
		out = append(out, NeedlessRules(*m.acls[id])...)
	}
	return out
}
