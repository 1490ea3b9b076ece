package lesson

import (
	"cmp"
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
	sv := surveyOf(rep)
	keys := arrange(sv.blocks, sv.ends, sv.routes)
	lanes := make([]Lane, len(keys))
	index := make(map[laneKey]int, len(keys))
	for i, k := range keys {
		index[k] = i
		switch k.kind {
		case Outside:
			lanes[i] = Lane{Kind: Outside, Title: "outside", Detail: "beyond the VPC"}
		case Service:
			lanes[i] = Lane{Kind: Service, Title: "AWS services", Detail: "no filter sees them"}
		case ACL:
			lanes[i] = Lane{Kind: ACL, ID: k.id, Title: k.id + " ACL", Detail: "network ACL " + strings.Join(sv.acls[k.id], ", ")}
		case Groups:
			lanes[i] = Lane{Kind: Groups, ID: k.id, Title: k.id + " groups", Detail: "security groups"}
		case Instance:
			lanes[i] = Lane{Kind: Instance, ID: k.id, Title: k.id, Detail: sv.addrs[k.id]}
		}
	}
	return lanes, index
}

// survey is what a run's packets meet: the subnets' blocks of lanes, the
// lanes beyond them, the route of every packet drawn, and what the lanes'
// titles need.
type survey struct {
	blocks []block
	ends   ends
	routes [][]laneKey
	acls   map[string][]string // subnet → the ACLs its lane stood for
	addrs  map[string]string   // interface → its addresses as first declared
}

func surveyOf(rep *scenario.Report) survey {
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

	// What the packets meet, the ACLs each subnet's lane stood for, and
	// the lanes each drawn packet visits.
	used := map[laneKey]bool{}
	acls := map[string][]string{}
	var routes [][]laneKey
	end := func(p *vpc.Path, iface string) laneKey {
		switch {
		case iface != "":
			return laneKey{Instance, iface}
		case p.Exempt != "":
			return laneKey{Service, ""}
		}
		return laneKey{Outside, ""}
	}
	mark := func(p *vpc.Path) {
		from, to := end(p, p.From), end(p, p.To)
		for _, k := range []laneKey{from, to} {
			used[k] = true
			if k.kind == Instance {
				used[laneKey{Groups, k.id}] = true
			}
		}
		route := []laneKey{from}
		for i := range p.Hops {
			h := &p.Hops[i]
			k := hopLane(h)
			used[k] = true
			route = append(route, k)
			if k.kind == ACL {
				addSubnet(k.id)
				if id := h.Detail(&p.Packet).ACL; !slices.Contains(acls[k.id], id) {
					acls[k.id] = append(acls[k.id], id)
				}
			}
		}
		if p.Allowed() {
			route = append(route, to)
		}
		routes = append(routes, route)
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

	// One block per subnet: its ACL and its interfaces, each interface's
	// groups beside its instance.
	var blocks []block
	for _, s := range subnets {
		b := block{subnet: s, acl: used[laneKey{ACL, s}]}
		for _, i := range ifaces {
			if home[i] == s && used[laneKey{Instance, i}] {
				b.ifaces = append(b.ifaces, i)
			}
		}
		if b.acl || len(b.ifaces) > 0 {
			blocks = append(blocks, b)
		}
	}
	return survey{blocks: blocks, ends: ends{outside: used[laneKey{Outside, ""}], service: used[laneKey{Service, ""}]},
		routes: routes, acls: acls, addrs: addrs}
}

// block is a subnet's lanes: its ACL's, if a packet met it, and those of
// its interfaces that a packet came from or went to.
type block struct {
	subnet string
	acl    bool
	ifaces []string
}

// ends says which of the lanes outside the subnets are used: the outside
// (left of or between the subnets) and the AWS services (rightmost).
type ends struct{ outside, service bool }

// maxLayouts bounds the orders arrange tries; past it, the first order is
// kept.
const maxLayouts = 5000

// arrange orders the lanes of the blocks and the outside so that the
// routes turn back as seldom as can be, and then are as short as can be.
//
// It starts from the order the package documentation gives (the outside
// on the left; each subnet's ACL, then its interfaces' groups and
// instances, in the file's order; with two subnets or more, the first
// mirrored left of the outside) and keeps it unless another does better.
// The others tried keep each subnet's lanes together and each instance
// beside its groups: any order of a subnet's interfaces, the groups on
// either side of the instance, the ACL at either end of the subnet, and
// the outside between any two subnets. A lesson whose packets pass
// between two interfaces of one subnet (and so skip its ACL) is then
// drawn without a route doubling back where one exists.
func arrange(blocks []block, e ends, routes [][]laneKey) []laneKey {
	best := layoutOf(e, defaultChoices(blocks))
	bestCost := cost(best, routes)
	total := len(blocks) + 1
	for _, b := range blocks {
		total *= len(blockOrders(b))
		if total > maxLayouts {
			return best
		}
	}
	orders := make([][][]laneKey, len(blocks))
	for i, b := range blocks {
		orders[i] = blockOrders(b)
	}
	pick := make([]int, len(blocks))
	for split := 0; split <= len(blocks); split++ {
		if !e.outside && split > 0 {
			break // without an outside lane, the split changes nothing
		}
		for {
			keys := assemble(orders, pick, split, e)
			if c := cost(keys, routes); c.less(bestCost) {
				best, bestCost = keys, c
			}
			// The next combination, like an odometer.
			i := 0
			for ; i < len(pick); i++ {
				pick[i]++
				if pick[i] < len(orders[i]) {
					break
				}
				pick[i] = 0
			}
			if i == len(pick) {
				break
			}
		}
	}
	return best
}

// defaultChoices is the documented order: ACL first, interfaces in the
// file's order, each instance right of its groups.
func defaultChoices(blocks []block) [][]laneKey {
	out := make([][]laneKey, len(blocks))
	for i, b := range blocks {
		if b.acl {
			out[i] = append(out[i], laneKey{ACL, b.subnet})
		}
		for _, id := range b.ifaces {
			out[i] = append(out[i], laneKey{Groups, id}, laneKey{Instance, id})
		}
	}
	return out
}

// layoutOf places the blocks as the documentation says: with two or more,
// the first mirrored left of the outside and the rest after it.
func layoutOf(e ends, order [][]laneKey) []laneKey {
	var keys []laneKey
	rest := order
	if len(order) >= 2 {
		first := slices.Clone(order[0])
		slices.Reverse(first)
		keys = append(keys, first...)
		rest = order[1:]
	}
	if e.outside {
		keys = append(keys, laneKey{Outside, ""})
	}
	for _, b := range rest {
		keys = append(keys, b...)
	}
	if e.service {
		keys = append(keys, laneKey{Service, ""})
	}
	return keys
}

// assemble lays the blocks out with their chosen orders: those before
// split left of the outside, the first of them nearest it, and the rest
// right of it.
func assemble(orders [][][]laneKey, pick []int, split int, e ends) []laneKey {
	var keys []laneKey
	for i := split - 1; i >= 0; i-- {
		keys = append(keys, orders[i][pick[i]]...)
	}
	if e.outside {
		keys = append(keys, laneKey{Outside, ""})
	}
	for i := split; i < len(orders); i++ {
		keys = append(keys, orders[i][pick[i]]...)
	}
	if e.service {
		keys = append(keys, laneKey{Service, ""})
	}
	return keys
}

// blockOrders lists the orders of one block's lanes: every order of its
// interfaces, each instance left or right of its groups, the ACL at
// either end.
func blockOrders(b block) [][]laneKey {
	var out [][]laneKey
	perms := permutations(b.ifaces)
	for _, perm := range perms {
		for flips := 0; flips < 1<<len(perm); flips++ {
			var mid []laneKey
			for j, id := range perm {
				g, in := laneKey{Groups, id}, laneKey{Instance, id}
				if flips&(1<<j) != 0 {
					g, in = in, g
				}
				mid = append(mid, g, in)
			}
			if !b.acl {
				out = append(out, mid)
				continue
			}
			a := laneKey{ACL, b.subnet}
			out = append(out, append([]laneKey{a}, mid...), append(slices.Clone(mid), a))
		}
	}
	return out
}

// permutations returns every order of ids (one empty order for none).
func permutations(ids []string) [][]string {
	if len(ids) <= 1 {
		return [][]string{slices.Clone(ids)}
	}
	var out [][]string
	for i, id := range ids {
		rest := slices.Concat(ids[:i], ids[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]string{id}, p...))
		}
	}
	return out
}

// layoutCost rates an order of lanes: how often routes turn back, then how
// far they run.
type layoutCost struct{ turns, length int }

func (c layoutCost) less(d layoutCost) bool {
	return c.turns < d.turns || c.turns == d.turns && c.length < d.length
}

// cost rates keys for the routes.
func cost(keys []laneKey, routes [][]laneKey) layoutCost {
	at := make(map[laneKey]int, len(keys))
	for i, k := range keys {
		at[k] = i
	}
	var c layoutCost
	for _, r := range routes {
		dir := 0
		for i := 1; i < len(r); i++ {
			d := at[r[i]] - at[r[i-1]]
			c.length += max(d, -d)
			s := cmp.Compare(d, 0)
			if s != 0 && dir != 0 && s != dir {
				c.turns++
			}
			if s != 0 {
				dir = s
			}
		}
	}
	return c
}
