package lesson

import (
	"slices"
	"strings"

	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// laneKey names a lane: its kind and the subnet or interface it is of.
type laneKey struct {
	kind LaneKind
	id   string
}

// layout chooses the lanes of a run: those its packets meet, ordered as
// the package documentation says.
func layout(rep *scenario.Report) ([]Lane, map[laneKey]int) {
	f := rep.File
	var subnets, ifaces []string
	home := map[string]string{}  // interface → the subnet it is first declared in
	addrs := map[string]string{} // interface → its addresses as first declared
	addSubnet := func(id string) {
		if !slices.Contains(subnets, id) {
			subnets = append(subnets, id)
		}
	}
	addIface := func(i *scenario.Interface) {
		if _, ok := home[i.ID]; ok {
			return
		}
		ifaces = append(ifaces, i.ID)
		home[i.ID] = i.Subnet
		var a []string
		for _, ip := range i.PrivateIPs {
			a = append(a, ip.String())
		}
		for _, ip := range i.IPv6Addrs {
			a = append(a, ip.String())
		}
		addrs[i.ID] = strings.Join(a, ", ")
	}
	for i := range f.Subnets {
		addSubnet(f.Subnets[i].ID)
	}
	for i := range f.Interfaces {
		addIface(&f.Interfaces[i])
	}
	for i := range f.Steps {
		c := &f.Steps[i].Change
		for j := range c.Subnets {
			addSubnet(c.Subnets[j].ID)
		}
		for j := range c.Interfaces {
			addIface(&c.Interfaces[j])
		}
	}

	// What the packets meet, and the ACLs each subnet's lane stood for.
	used := map[laneKey]bool{}
	acls := map[string][]string{}
	mark := func(p *vpc.Path) {
		for _, end := range []string{p.From, p.To} {
			switch {
			case end != "":
				used[laneKey{Instance, end}] = true
				used[laneKey{Groups, end}] = true
			case p.Exempt != "":
				used[laneKey{Service, ""}] = true
			default:
				used[laneKey{Outside, ""}] = true
			}
		}
		for i := range p.Hops {
			h := &p.Hops[i]
			k := hopLane(h)
			used[k] = true
			if k.kind == ACL {
				addSubnet(k.id)
				if id := h.Detail(&p.Packet).ACL; !slices.Contains(acls[k.id], id) {
					acls[k.id] = append(acls[k.id], id)
				}
			}
		}
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.Path != nil {
			mark(r.Path)
		}
		if r.Attempt != nil {
			for j := range r.Attempt.Exchanges {
				mark(&r.Attempt.Exchanges[j].Path)
			}
		}
	}

	// One block per subnet: its ACL, then each of its interfaces' groups
	// and instance.
	var blocks [][]Lane
	for _, s := range subnets {
		var b []Lane
		if used[laneKey{ACL, s}] {
			b = append(b, Lane{Kind: ACL, ID: s, Title: s + " ACL", Detail: "network ACL " + strings.Join(acls[s], ", ")})
		}
		for _, i := range ifaces {
			if home[i] != s || !used[laneKey{Instance, i}] {
				continue
			}
			b = append(b, Lane{Kind: Groups, ID: i, Title: i + " groups", Detail: "security groups"},
				Lane{Kind: Instance, ID: i, Title: i, Detail: addrs[i]})
		}
		if len(b) > 0 {
			blocks = append(blocks, b)
		}
	}
	var lanes []Lane
	outside := func() {
		if used[laneKey{Outside, ""}] {
			lanes = append(lanes, Lane{Kind: Outside, Title: "outside", Detail: "beyond the VPC"})
		}
	}
	if len(blocks) >= 2 {
		first := slices.Clone(blocks[0])
		slices.Reverse(first)
		lanes = append(lanes, first...)
		outside()
		blocks = blocks[1:]
	} else {
		outside()
	}
	for _, b := range blocks {
		lanes = append(lanes, b...)
	}
	if used[laneKey{Service, ""}] {
		lanes = append(lanes, Lane{Kind: Service, Title: "AWS services", Detail: "no filter sees them"})
	}
	index := make(map[laneKey]int, len(lanes))
	for i, l := range lanes {
		index[laneKey{l.Kind, l.ID}] = i
	}
	return lanes, index
}
