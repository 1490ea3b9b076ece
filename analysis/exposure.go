package analysis

import (
	"slices"
	"strings"

	"github.com/pfsim/pfsim/flow"
)

// Exposure is what an interface accepts from a set of sources as new
// flows, after its subnet's network ACL and its security groups: a short
// list of services, each with the sources it is open to.
type Exposure struct {
	Interface string `json:"interface"`
	// From is the source space asked about, in words.
	From string `json:"from"`
	// Entries partition what is accepted: services with the same sources
	// are one entry.
	Entries []Exposed `json:"entries"`
	// Exempt lists the AWS service addresses among the sources, whose
	// traffic no filter sees (NOT-10): everything from them is accepted.
	Exempt []string `json:"exempt,omitempty"`
}

// Exposed is one entry of an [Exposure]: services and the sources they
// are open to, with one packet pfsim's evaluator lets in.
type Exposed struct {
	Family int `json:"family"`
	// Services and Except word the services as [Region] does.
	Services []string `json:"services"`
	Except   []string `json:"except,omitempty"`
	// Sources are the addresses it is open to. The AWS service addresses,
	// from which everything is accepted, are counted in when that makes
	// the list shorter ("0.0.0.0/0" rather than "0.0.0.0/0 except
	// 169.254.169.254, ...").
	Sources AddrSet `json:"sources"`
	// Check is a packet of the entry, judged by vpc.ENI.Cross.
	Check Check `json:"check"`

	space Space
}

// Space returns the packets of the entry: from its sources, of its
// services, to the interface.
func (e Exposed) Space() Space { return e.space }

// ServiceText returns the services as one phrase.
func (e Exposed) ServiceText() string { return serviceText(e.Services, e.Except) }

// String reads "tcp 22 from 192.0.2.0/24".
func (e Exposed) String() string { return e.ServiceText() + " from " + e.Sources.String() }

// String lists the entries, one per line, under a heading.
func (x Exposure) String() string {
	var b strings.Builder
	b.WriteString("interface " + x.Interface + " accepts from " + x.From + ":")
	if len(x.Entries) == 0 {
		b.WriteString(" nothing")
	}
	for _, e := range x.Entries {
		b.WriteString("\n  " + e.String())
	}
	if len(x.Exempt) > 0 {
		b.WriteString("\n  and everything from the AWS service addresses no filter sees (NOT-10)")
	}
	return b.String()
}

// Exposure returns what interface iface accepts from the sources of from
// (for the whole internet: Src of 0.0.0.0/0 and ::/0) as new flows. Only
// the source addresses of from matter: the interface's own addresses are
// the destination.
func (m *Model) Exposure(iface string, from Space) (Exposure, error) {
	f, err := m.Path(iface, flow.Ingress)
	if err != nil {
		return Exposure{}, err
	}
	x := Exposure{Interface: iface, From: sourceText(from)}
	for _, e := range m.exempt {
		if Src(e.Prefix).Overlaps(from) {
			x.Exempt = append(x.Exempt, prefixText(e.Prefix)+" ("+e.What+")")
		}
	}
	exempt := m.exemptOn(lvSrc)
	accepted := f.allowed.Intersect(from).Minus(exempt)
	for _, g := range bySources(accepted) {
		e := Exposed{Family: 4 + 2*g.fam, Sources: addrSetOr(g.fam, g.src, exempt.Intersect(from), lvSrc)}
		e.Services, e.Except = describeServices(g.fam, g.svc)
		entry := Space{g.node()}.Intersect(accepted)
		e.space = entry
		p, _ := entry.witness(f.hints)
		e.Check = f.Evaluate(p)
		x.Entries = append(x.Entries, e)
	}
	return x, nil
}

// sourceText words the source addresses of a space.
func sourceText(s Space) string {
	var parts []string
	if s.n == nil {
		return "nothing"
	}
	for fi := range s.n.e {
		famN := s.n.e[fi].kid
		if famN == nil {
			continue
		}
		fam := s.n.e[fi].lo.small()
		var rs [][2]u128
		for si := range famN.e {
			if famN.e[si].kid != nil {
				rs = append(rs, [2]u128{famN.e[si].lo, famN.edgeHi(si)})
			}
		}
		parts = append(parts, addrSet(fam, rs).String())
	}
	return strings.Join(parts, ", ")
}

// bySources partitions a space's services by the set of sources each is
// open to (to any destination): groups of the same family and sources,
// whose services are svc; dst is every address.
func bySources(s Space) []group {
	// Turn the space around: services first, then sources. Each box of s
	// becomes a box over (family, proto, a, b, src), the destination
	// dropped.
	var boxes []box
	walk(s.n, func(b *box) bool {
		var t box
		t.lo[0], t.hi[0] = b.lo[lvFam], b.hi[lvFam]
		t.lo[1], t.hi[1] = b.lo[lvProto], b.hi[lvProto]
		t.lo[2], t.hi[2] = b.lo[lvA], b.hi[lvA]
		t.lo[3], t.hi[3] = b.lo[lvB], b.hi[lvB]
		t.lo[4], t.hi[4] = b.lo[lvSrc], b.hi[lvSrc]
		boxes = append(boxes, t) // the last axis stays 0..0
		return true
	})
	turned := fromBoxes(boxes)
	// Walk the services; the node below them is the set of sources.
	type svcBox struct{ lo, hi [3]u128 }
	var groups []group
	var svcs [][]svcBox
	var rec func(n *node, depth int, fam int, sb svcBox)
	rec = func(n *node, depth int, fam int, sb svcBox) {
		for i := range n.e {
			kid := n.e[i].kid
			if kid == nil {
				continue
			}
			lo, hi := n.e[i].lo, n.edgeHi(i)
			switch depth {
			case 0:
				rec(kid, 1, lo.small(), sb)
			case 1, 2, 3:
				sb.lo[depth-1], sb.hi[depth-1] = lo, hi
				if depth < 3 {
					rec(kid, depth+1, fam, sb)
					continue
				}
				k := slices.IndexFunc(groups, func(g group) bool { return g.fam == fam && eq(g.svc, kid) })
				if k < 0 {
					k = len(groups)
					groups = append(groups, group{fam: fam, svc: kid})
					svcs = append(svcs, nil)
				}
				svcs[k] = append(svcs[k], sb)
			}
		}
	}
	if turned != nil {
		rec(turned, 0, 0, svcBox{})
	}
	// Each group: its sources from the source node, its services built
	// back into a service set.
	for k := range groups {
		srcN := groups[k].svc
		for i := range srcN.e {
			if srcN.e[i].kid != nil {
				groups[k].src = append(groups[k].src, [2]u128{srcN.e[i].lo, srcN.edgeHi(i)})
			}
		}
		groups[k].dst = [][2]u128{{zero128, max128}}
		var bs []box
		for _, sb := range svcs[k] {
			b := fullBox()
			for j := range 3 {
				b.lo[lvProto+j], b.hi[lvProto+j] = sb.lo[j], sb.hi[j]
			}
			bs = append(bs, b)
		}
		groups[k].svc = subNode(fromBoxes(bs), lvProto)
	}
	return groups
}

// subNode returns the set below the first interval of each axis above
// depth: for a set built from boxes full on those axes, its part from
// depth down.
func subNode(n *node, depth int) *node {
	for d := 0; d < depth && n != nil; d++ {
		n = n.e[0].kid
	}
	return n
}
