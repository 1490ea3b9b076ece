package scenario

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// The VPC as validation walks the timeline: the declarations of the file,
// then each change applied in order. Every check that involves more than
// one declaration runs against this state right after a change, so that a
// change may refer to what it declares itself or to anything declared
// before: the VPC model's checks of subnets, interfaces, prefix lists and
// the references between them (vpc.Config.Validate), and the references
// of security group rules.

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
	// cidr is the VPC's block (the zero Prefix if none), written at
	// cidrNode.
	cidr     netip.Prefix
	cidrNode *yaml.Node
	// uses records, for each declared network ACL and security group, in
	// the order of their first declaration, whether a subnet or an
	// interface used it at any time of the timeline.
	aclUses, groupUses []*use
}

// use is a declared ACL or group and whether anything used it.
type use struct {
	id   string
	pos  Pos
	used bool
}

// declared records a declaration of id in list, at p, unless one is
// recorded already.
func declared(list []*use, id string, p Pos) []*use {
	for _, u := range list {
		if u.id == id {
			return list
		}
	}
	return append(list, &use{id: id, pos: p})
}

// markUses records which ACLs the subnets use and which groups the
// interfaces carry, as st is now.
func (st *state) markUses() {
	for _, u := range st.aclUses {
		for _, s := range st.subnets {
			u.used = u.used || s.ACL == u.id
		}
	}
	for _, u := range st.groupUses {
		for _, i := range st.ifaces {
			u.used = u.used || slices.Contains(i.Groups, u.id)
		}
	}
}

// warnUnused warns about every declared network ACL that no subnet used
// and every group that no interface carried, at any time: their rules
// never apply. Called once the whole timeline is read.
func (d *decoder) warnUnused(st *state) {
	for _, u := range st.aclUses {
		if !u.used {
			d.warnAt(u.pos, "nacl "+u.id+": no subnet uses this network ACL, at the start or after any change, so its rules never apply; "+
				"a subnet names its ACL in network_acl (the link Terraform writes as the ACL's subnet_ids)")
		}
	}
	for _, u := range st.groupUses {
		if !u.used {
			d.warnAt(u.pos, "security group "+u.id+": no interface carries this group, at the start or after any change, so its rules never apply "+
				"(and rules that name it as a peer match no address); an interface lists its groups in security_groups")
		}
	}
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
	var lists []*plDecl
	for _, p := range ds.prefixLists {
		if !dup(seen, p.o, p.pl.ID) {
			pl := p.pl
			st.prefixLists[pl.ID] = &pl
			lists = append(lists, p)
			ch.PrefixLists = append(ch.PrefixLists, pl)
		}
	}
	seen = seenMap{}
	for _, g := range ds.groups {
		if !dup(seen, g.o, g.g.Group.ID) {
			grp := g.g
			if old, ok := st.groups[grp.Group.ID]; ok && !top {
				ch.Diffs = append(ch.Diffs, d.groupDiff(g.o, &old.Group, &grp.Group))
			}
			st.groups[grp.Group.ID] = &grp
			st.groupUses = declared(st.groupUses, grp.Group.ID, grp.Pos)
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
		if old, ok := st.acls[acl.ACL.ID]; ok && !top {
			ch.Diffs = append(ch.Diffs, d.aclDiff(a.o, &old.ACL, &acl.ACL))
		}
		st.acls[acl.ACL.ID] = &acl
		st.aclUses = declared(st.aclUses, acl.ACL.ID, acl.Pos)
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
	d.validate(st, lists, subnets, ifaces)
	st.markUses()
	return ch
}

// groupDiff compares the rules of a group before and after a change that
// replaces it, and warns when the change leaves out a direction that had
// rules: replacing the whole group removes them, which is seldom meant.
func (d *decoder) groupDiff(o *obj, before, after *sg.Group) RuleDiff {
	diff := RuleDiff{Kind: "security group", ID: after.ID}
	for _, dir := range directions {
		text := func(rs []sg.Rule) []string {
			out := make([]string, len(rs))
			for i, r := range rs {
				out[i] = r.Text(dir)
			}
			return out
		}
		old := text(before.Rules(dir))
		d.diffRules(&diff, o, "security group "+after.ID, dir, old, text(after.Rules(dir)))
	}
	return diff
}

// aclDiff is groupDiff for a network ACL.
func (d *decoder) aclDiff(o *obj, before, after *nacl.ACL) RuleDiff {
	diff := RuleDiff{Kind: "network ACL", ID: after.ID}
	for _, dir := range directions {
		text := func(rs []nacl.Rule) []string {
			out := make([]string, len(rs))
			for i, r := range rs {
				out[i] = r.String()
			}
			return out
		}
		rules := func(a *nacl.ACL) []nacl.Rule {
			if dir == flow.Egress {
				return a.Egress
			}
			return a.Ingress
		}
		d.diffRules(&diff, o, "nacl "+after.ID, dir, text(rules(before)), text(rules(after)))
	}
	return diff
}

// diffRules adds to diff the rules of direction dir that the change adds
// and removes (as multisets of their texts), and warns at o when the
// change does not give that direction at all but removes rules from it.
func (d *decoder) diffRules(diff *RuleDiff, o *obj, ctx string, dir flow.Direction, old, cur []string) {
	count := map[string]int{}
	for _, t := range old {
		count[t]++
	}
	var added, removed []string
	for _, t := range cur {
		if count[t] > 0 {
			count[t]--
			continue
		}
		added = append(added, t)
	}
	for _, t := range old {
		if count[t] > 0 {
			count[t]--
			removed = append(removed, t)
		}
	}
	w := dir.String() + " "
	for _, t := range added {
		diff.Added = append(diff.Added, w+t)
	}
	for _, t := range removed {
		diff.Removed = append(diff.Removed, w+t)
	}
	if _, given := o.keys[dir.String()]; !given && len(removed) > 0 {
		d.warnAt(d.pos(o.n), ctx+": this change gives no "+dir.String()+" rules, and a change replaces the whole object, so it removes its "+
			strconv.Itoa(len(removed))+" "+dir.String()+" rule(s) ("+strings.Join(removed, "; ")+"); list them again to keep them, or write "+
			dir.String()+": [] to remove them on purpose")
	}
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

// resolveRefs reports every reference of a security group rule to an id
// st does not hold.
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

// validate has the VPC model check the VPC as the declarations just
// applied leave it ([vpc.Config.Validate]) and reports each problem they
// cause at the value it is about; then it rebuilds st.addrs.
//
// Subnets and interfaces whose blocks or addresses the declarations do
// not touch come first in the configuration checked, so that a problem
// between two of them (overlapping blocks, an address two interfaces
// claim) is reported at the one the declarations change. Problems of
// objects the declarations do not touch were reported when they were
// declared, and are not reported again.
func (d *decoder) validate(st *state, lists []*plDecl, subnets []*subnetDecl, ifaces []*ifaceDecl) {
	if len(lists)+len(subnets)+len(ifaces) == 0 {
		// Groups and ACLs are only added or replaced: nothing the VPC
		// model checks can have changed.
		return
	}
	m := mapping{st: st, lists: map[string]*plDecl{}, subnets: map[string]*subnetDecl{}, ifaces: map[string]*ifaceDecl{}}
	for _, p := range lists {
		m.lists[p.pl.ID] = p
	}
	cfg := vpc.Config{CIDR: st.cidr, Subnets: make([]vpc.Subnet, 0, len(st.subnets)), Interfaces: make([]vpc.Interface, 0, len(st.ifaces))}
	for _, id := range keys(st.prefixLists) {
		cfg.PrefixLists = append(cfg.PrefixLists, st.prefixLists[id].PrefixList)
	}
	for _, id := range keys(st.groups) {
		cfg.SecurityGroups = append(cfg.SecurityGroups, st.groups[id].Group)
	}
	for _, id := range keys(st.acls) {
		cfg.NetworkACLs = append(cfg.NetworkACLs, st.acls[id].ACL)
	}

	moved := make(map[string]bool, len(subnets))
	var last []vpc.Subnet
	for _, sd := range subnets {
		m.subnets[sd.id] = sd
		if sd.o.has("cidr_block") || sd.o.has("ipv6_cidr_block") {
			moved[sd.id] = true
			last = append(last, st.subnets[sd.id].Subnet)
		}
	}
	for _, id := range st.subnetOrder {
		if !moved[id] {
			cfg.Subnets = append(cfg.Subnets, st.subnets[id].Subnet)
		}
	}
	cfg.Subnets = append(cfg.Subnets, last...)

	moved = make(map[string]bool, len(ifaces))
	var lastIfaces []vpc.Interface
	for _, fd := range ifaces {
		m.ifaces[fd.id] = fd
		if fd.o.has("subnet") || fd.o.has("private_ips") || fd.o.has("ipv6_addresses") {
			moved[fd.id] = true
			lastIfaces = append(lastIfaces, st.ifaces[fd.id].Interface)
		}
	}
	for _, id := range st.ifaceOrder {
		if !moved[id] {
			cfg.Interfaces = append(cfg.Interfaces, st.ifaces[id].Interface)
		}
	}
	cfg.Interfaces = append(cfg.Interfaces, lastIfaces...)

	for _, e := range joined(cfg.Validate()) {
		var ce *vpc.ConfigError
		if !errors.As(e, &ce) {
			continue
		}
		if at, path, msg, ok := m.locate(ce); ok && !d.reported(path) {
			d.failAt(d.pos(at), path, msg)
		}
	}

	// Each address to its interface: the first to claim it.
	st.addrs = make(map[netip.Addr]*Interface, len(cfg.Interfaces))
	for _, itf := range cfg.Interfaces {
		for _, as := range [2][]netip.Addr{itf.PrivateIPs, itf.IPv6Addrs} {
			for _, a := range as {
				if _, taken := st.addrs[a]; !taken {
					st.addrs[a] = st.ifaces[itf.ID]
				}
			}
		}
	}
}

// reported reports whether the decoding reported a problem at path
// already, or inside it: the VPC model's view of the same value (missing,
// or unreadable) would only repeat it.
func (d *decoder) reported(path string) bool {
	return slices.ContainsFunc(d.errs, func(e *Error) bool {
		return e.Field == path || strings.HasPrefix(e.Field, path+"[") || strings.HasPrefix(e.Field, path+".")
	})
}

// mapping finds where, in the declarations just applied, the value a
// problem of the VPC model is about was written.
type mapping struct {
	st      *state
	lists   map[string]*plDecl
	subnets map[string]*subnetDecl
	ifaces  map[string]*ifaceDecl
}

// locate returns the node and path of the value e is about, and the
// message to report there; ok is false when the declarations just applied
// do not write that value.
func (m *mapping) locate(e *vpc.ConfigError) (at *yaml.Node, path, msg string, ok bool) {
	msg = e.Error()
	if errors.Is(e, vpc.ErrNotFound) {
		var ids []string
		switch e.Field {
		case vpc.FieldSubnet:
			ids = m.st.subnetOrder
		case vpc.FieldNetworkACL:
			ids = keys(m.st.acls)
		case vpc.FieldSecurityGroups:
			ids = keys(m.st.groups)
		}
		msg += suggest(e.Value, ids, false)
	}
	switch e.Kind {
	case vpc.KindVPC:
		if m.st.cidrNode != nil {
			return m.st.cidrNode, "vpc_cidr_block", msg, true
		}
	case vpc.KindPrefixList:
		if p := m.lists[e.ID]; p != nil && e.Field == vpc.FieldEntries && e.Index >= 0 && e.Index < len(p.entries) {
			return p.entries[e.Index].n, p.entries[e.Index].path, msg, true
		}
	case vpc.KindSubnet:
		if sd := m.subnets[e.ID]; sd != nil && e.Field != vpc.FieldID && sd.o.has(e.Field) {
			return sd.o.val(e.Field), sd.o.field(e.Field), msg, true
		}
	case vpc.KindInterface:
		return m.locateIface(e, msg)
	}
	return nil, "", "", false
}

func (m *mapping) locateIface(e *vpc.ConfigError, msg string) (*yaml.Node, string, string, bool) {
	fd := m.ifaces[e.ID]
	named := fd != nil && fd.o.has(e.Field)
	switch e.Field {
	case vpc.FieldPrivateIPs, vpc.FieldIPv6Addresses:
		switch {
		case named:
			list := fd.ips
			if e.Field == vpc.FieldIPv6Addresses {
				list = fd.ip6s
			}
			if e.Index >= 0 && e.Index < len(list) {
				return list[e.Index].n, list[e.Index].path, msg, true
			}
			return fd.o.val(e.Field), fd.o.field(e.Field), msg, true
		case e.Index < 0:
			// A list the declarations do not give.
		case fd != nil && fd.o.has("subnet"):
			// The interface moved to another subnet with its addresses.
			return fd.o.val("subnet"), fd.o.field("subnet"), msg, true
		default:
			// The subnet's block changed under the interface.
			block := "cidr_block"
			if e.Field == vpc.FieldIPv6Addresses {
				block = "ipv6_cidr_block"
			}
			if sd := m.subnets[m.st.ifaces[e.ID].Subnet]; sd != nil && sd.o.has(block) {
				msg = prefix(sd.o.ctx) + "interface " + e.ID + "'s " + e.Field + " " + e.Value + ": " + e.Err.Error()
				return sd.o.val(block), sd.o.field(block), msg, true
			}
		}
	case vpc.FieldSecurityGroups:
		if named && e.Index >= 0 && e.Index < len(fd.groups) {
			return fd.groups[e.Index].n, fd.groups[e.Index].path, msg, true
		}
		if named {
			return fd.o.val(e.Field), fd.o.field(e.Field), msg, true
		}
	case vpc.FieldSubnet, vpc.FieldConnectionTracking:
		if named {
			return fd.o.val(e.Field), fd.o.field(e.Field), msg, true
		}
	}
	return nil, "", "", false
}
