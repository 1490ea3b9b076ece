package scenario

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/vpc"
)

// The VPC as validation walks the timeline: the declarations of the file,
// then each change applied in order. Every check that involves more than
// one declaration (references, addresses inside subnets, addresses used
// twice) runs against this state right after a change, so that a change
// may refer to what it declares itself or to anything declared before.

// quotaACLs is AWS's default quota of network ACLs per VPC (NACL-31).
const quotaACLs = 200

type state struct {
	prefixLists map[string]*PrefixList
	groups      map[string]*SecurityGroup
	acls        map[string]*NetworkACL
	subnets     map[string]*Subnet
	ifaces      map[string]*Interface
	// subnetOrder and ifaceOrder hold the ids in the order they first
	// appeared, for deterministic checks.
	subnetOrder, ifaceOrder []string
	// addrs maps every interface address to its interface.
	addrs map[netip.Addr]*Interface
}

// newState returns a VPC with nothing but the implicit default ACL.
func newState() *state {
	return &state{
		prefixLists: map[string]*PrefixList{},
		groups:      map[string]*SecurityGroup{},
		acls:        map[string]*NetworkACL{DefaultACL: implicitDefault()},
		subnets:     map[string]*Subnet{},
		ifaces:      map[string]*Interface{},
		addrs:       map[netip.Addr]*Interface{},
	}
}

func implicitDefault() *NetworkACL {
	a := nacl.Default(DefaultACL)
	return &NetworkACL{
		ACL:        a,
		IngressPos: make([]Pos, len(a.Ingress)),
		EgressPos:  make([]Pos, len(a.Egress)),
		Implicit:   true,
	}
}

// apply applies declarations to st and checks them against the result.
// top is true for the file's own declarations: there every subnet and
// interface is new; in a change, one with a known id names only the fields
// it changes.
func (d *decoder) apply(st *state, ds *decls, top bool) Change {
	var ch Change
	where := "in this change"
	if top {
		where = "in the file"
	}
	type seenMap map[string]*obj
	dup := func(seen seenMap, o *obj, id string) bool {
		if first, ok := seen[id]; ok {
			p := d.pos(first.n)
			o.fail("id", o.val("id"), "declared twice "+where+" (first at "+strconv.Itoa(p.Line)+":"+strconv.Itoa(p.Col)+")")
			return true
		}
		seen[id] = o
		return false
	}

	seen := seenMap{}
	for _, p := range ds.prefixLists {
		if !dup(seen, p.o, p.pl.ID) {
			pl := p.pl
			st.prefixLists[pl.ID] = &pl
			ch.PrefixLists = append(ch.PrefixLists, pl)
		}
	}
	seen = seenMap{}
	for _, g := range ds.groups {
		if !dup(seen, g.o, g.g.Group.ID) {
			grp := g.g
			st.groups[grp.Group.ID] = &grp
			ch.SecurityGroups = append(ch.SecurityGroups, grp)
		}
	}
	seen = seenMap{}
	for _, a := range ds.acls {
		if dup(seen, a.o, a.acl.ACL.ID) {
			continue
		}
		acl := a.acl
		if _, ok := st.acls[acl.ACL.ID]; !ok && len(st.acls) == quotaACLs {
			d.warnAt(acl.Pos, "nacl "+acl.ACL.ID+": more than "+strconv.Itoa(quotaACLs)+" network ACLs, AWS's default quota per VPC (NACL-31)")
		}
		st.acls[acl.ACL.ID] = &acl
		ch.NetworkACLs = append(ch.NetworkACLs, acl)
	}

	seen = seenMap{}
	var subnets []*subnetDecl
	for _, sd := range ds.subnets {
		if dup(seen, sd.o, sd.id) {
			continue
		}
		s := d.mergeSubnet(st, sd, top)
		if _, ok := st.subnets[s.ID]; !ok {
			st.subnetOrder = append(st.subnetOrder, s.ID)
		}
		st.subnets[s.ID] = &s
		subnets = append(subnets, sd)
		ch.Subnets = append(ch.Subnets, s)
	}
	seen = seenMap{}
	var ifaces []*ifaceDecl
	for _, fd := range ds.ifaces {
		if dup(seen, fd.o, fd.id) {
			continue
		}
		i := d.mergeIface(st, fd, top)
		if _, ok := st.ifaces[i.ID]; !ok {
			st.ifaceOrder = append(st.ifaceOrder, i.ID)
		}
		st.ifaces[i.ID] = &i
		ifaces = append(ifaces, fd)
		ch.Interfaces = append(ch.Interfaces, i)
	}

	d.resolveRefs(st, ds.refs)
	d.checkSubnets(st, subnets)
	d.checkAddrs(st, ifaces, subnets)
	return ch
}

// mergeSubnet returns the subnet sd declares: new, or in a change the
// existing one with the fields sd names replaced.
func (d *decoder) mergeSubnet(st *state, sd *subnetDecl, top bool) Subnet {
	var s Subnet
	if old, ok := st.subnets[sd.id]; ok && !top {
		s = *old
	} else {
		s = Subnet{Subnet: vpc.Subnet{ID: sd.id, ACL: DefaultACL}}
		if !sd.hasCIDR {
			sd.o.missing("cidr_block", "the subnet's IPv4 CIDR, such as 10.0.1.0/24")
		}
	}
	s.Pos = d.pos(sd.o.n)
	if sd.hasCIDR {
		s.CIDR = sd.cidr
	}
	if sd.hasCIDR6 {
		s.IPv6CIDR = sd.cidr6
	}
	if sd.hasACL {
		s.ACL = sd.acl
	}
	return s
}

// mergeIface returns the interface fd declares: new, or in a change the
// existing one with the fields fd names replaced.
func (d *decoder) mergeIface(st *state, fd *ifaceDecl, top bool) Interface {
	var i Interface
	if old, ok := st.ifaces[fd.id]; ok && !top {
		i = *old
	} else {
		i = Interface{Interface: vpc.Interface{ID: fd.id}}
		if !fd.hasSubnet && !fd.o.has("subnet") {
			fd.o.missing("subnet", "the id of the interface's subnet")
		}
		if !fd.hasIPs && !fd.o.has("private_ips") {
			fd.o.missing("private_ips", "at least one IPv4 address in the subnet; the first is the primary")
		}
		if !fd.hasGroups && !fd.o.has("security_groups") {
			fd.o.missing("security_groups", "1..16 security group ids")
		}
	}
	i.Pos = d.pos(fd.o.n)
	if fd.hasSubnet {
		i.Subnet = fd.subnet
	}
	if fd.hasIPs {
		i.PrivateIPs, i.PrivateIPsPos = d.addrsOf(fd.ips)
	}
	if fd.hasIP6s {
		i.IPv6Addrs, i.IPv6AddrsPos = d.addrsOf(fd.ip6s)
	}
	if fd.hasGroups {
		i.Groups, i.GroupsPos = []string{}, []Pos{}
		for _, g := range fd.groups {
			i.Groups = append(i.Groups, g.id)
			i.GroupsPos = append(i.GroupsPos, d.pos(g.n))
		}
	}
	if fd.hasListening {
		i.Listening = fd.listening
	}
	if fd.hasTracking {
		i.Tracking = fd.tracking
	}
	return i
}

// addrsOf returns the addresses of as and where each is written.
func (d *decoder) addrsOf(as []addrAt) ([]netip.Addr, []Pos) {
	out, at := make([]netip.Addr, len(as)), make([]Pos, len(as))
	for i, a := range as {
		out[i], at[i] = a.a, d.pos(a.n)
	}
	return out, at
}

// resolveRefs reports every reference to an id st does not hold.
func (d *decoder) resolveRefs(st *state, refs []ref) {
	for _, r := range refs {
		var ok bool
		var ids []string
		switch r.kind {
		case refGroup:
			_, ok = st.groups[r.id]
			ids = keys(st.groups)
		case refPrefixList:
			_, ok = st.prefixLists[r.id]
			ids = keys(st.prefixLists)
		case refACL:
			_, ok = st.acls[r.id]
			ids = keys(st.acls)
		case refSubnet:
			_, ok = st.subnets[r.id]
			ids = st.subnetOrder
		}
		if !ok {
			r.o.failPath(r.path, r.key, r.n, "no such "+r.kind.String()+suggest(r.id, ids, false))
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkSubnets checks the blocks of the subnets just declared or changed:
// no overlap with another subnet (AWS refuses overlapping subnets).
func (d *decoder) checkSubnets(st *state, changed []*subnetDecl) {
	later := map[string]bool{}
	for _, sd := range changed {
		later[sd.id] = true
	}
	for _, sd := range changed {
		delete(later, sd.id)
		s := st.subnets[sd.id]
		for _, oid := range st.subnetOrder {
			if oid == s.ID || later[oid] {
				continue // a pair is reported once, at the later subnet
			}
			o := st.subnets[oid]
			if sd.hasCIDR && s.CIDR.IsValid() && o.CIDR.IsValid() && s.CIDR.Overlaps(o.CIDR) {
				sd.o.fail("cidr_block", sd.o.val("cidr_block"), "overlaps subnet "+o.ID+"'s cidr_block "+o.CIDR.String())
			}
			if sd.hasCIDR6 && s.IPv6CIDR.IsValid() && o.IPv6CIDR.IsValid() && s.IPv6CIDR.Overlaps(o.IPv6CIDR) {
				sd.o.fail("ipv6_cidr_block", sd.o.val("ipv6_cidr_block"), "overlaps subnet "+o.ID+"'s ipv6_cidr_block "+o.IPv6CIDR.String())
			}
		}
	}
}

// checkAddrs checks the addresses that moved: those of the interfaces just
// declared or changed, and those of interfaces in a subnet whose blocks
// changed. Each must lie inside its subnet's block, not be one AWS
// reserves, and not be another interface's. It then rebuilds st.addrs.
func (d *decoder) checkAddrs(st *state, ifaces []*ifaceDecl, subnets []*subnetDecl) {
	// use is an address to check, and how to report a problem with it.
	type use struct {
		a    netip.Addr
		at   Pos
		path string
		msg  string // the message's start, naming the address
	}
	uses := map[string][]use{} // interface id -> the addresses to check
	var order []string         // interface ids in uses, in order
	add := func(id string, u use) {
		if _, ok := uses[id]; !ok {
			order = append(order, id)
		}
		uses[id] = append(uses[id], u)
	}
	for _, fd := range ifaces {
		i := st.ifaces[fd.id]
		for _, l := range [2]struct {
			key   string
			has   bool
			given []addrAt
			all   []netip.Addr
		}{{"private_ips", fd.hasIPs, fd.ips, i.PrivateIPs}, {"ipv6_addresses", fd.hasIP6s, fd.ip6s, i.IPv6Addrs}} {
			switch {
			case l.has:
				for _, a := range l.given {
					add(i.ID, use{a.a, d.pos(a.n), a.path, prefix(fd.o.ctx) + l.key + " " + a.a.String()})
				}
			case fd.hasSubnet:
				// The interface moved and kept its addresses: report at
				// the subnet field.
				for _, a := range l.all {
					add(i.ID, use{a, fd.o.at("subnet"), fd.o.field("subnet"), prefix(fd.o.ctx) + l.key + " " + a.String()})
				}
			}
		}
		if _, ok := uses[i.ID]; !ok && (fd.hasIPs || fd.hasIP6s || fd.hasSubnet) {
			uses[i.ID] = nil // moved to no address of that family: owns nothing
			order = append(order, i.ID)
		}
	}
	for _, sd := range subnets {
		if !sd.hasCIDR && !sd.hasCIDR6 {
			continue
		}
		for _, id := range st.ifaceOrder {
			i := st.ifaces[id]
			if _, ok := uses[id]; ok || i.Subnet != sd.id {
				continue
			}
			for _, l := range [2]struct {
				key, block string
				all        []netip.Addr
			}{{"private_ips", "cidr_block", i.PrivateIPs}, {"ipv6_addresses", "ipv6_cidr_block", i.IPv6Addrs}} {
				for _, a := range l.all {
					add(id, use{a, sd.o.at(l.block), sd.o.field(l.block),
						prefix(sd.o.ctx) + "interface " + id + "'s " + l.key + " " + a.String()})
				}
			}
		}
	}

	// Addresses that stay put are owned first; moved ones must not clash
	// with them, nor with each other.
	owner := map[netip.Addr]*Interface{}
	for _, id := range st.ifaceOrder {
		if _, ok := uses[id]; ok {
			continue
		}
		i := st.ifaces[id]
		for _, a := range i.PrivateIPs {
			owner[a] = i
		}
		for _, a := range i.IPv6Addrs {
			owner[a] = i
		}
	}
	for _, id := range order {
		i := st.ifaces[id]
		s := st.subnets[i.Subnet]
		for _, u := range uses[id] {
			if s != nil {
				if msg := fitsSubnet(s, u.a); msg != "" {
					d.failAt(u.at, u.path, u.msg+": "+msg)
				}
			}
			if o, taken := owner[u.a]; taken && o.ID != i.ID {
				d.failAt(u.at, u.path, u.msg+": already an address of interface "+o.ID)
				continue
			}
			owner[u.a] = i
		}
	}
	st.addrs = owner
}

// fitsSubnet says why a does not fit subnet s, or "".
func fitsSubnet(s *Subnet, a netip.Addr) string {
	block, field := s.CIDR, "cidr_block"
	if a.Is6() {
		block, field = s.IPv6CIDR, "ipv6_cidr_block"
		if !block.IsValid() {
			return "subnet " + s.ID + " has no ipv6_cidr_block"
		}
	}
	if !block.IsValid() {
		return ""
	}
	if !block.Contains(a) {
		return "not in subnet " + s.ID + "'s " + field + " " + block.String()
	}
	if isReserved(block, a) {
		return "reserved by AWS in subnet " + s.ID + ": the first four addresses and the last of " + block.String() + " cannot be assigned"
	}
	return ""
}

// isReserved reports whether a is one of the addresses AWS reserves in
// every subnet block: the network address, +1 (the VPC router), +2 (DNS),
// +3 (future use), and the last address.
func isReserved(block netip.Prefix, a netip.Addr) bool {
	b := block.Masked().Addr()
	for range 4 {
		if a == b {
			return true
		}
		b = b.Next()
	}
	return a == lastAddr(block)
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}
