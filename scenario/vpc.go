package scenario

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// This file decodes the declarations of the VPC (at the top of the file
// and in change steps) into typed values, checking what the format asks
// of each field. What AWS enforces about subnets, interfaces and prefix
// lists, and the references between them, is checked once, by the VPC
// model, when apply (state.go) has merged the declarations into the VPC;
// references in security group rules are checked there too.

// Fields Terraform knows that make no difference to filtering: any
// declaration may carry them, and they are ignored.
var ignoredFields = []string{"name", "description", "tags", "vpc_id"}

func withIgnored(fields ...string) []string { return append(fields, ignoredFields...) }

var (
	prefixListFields = withIgnored("id", "entries")
	groupFields      = withIgnored("id", "ingress", "egress")
	aclFields        = withIgnored("id", "ingress", "egress")
	subnetFields     = withIgnored("id", "cidr_block", "ipv6_cidr_block", "network_acl")
	ifaceFields      = withIgnored("id", "subnet", "private_ips", "ipv6_addresses", "security_groups", "listening", "connection_tracking")
	sgRuleFields     = []string{"protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self", "description"}
	naclRuleFields   = []string{"rule_no", "action", "protocol", "from_port", "to_port", "cidr_block", "ipv6_cidr_block", "icmp_type", "icmp_code"}
	trackingFields   = []string{"tcp_established_timeout", "udp_stream_timeout", "udp_timeout"}
	peerFields       = []string{"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self"}
	declFields       = []string{"prefix_lists", "security_groups", "network_acls", "subnets", "interfaces"}
)

var directions = [2]flow.Direction{flow.Ingress, flow.Egress}

// refKind is the kind of object a security group rule's peer names.
type refKind uint8

const (
	refGroup refKind = iota
	refPrefixList
)

func (k refKind) String() string {
	if k == refGroup {
		return "security group"
	}
	return "prefix list"
}

// ref is an id a security group rule names, to be resolved against the
// VPC as it is once the declaration is applied.
type ref struct {
	kind refKind
	id   string
	o    *obj       // the object that names it
	key  string     // its field
	path string     // its path (a list element's)
	n    *yaml.Node // its value
}

// decls are the declarations of the top of the file or of one change.
type decls struct {
	prefixLists []*plDecl
	groups      []*sgDecl
	acls        []*aclDecl
	subnets     []*subnetDecl
	ifaces      []*ifaceDecl
	refs        []ref
}

type plDecl struct {
	o       *obj
	pl      PrefixList
	entries []nodeAt // where each of pl.Entries is written
}

// nodeAt is where a value was written: its node and its path.
type nodeAt struct {
	n    *yaml.Node
	path string
}

type sgDecl struct {
	o *obj
	g SecurityGroup
}

type aclDecl struct {
	o   *obj
	acl NetworkACL
}

// subnetDecl is a subnet as written: in a change, the fields it names.
type subnetDecl struct {
	o                 *obj
	id                string
	cidr, cidr6       netip.Prefix
	hasCIDR, hasCIDR6 bool
	acl               string
	hasACL            bool
}

// addrAt is an address with where it was written.
type addrAt struct {
	a    netip.Addr
	n    *yaml.Node
	path string
}

// idAt is an id in a list, with where it was written.
type idAt struct {
	id   string
	n    *yaml.Node
	path string
}

// ifaceDecl is an interface as written: in a change, the fields it names.
type ifaceDecl struct {
	o            *obj
	id           string
	subnet       string
	hasSubnet    bool
	ips, ip6s    []addrAt
	hasIPs       bool
	hasIP6s      bool
	groups       []idAt
	hasGroups    bool
	listening    []vpc.Port
	hasListening bool
	tracking     conntrack.Config
	hasTracking  bool
}

// declarations reads the five declaration lists of o (the document or a
// change).
func (d *decoder) declarations(o *obj) *decls {
	ds := &decls{}
	items, _ := o.list("prefix_lists")
	for i, n := range items {
		if p := d.prefixList(n, o.elem("prefix_lists", i)); p != nil {
			ds.prefixLists = append(ds.prefixLists, p)
		}
	}
	items, _ = o.list("security_groups")
	for i, n := range items {
		if g := d.securityGroup(n, o.elem("security_groups", i), ds); g != nil {
			ds.groups = append(ds.groups, g)
		}
	}
	items, _ = o.list("network_acls")
	for i, n := range items {
		if a := d.networkACL(n, o.elem("network_acls", i)); a != nil {
			ds.acls = append(ds.acls, a)
		}
	}
	items, _ = o.list("subnets")
	for i, n := range items {
		if s := d.subnet(n, o.elem("subnets", i)); s != nil {
			ds.subnets = append(ds.subnets, s)
		}
	}
	items, _ = o.list("interfaces")
	for i, n := range items {
		if f := d.iface(n, o.elem("interfaces", i)); f != nil {
			ds.ifaces = append(ds.ifaces, f)
		}
	}
	return ds
}

// empty reports whether there is nothing declared.
func (ds *decls) empty() bool {
	return len(ds.prefixLists)+len(ds.groups)+len(ds.acls)+len(ds.subnets)+len(ds.ifaces) == 0
}

func (d *decoder) prefixList(n *yaml.Node, path string) *plDecl {
	o := d.object(n, path, d.named(n, "prefix list"), prefixListFields)
	if o == nil {
		return nil
	}
	id, idOK := o.id("prefix list")
	items, _ := o.list("entries")
	p := &plDecl{o: o, pl: PrefixList{Pos: d.pos(o.n), PrefixList: vpc.PrefixList{ID: id}}}
	for i, e := range items {
		if c, ok := o.prefixValue(o.elem("entries", i), "entries", e, anyFamily, ""); ok {
			p.pl.Entries = append(p.pl.Entries, c)
			p.pl.EntriesPos = append(p.pl.EntriesPos, d.pos(e))
			p.entries = append(p.entries, nodeAt{n: e, path: o.elem("entries", i)})
		}
	}
	if !idOK {
		return nil
	}
	return p
}

// sgRuleSrc is where one expanded rule of a group came from.
type sgRuleSrc struct {
	ro  *obj
	bad bool // the rule block had errors of its own: library errors about it are noise
}

func (d *decoder) securityGroup(n *yaml.Node, path string, ds *decls) *sgDecl {
	o := d.object(n, path, d.named(n, "security group"), groupFields)
	if o == nil {
		return nil
	}
	id, idOK := o.id("security group")
	g := &sgDecl{o: o, g: SecurityGroup{Pos: d.pos(o.n), Group: sg.Group{ID: id}}}
	var srcs [2][]sgRuleSrc
	for _, dir := range directions {
		key := dir.String()
		items, _ := o.list(key)
		for i, rn := range items {
			before := len(d.errs)
			ro := d.object(rn, o.elem(key, i), o.ctx+" "+key+"["+strconv.Itoa(i)+"]", sgRuleFields)
			if ro == nil {
				continue
			}
			rules, pos := d.sgRule(ro, i, id, ds)
			bad := len(d.errs) > before
			for range rules {
				srcs[dir] = append(srcs[dir], sgRuleSrc{ro: ro, bad: bad})
			}
			if dir == flow.Egress {
				g.g.Group.Egress = append(g.g.Group.Egress, rules...)
				g.g.EgressPos = append(g.g.EgressPos, pos...)
			} else {
				g.g.Group.Ingress = append(g.g.Group.Ingress, rules...)
				g.g.IngressPos = append(g.g.IngressPos, pos...)
			}
		}
	}
	// The library checks ranges, ICMP type/code pairs and descriptions.
	for _, e := range joined(g.g.Group.Validate()) {
		var re *sg.RuleError
		if !errors.As(e, &re) || re.Index < 0 {
			if !idOK {
				continue // the id was reported already
			}
			d.failAt(d.pos(o.n), path, prefix(o.ctx)+e.Error())
			continue
		}
		list := srcs[re.Direction]
		if re.Index >= len(list) || list[re.Index].bad {
			continue
		}
		ro := list[re.Index].ro
		var at Pos
		rp := g.g.IngressPos
		if re.Direction == flow.Egress {
			rp = g.g.EgressPos
		}
		switch re.Field {
		case "protocol", "from_port", "to_port", "description":
			at = ro.at(re.Field)
		default:
			at = rp[re.Index].Peer
		}
		msg := re.Field
		if re.Value != "" {
			msg += " " + re.Value
		}
		if re.Err != nil {
			msg += ": " + re.Err.Error()
		}
		d.failAt(at, ro.field(re.Field), prefix(ro.ctx)+msg)
	}
	for _, w := range sg.Warnings(&g.g.Group) {
		// At the rule's peer (what a duplicate or a host-bits warning is
		// about), or at the group for a quota.
		at, rp := d.pos(o.n), g.g.IngressPos
		if w.Direction == flow.Egress {
			rp = g.g.EgressPos
		}
		if w.Index >= 0 && w.Index < len(rp) {
			at = rp[w.Index].Peer
		}
		d.warnAt(at, w.Msg)
	}
	if !idOK {
		return nil
	}
	return g
}

// sgRule reads one rule block and expands it into one rule per peer.
func (d *decoder) sgRule(ro *obj, index int, group string, ds *decls) ([]sg.Rule, []RulePos) {
	proto, protoOK := ro.protocol()
	from, _, fromOK := ro.integer("from_port")
	to, _, toOK := ro.integer("to_port")
	hasFrom, hasTo := ro.has("from_port"), ro.has("to_port")
	base := sg.Rule{Protocol: proto}
	if protoOK {
		p, single := proto.Proto()
		switch {
		case single && p.HasPorts():
			if !hasFrom {
				ro.missing("from_port", "the first port of the range, 0..65535")
			}
			if !hasTo {
				ro.missing("to_port", "the last port of the range, 0..65535")
			}
			base.FromPort, base.ToPort = from, to
		case single && p == flow.ICMP:
			if !hasFrom {
				ro.missing("from_port", "the ICMP type, -1 for any")
			}
			if !hasTo {
				ro.missing("to_port", "the ICMP code, -1 for any")
			}
			base.FromPort, base.ToPort = from, to
		case single && p == flow.ICMPv6:
			switch {
			case hasFrom && !hasTo:
				ro.missing("to_port", "the ICMPv6 code, -1 for any: an icmpv6 rule gives both type and code or neither")
			case hasTo && !hasFrom:
				ro.missing("from_port", "the ICMPv6 type, -1 for any: an icmpv6 rule gives both type and code or neither")
			case !hasFrom:
				from, to = -1, -1 // all types and codes (SG-3)
			}
			base.FromPort, base.ToPort = from, to
		default:
			// "-1" and protocols without ports: Terraform wants 0/0.
			for _, f := range [2]struct {
				key string
				v   int
				ok  bool
			}{{"from_port", from, fromOK}, {"to_port", to, toOK}} {
				if f.ok && f.v != 0 {
					ro.fail(f.key, ro.val(f.key), "must be 0 or absent for protocol "+proto.String()+": it has no ports (Terraform's rule)")
				}
			}
		}
	}
	if desc, _, ok := ro.str("description"); ok {
		base.Description = desc
	}

	var rules []sg.Rule
	var pos []RulePos
	rulePos := ro.d.pos(ro.n)
	add := func(r sg.Rule, n *yaml.Node) {
		rules = append(rules, r)
		pos = append(pos, RulePos{Rule: rulePos, Index: index, Peer: ro.d.pos(n)})
	}
	peers := false
	for _, f := range [2]struct {
		key, other string
		fam        family
	}{{"cidr_blocks", "ipv6_cidr_blocks", v4}, {"ipv6_cidr_blocks", "cidr_blocks", v6}} {
		// A peer field that is not a list counts as a peer: its own
		// error is the one to report, not "no peer" as well.
		peers = peers || notList(ro.val(f.key))
		items, _ := ro.list(f.key)
		for i, e := range items {
			peers = true
			if c, ok := ro.prefixValue(ro.elem(f.key, i), f.key, e, f.fam, f.other); ok {
				r := base
				r.CIDR = c
				add(r, e)
			}
		}
	}
	for _, f := range [2]struct {
		key  string
		kind refKind
	}{{"prefix_list_ids", refPrefixList}, {"security_groups", refGroup}} {
		peers = peers || notList(ro.val(f.key))
		items, _ := ro.list(f.key)
		for i, e := range items {
			peers = true
			id, ok := ro.idRef(f.key, i, e)
			if !ok {
				continue
			}
			ds.refs = append(ds.refs, ref{kind: f.kind, id: id, o: ro, key: f.key, path: ro.elem(f.key, i), n: e})
			r := base
			if f.kind == refGroup {
				r.Group = id
			} else {
				r.PrefixList = id
			}
			add(r, e)
		}
	}
	self, n, ok := ro.boolean("self")
	if ro.has("self") && !ok {
		peers = true // reported: not a boolean
	}
	if ok && self {
		peers = true
		if group != "" {
			r := base
			r.Group = group
			add(r, n)
		}
	}
	if !peers && !slices.ContainsFunc(peerFields, func(k string) bool { return ro.suggested[k] }) {
		ro.d.failAt(rulePos, ro.path, prefix(ro.ctx)+"no peer: give at least one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups, self: true")
	}
	return rules, pos
}

// notList reports whether n is given and is not a list.
func notList(n *yaml.Node) bool { return n != nil && n.Kind != yaml.SequenceNode }

// naclRuleSrc is where one rule of an ACL came from.
type naclRuleSrc struct {
	ro  *obj
	bad bool
}

func (d *decoder) networkACL(n *yaml.Node, path string) *aclDecl {
	o := d.object(n, path, d.named(n, "nacl"), aclFields)
	if o == nil {
		return nil
	}
	id, idOK := o.id("nacl")
	a := &aclDecl{o: o, acl: NetworkACL{Pos: d.pos(o.n), ACL: nacl.ACL{ID: id}}}
	var srcs [2][]naclRuleSrc
	for _, dir := range directions {
		key := dir.String()
		items, _ := o.list(key)
		for i, rn := range items {
			before := len(d.errs)
			ctx := o.ctx + " " + key + "[" + strconv.Itoa(i) + "]"
			if num, ok := intValue(d.peek(rn, "rule_no")); ok {
				ctx = o.ctx + " " + key + " rule " + strconv.Itoa(num)
			}
			ro := d.object(rn, o.elem(key, i), ctx, naclRuleFields)
			if ro == nil {
				continue
			}
			r := d.naclRule(ro, o.ctx+" "+key)
			srcs[dir] = append(srcs[dir], naclRuleSrc{ro: ro, bad: len(d.errs) > before})
			if dir == flow.Egress {
				a.acl.ACL.Egress = append(a.acl.ACL.Egress, r)
				a.acl.EgressPos = append(a.acl.EgressPos, d.pos(ro.n))
			} else {
				a.acl.ACL.Ingress = append(a.acl.ACL.Ingress, r)
				a.acl.IngressPos = append(a.acl.IngressPos, d.pos(ro.n))
			}
		}
	}
	// The library checks rule numbers (range, unique per direction), port
	// ranges and ICMP type/code pairs.
	for _, e := range joined(a.acl.ACL.Validate()) {
		var re *nacl.RuleError
		if !errors.As(e, &re) || re.Index < 0 {
			if idOK {
				d.failAt(d.pos(o.n), path, e.Error())
			}
			continue
		}
		list := srcs[re.Direction]
		if re.Index >= len(list) || list[re.Index].bad {
			continue
		}
		ro := list[re.Index].ro
		d.failAt(ro.at(re.Field), ro.field(re.Field), e.Error())
	}
	for _, w := range a.acl.ACL.Warnings() {
		// At the rule's CIDR, or at the ACL for a quota.
		at := d.pos(o.n)
		if list := srcs[w.Direction]; w.Index >= 0 && w.Index < len(list) {
			ro, field := list[w.Index].ro, nacl.FieldCIDRBlock
			if !ro.has(field) {
				field = nacl.FieldIPv6CIDRBlock // or the rule, when it has neither
			}
			at = ro.at(field)
		}
		d.warnAt(at, w.Msg)
	}
	if !idOK {
		return nil
	}
	return a
}

// naclRule reads one NACL rule; dirCtx names the ACL and direction
// ("nacl acl-web ingress").
func (d *decoder) naclRule(ro *obj, dirCtx string) nacl.Rule {
	var r nacl.Rule
	num, _, numOK := ro.integer("rule_no")
	switch {
	case numOK:
		r.Number = num
		ro.ctx = dirCtx + " rule " + strconv.Itoa(num)
	case !ro.has("rule_no"):
		ro.missing("rule_no", "1..32766, unique per direction")
	}
	if v, n, ok := ro.str("action"); ok {
		act, err := nacl.ParseAction(v)
		if err != nil {
			ro.fail("action", n, "want allow or deny")
		}
		r.Action = act
	} else if !ro.has("action") {
		ro.missing("action", "allow or deny")
	}
	proto, protoOK := ro.protocol()
	r.Protocol = proto

	c4, c6 := ro.has("cidr_block"), ro.has("ipv6_cidr_block")
	switch {
	case c4 && c6:
		ro.fail("ipv6_cidr_block", ro.val("ipv6_cidr_block"), "give exactly one of cidr_block and ipv6_cidr_block (write two rules)")
	case c4:
		r.CIDR, _ = ro.prefixField("cidr_block", v4, "ipv6_cidr_block")
	case c6:
		r.CIDR, _ = ro.prefixField("ipv6_cidr_block", v6, "cidr_block")
	default:
		ro.missing("cidr_block", "or ipv6_cidr_block: exactly one")
	}

	if !protoOK {
		return r
	}
	p, single := proto.Proto()
	ports := single && p.HasPorts()
	icmp := single && p.IsICMP()
	for _, f := range [4]struct {
		key  string
		dst  *int
		need bool
		hint string
	}{
		{"from_port", &r.FromPort, ports, "the first destination port, 0..65535"},
		{"to_port", &r.ToPort, ports, "the last destination port, 0..65535"},
		{"icmp_type", &r.ICMPType, icmp, "-1 for any type; AWS has no default"},
		{"icmp_code", &r.ICMPCode, icmp, "-1 for any code; AWS has no default"},
	} {
		v, n, ok := ro.integer(f.key)
		switch {
		case f.need && !ro.has(f.key):
			ro.missing(f.key, f.hint+" for protocol "+proto.String())
		case f.need:
			*f.dst = v
		case ok && v != 0:
			only := "tcp and udp rules have ports"
			if strings.HasPrefix(f.key, "icmp") {
				only = "icmp and icmpv6 rules have an ICMP type and code"
			}
			ro.fail(f.key, n, "must be 0 or absent for protocol "+proto.String()+": only "+only)
		}
	}
	return r
}

func (d *decoder) subnet(n *yaml.Node, path string) *subnetDecl {
	o := d.object(n, path, d.named(n, "subnet"), subnetFields)
	if o == nil {
		return nil
	}
	id, ok := o.id("subnet")
	s := &subnetDecl{o: o, id: id}
	s.hasCIDR, s.hasCIDR6 = o.has("cidr_block"), o.has("ipv6_cidr_block")
	s.cidr, _ = o.prefixField("cidr_block", v4, "ipv6_cidr_block")
	s.cidr6, _ = o.prefixField("ipv6_cidr_block", v6, "cidr_block")
	if v, n, ok := o.str("network_acl"); ok {
		if msg := checkID(v); msg != "" {
			o.fail("network_acl", n, msg)
		} else {
			s.acl, s.hasACL = v, true
		}
	}
	if !ok {
		return nil
	}
	return s
}

func (d *decoder) iface(n *yaml.Node, path string) *ifaceDecl {
	o := d.object(n, path, d.named(n, "interface"), ifaceFields)
	if o == nil {
		return nil
	}
	id, ok := o.id("interface")
	f := &ifaceDecl{o: o, id: id}
	if v, n, ok := o.str("subnet"); ok {
		if msg := checkID(v); msg != "" {
			o.fail("subnet", n, msg)
		} else {
			f.subnet, f.hasSubnet = v, true
		}
	}
	// How many addresses and groups, each once, and which: the VPC
	// model checks that (state.go).
	f.ips, f.hasIPs = d.addrList(o, "private_ips", v4, "ipv6_addresses")
	f.ip6s, f.hasIP6s = d.addrList(o, "ipv6_addresses", v6, "private_ips")

	if items, ok := o.list("security_groups"); ok {
		f.hasGroups = true
		if n := len(items); n > 5 && n <= sg.MaxGroups {
			d.warnAt(o.at("security_groups"), prefix(o.ctx)+strconv.Itoa(n)+" security groups: over AWS's default quota of 5 per interface; it can be raised to 16 (SG-26)")
		}
		for i, e := range items {
			if g, ok := o.idRef("security_groups", i, e); ok {
				f.groups = append(f.groups, idAt{id: g, n: e, path: o.elem("security_groups", i)})
			}
		}
	}

	if items, ok := o.list("listening"); ok {
		f.hasListening = true
		f.listening = []vpc.Port{}
		for i, e := range items {
			l, ok := listenValue(e)
			if !ok {
				o.failPath(o.elem("listening", i), "listening", e, "want a protocol and a port such as tcp/80 or udp/53")
				continue
			}
			if slices.Contains(f.listening, l) {
				d.warnAt(d.pos(e), prefix(o.ctx)+"listening "+l.String()+": listed twice")
				continue
			}
			f.listening = append(f.listening, l)
		}
	}

	if tn := o.val("connection_tracking"); tn != nil {
		f.hasTracking = true
		f.tracking = d.tracking(tn, o)
	}
	if !ok {
		return nil
	}
	return f
}

// addrList reads a list of addresses of one family.
func (d *decoder) addrList(o *obj, key string, fam family, other string) ([]addrAt, bool) {
	items, ok := o.list(key)
	if !ok {
		return nil, false
	}
	out := []addrAt{}
	for i, e := range items {
		path := o.elem(key, i)
		if a, ok := o.addrValue(path, key, e, fam, other); ok {
			out = append(out, addrAt{a: a, n: e, path: path})
		}
	}
	return out, true
}

// listenValue reads "tcp/80" or "udp/53".
func listenValue(n *yaml.Node) (vpc.Port, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return vpc.Port{}, false
	}
	proto, port, found := strings.Cut(strings.TrimSpace(n.Value), "/")
	if !found {
		return vpc.Port{}, false
	}
	var l vpc.Port
	switch strings.ToLower(proto) {
	case "tcp":
		l.Proto = flow.TCP
	case "udp":
		l.Proto = flow.UDP
	default:
		return vpc.Port{}, false
	}
	v, err := strconv.Atoi(port)
	if err != nil || v < 1 || v > 65535 {
		return vpc.Port{}, false
	}
	l.Port = uint16(v)
	return l, true
}

// tracking reads connection_tracking (CT-16): whole seconds within AWS's
// ranges.
func (d *decoder) tracking(n *yaml.Node, parent *obj) conntrack.Config {
	var t conntrack.Config
	o := d.object(n, parent.field("connection_tracking"), parent.ctx+" connection_tracking", trackingFields)
	if o == nil {
		return t
	}
	for _, f := range [3]struct {
		key    string
		dst    *time.Duration
		lo, hi time.Duration
	}{
		{"tcp_established_timeout", &t.TCPEstablishedTimeout, conntrack.MinTCPEstablishedTimeout, conntrack.MaxTCPEstablishedTimeout},
		{"udp_stream_timeout", &t.UDPStreamTimeout, conntrack.MinUDPStreamTimeout, conntrack.MaxUDPStreamTimeout},
		{"udp_timeout", &t.UDPTimeout, conntrack.MinUDPTimeout, conntrack.MaxUDPTimeout},
	} {
		v, vn, ok := o.integer(f.key)
		if !ok {
			continue
		}
		lo, hi := int(f.lo/time.Second), int(f.hi/time.Second)
		if v < lo || v > hi {
			o.fail(f.key, vn, "must be "+strconv.Itoa(lo)+".."+strconv.Itoa(hi)+" seconds (CT-16)")
			continue
		}
		*f.dst = time.Duration(v) * time.Second
	}
	return t
}

// joined returns the errors joined in err, or err alone.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
