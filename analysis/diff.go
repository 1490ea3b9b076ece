package analysis

import (
	"fmt"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// Relation says how a filter after a change compares with the filter
// before it.
type Relation uint8

// The relations.
const (
	// Equal: the two allow exactly the same packets.
	Equal Relation = iota
	// Wider: the new one allows everything the old one did, and more.
	Wider
	// Narrower: the new one allows only packets the old one did, and not
	// all of them.
	Narrower
	// Incomparable: each allows packets the other drops.
	Incomparable
)

var relationNames = [...]string{"equal", "more permissive", "less permissive", "incomparable"}

// String returns "equal", "more permissive", "less permissive" or
// "incomparable".
func (r Relation) String() string {
	if int(r) < len(relationNames) {
		return relationNames[r]
	}
	return "relation(" + fmt.Sprint(uint8(r)) + ")"
}

// MarshalText returns String's text.
func (r Relation) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func relation(added, removed bool) Relation {
	switch {
	case added && removed:
		return Incomparable
	case added:
		return Wider
	case removed:
		return Narrower
	}
	return Equal
}

// Difference is what a change does to one or more filters: how the new
// compares with the old, and every region of packets whose verdict
// changes, each with a packet that shows it.
type Difference struct {
	// Relation is the new filters' relation to the old ones, over all
	// the filters compared.
	Relation Relation `json:"relation"`
	// Changes lists the regions whose verdict changes.
	Changes []Change `json:"changes"`
}

// Change is one region of packets whose verdict a change flips.
type Change struct {
	// Where names the filter: "network ACL acl-web ingress",
	// "interface eni-web egress", "vpc".
	Where string `json:"where"`
	// Now is flow.Allow for packets the new filter allows and the old one
	// dropped, flow.Drop for the reverse.
	Now flow.Verdict `json:"now"`
	// Region is the packets.
	Region Region `json:"region"`
	// Old and New are the region's packet judged before and after, by
	// pfsim's evaluator, with its words.
	Old Check `json:"old"`
	New Check `json:"new"`
}

// String reads "now allowed: tcp 22 from 0.0.0.0/0 to 10.0.1.10 (vpc)".
func (c Change) String() string {
	what := "now allowed"
	if c.Now != flow.Allow {
		what = "now dropped"
	}
	return what + ": " + c.Region.String() + " (" + c.Where + ")"
}

// String renders the relation, then each change with its packet and
// the words before and after.
func (d Difference) String() string {
	var b strings.Builder
	b.WriteString(d.Relation.String())
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "\n%s\n  e.g. %s\n    before: %s\n    after:  %s", c, c.Old.Packet, c.Old.Why, c.New.Why)
	}
	return b.String()
}

// Diff compares two filters of the same kind (an ACL before and after a
// change, two interfaces, two VPCs): the packets the new one allows and
// the old one does not, and the reverse, region by region, each with a
// packet both evaluators judge.
func Diff(old, new *Filter) Difference {
	var d Difference
	d.add(old, new)
	return d
}

func (d *Difference) add(old, new *Filter) {
	h := new.hints
	if h == nil {
		h = old.hints
	}
	added := new.allowed.Minus(old.allowed)
	removed := old.allowed.Minus(new.allowed)
	for _, side := range []struct {
		s   Space
		now flow.Verdict
	}{{added, flow.Allow}, {removed, flow.Drop}} {
		for _, r := range side.s.regions(h, old.quiet.Intersect(new.quiet)) {
			d.Changes = append(d.Changes, Change{
				Where: new.name, Now: side.now, Region: r,
				Old: old.Evaluate(r.Packet), New: new.Evaluate(r.Packet),
			})
		}
	}
	d.Relation = combine(d.Relation, relation(!added.IsEmpty(), !removed.IsEmpty()))
}

// combine is the relation over two sets of filters.
func combine(a, b Relation) Relation {
	switch {
	case a == Equal:
		return b
	case b == Equal || a == b:
		return a
	}
	return Incomparable
}

// DiffACLs compares two network ACLs (usually one ACL before and after a
// change) in both directions.
func DiffACLs(old, new nacl.ACL) (Difference, error) {
	var d Difference
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		o, err := ACL(old, dir)
		if err != nil {
			return Difference{}, err
		}
		n, err := ACL(new, dir)
		if err != nil {
			return Difference{}, err
		}
		d.add(o, n)
	}
	return d, nil
}

// DiffGroups compares two sets of security groups (an interface's groups
// before and after a change) in both directions; r resolves references for
// both.
func DiffGroups(old, new []sg.Group, r sg.Resolver) (Difference, error) {
	var d Difference
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		o, err := Groups(old, r, dir)
		if err != nil {
			return Difference{}, err
		}
		n, err := Groups(new, r, dir)
		if err != nil {
			return Difference{}, err
		}
		d.add(o, n)
	}
	return d, nil
}

// DiffVPCs compares two VPCs (one before and after a change) as wholes:
// every packet with an interface at one end at least, as [vpc.VPC.Send]
// delivers it ([Model.VPC]). A packet one VPC cannot carry at all (its
// interface is gone) counts as dropped there.
func DiffVPCs(old, new *Model) Difference {
	return Diff(old.VPC(), new.VPC())
}
