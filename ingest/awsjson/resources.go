package awsjson

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// This file reads each kind of resource of the describe outputs into the
// library's types, keeping where each value came from.

// where is a field of a resource as written: its path, and its offset
// in its file, turned into a position only when a message needs it.
type where struct {
	path string
	d    *doc
	off  int
}

// pos returns the field's position; the zero Pos for the zero where.
func (w where) pos() source.Pos {
	if w.d == nil {
		return source.Pos{}
	}
	return w.d.pos(w.off)
}

// base is what every resource read from a file has.
type base struct {
	id  string
	vpc string // its VpcId; "" when the output does not say
	pos source.Pos
	// loc says where the fields of the built object were written, by the
	// field names of vpc.ConfigError (one entry per list element).
	loc map[string][]where
}

func newBase(id string, o obj) base {
	return base{id: id, pos: o.d.at(o.v), loc: map[string][]where{}}
}

func (b *base) note(field string, o obj, key string) {
	b.loc[field] = append(b.loc[field], o.where(key))
}

// ruleAt is a security group rule and where its parts were written.
type ruleAt struct {
	rule sg.Rule
	// res is the resource the paths of at are relative to: the group, or
	// the rule of describe-security-group-rules.
	res string
	// at says where its parts are.
	at ruleWhere
	// ref is set when the peer names a group or prefix list: what the
	// reference says, for the warning if it is missing.
	ref refInfo
}

// refInfo is a reference to a security group or prefix list.
type refInfo struct {
	kind  vpc.Kind
	id    string
	res   string // the resource that names it
	where where
	// vpc, peering and user say where the referenced group lives, when
	// the pair says it.
	vpc, peering, user string
}

// ruleWhere says where the parts of a security group rule are.
type ruleWhere struct{ protocol, fromPort, toPort, peer, description where }

// get returns where the field sg.RuleError names is: protocol,
// from_port, to_port, description, or the peer for the peer fields.
func (rw *ruleWhere) get(field string) (where, bool) {
	switch field {
	case "protocol":
		return rw.protocol, true
	case "from_port":
		return rw.fromPort, true
	case "to_port":
		return rw.toPort, true
	case "description":
		return rw.description, true
	}
	return rw.peer, true
}

type groupObj struct {
	base
	g     sg.Group
	rules [2][]ruleAt // by flow.Direction
}

// flatRule is one rule of describe-security-group-rules.
type flatRule struct {
	group string
	dir   flow.Direction
	rule  ruleAt
	pos   source.Pos
}

type aclObj struct {
	base
	acl       nacl.ACL
	isDefault bool
	entries   [2][]where            // each rule's entry, by direction
	fields    [2][]map[string]where // each rule's fields by nacl's field names
	assocs    []assoc
}

type assoc struct {
	subnet string
	at     where
}

type subnetObj struct {
	base
	s        vpc.Subnet
	ipv6Only bool
}

type eniObj struct {
	base
	itf   vpc.Interface
	what  string // "interface of instance i-…", for messages
	kind  string // InterfaceType
	refs  []refInfo
	empty bool // no group: left out
}

type plObj struct {
	base
	pl         vpc.PrefixList
	hasEntries bool
}

type vpcObj struct {
	base
	cidr netip.Prefix
}

// readGroup reads one element of SecurityGroups.
func (r *reader) readGroup(o obj) {
	id, _, ok := o.id("GroupId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	g := &groupObj{base: newBase(id, o), g: sg.Group{ID: id}}
	g.vpc, _, _ = o.str("VpcId")
	for _, dir := range [...]flow.Direction{flow.Ingress, flow.Egress} {
		key := "IpPermissions"
		if dir == flow.Egress {
			key = "IpPermissionsEgress"
		}
		o.objects(key, func(i int, p obj) {
			for _, ra := range r.permission(p, id) {
				g.rules[dir] = append(g.rules[dir], ra)
			}
		})
	}
	for dir := range g.rules {
		for _, ra := range g.rules[dir] {
			if dir == int(flow.Egress) {
				g.g.Egress = append(g.g.Egress, ra.rule)
			} else {
				g.g.Ingress = append(g.g.Ingress, ra.rule)
			}
		}
	}
	r.groups = append(r.groups, g)
}

// ruleBase reads the protocol and ports of a permission or a flat rule.
// The ports mean what IpPermission says (SG-3, SG-4, IN-3, IN-4, IN-8):
// a port range for tcp and udp, type and code for icmp and icmpv6 (icmpv6
// without them: all types and codes), nothing for "-1" and other
// protocols, whatever the output holds there (0, -1 or nothing).
func (r *reader) ruleBase(p obj) (sg.Rule, ruleWhere, bool) {
	at := ruleWhere{protocol: p.where("IpProtocol"), fromPort: p.where("FromPort"), toPort: p.where("ToPort")}
	proto, ok := p.protocol("IpProtocol")
	if !ok {
		return sg.Rule{}, at, false
	}
	rule := sg.Rule{Protocol: proto}
	from, fv, fromOK := p.integer("FromPort")
	to, tv, toOK := p.integer("ToPort")
	single, isSingle := proto.Proto()
	switch {
	case !isSingle: // -1
	case single.HasPorts() || single == flow.ICMP:
		what := "port"
		if single == flow.ICMP {
			what = "ICMP type/code"
		}
		if fv == nil {
			p.fail("FromPort", "required for protocol "+proto.String()+" (the first "+what+")")
		}
		if tv == nil {
			p.fail("ToPort", "required for protocol "+proto.String()+" (the last "+what+")")
		}
		if !fromOK || !toOK {
			return rule, at, false
		}
		rule.FromPort, rule.ToPort = from, to
	case single == flow.ICMPv6:
		switch {
		case fv == nil && tv == nil:
			rule.FromPort, rule.ToPort = -1, -1 // all types and codes (SG-3)
		case fv == nil || tv == nil:
			p.fail("FromPort", "icmpv6 takes both FromPort and ToPort (type and code) or neither")
			return rule, at, false
		case !fromOK || !toOK:
			return rule, at, false
		default:
			rule.FromPort, rule.ToPort = from, to
		}
	}
	return rule, at, true
}

// permission expands one IpPermission into one rule per peer (IN-1), in
// the order IpRanges, Ipv6Ranges, PrefixListIds, UserIdGroupPairs.
func (r *reader) permission(p obj, group string) []ruleAt {
	rule, at, ok := r.ruleBase(p)
	var out []ruleAt
	add := func(c obj, key string, set func(*sg.Rule) bool) {
		rr := rule
		if !set(&rr) || !ok {
			return
		}
		if d, _, has := c.str("Description"); has {
			rr.Description = d
		}
		ra := ruleAt{rule: rr, res: c.res, at: at}
		ra.at.peer = c.where(key)
		ra.at.description = c.where("Description")
		out = append(out, ra)
	}
	peers := 0
	p.objects("IpRanges", func(_ int, c obj) {
		peers++
		add(c, "CidrIp", func(rl *sg.Rule) (good bool) { rl.CIDR, good = c.prefix("CidrIp", v4); return good })
	})
	p.objects("Ipv6Ranges", func(_ int, c obj) {
		peers++
		add(c, "CidrIpv6", func(rl *sg.Rule) (good bool) { rl.CIDR, good = c.prefix("CidrIpv6", v6); return good })
	})
	p.objects("PrefixListIds", func(_ int, c obj) {
		peers++
		add(c, "PrefixListId", func(rl *sg.Rule) (good bool) {
			rl.PrefixList, _, good = c.id("PrefixListId")
			return good
		})
	})
	p.objects("UserIdGroupPairs", func(_ int, c obj) {
		peers++
		add(c, "GroupId", func(rl *sg.Rule) (good bool) {
			if c.get("GroupId") == nil && c.get("GroupName") != nil {
				c.fail("GroupId", "required: a group named only by GroupName (EC2-Classic) is not supported")
				return false
			}
			rl.Group, _, good = c.id("GroupId")
			return good
		})
		if n := len(out); n > 0 && out[n-1].rule.Group != "" && out[n-1].at.peer.path == c.field("GroupId") {
			out[n-1].ref = pairRef(c, vpc.KindSecurityGroup, out[n-1].rule.Group)
		}
	})
	for i := range out {
		if pl := out[i].rule.PrefixList; pl != "" {
			out[i].ref = refInfo{kind: vpc.KindPrefixList, id: pl, res: out[i].res, where: out[i].at.peer}
		}
	}
	if peers == 0 && ok {
		p.warnAt(p.v, p.path, "no IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs: a permission without a peer allows nothing; left out", "")
	}
	return out
}

// pairRef describes the group a UserIdGroupPair (or ReferencedGroupInfo)
// names.
func pairRef(c obj, kind vpc.Kind, id string) refInfo {
	ri := refInfo{kind: kind, id: id, res: c.res, where: c.where("GroupId")}
	ri.vpc, _, _ = c.str("VpcId")
	ri.peering, _, _ = c.str("VpcPeeringConnectionId")
	ri.user, _, _ = c.str("UserId")
	return ri
}

// readFlatRule reads one element of SecurityGroupRules: one rule with
// exactly one peer (IN-7).
func (r *reader) readFlatRule(o obj) {
	gid, _, ok := o.id("GroupId")
	if !ok {
		return
	}
	if rid, _, ok := o.str("SecurityGroupRuleId"); ok && rid != "" {
		o.res = rid
	} else {
		o.res = gid
	}
	o.path = ""
	egress, ev, eok := o.boolean("IsEgress")
	if ev == nil {
		o.fail("IsEgress", "required (true for an outbound rule, false for an inbound one)")
		return
	}
	rule, at, ok := r.ruleBase(o)
	if !ok || !eok {
		return
	}
	f := &flatRule{group: gid, dir: flow.Ingress, pos: o.d.at(o.v)}
	if egress {
		f.dir = flow.Egress
	}
	var peers []string
	for _, k := range [...]string{"CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo"} {
		if o.get(k) != nil {
			peers = append(peers, k)
		}
	}
	if len(peers) != 1 {
		msg := "a rule has exactly one peer: one of CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo"
		if len(peers) > 1 {
			msg += "; this one has " + joinAnd(peers)
		}
		o.failAt(o.v, "", msg)
		return
	}
	ra := ruleAt{res: o.res, at: at}
	switch key := peers[0]; key {
	case "CidrIpv4":
		rule.CIDR, ok = o.prefix(key, v4)
		ra.at.peer = o.where(key)
	case "CidrIpv6":
		rule.CIDR, ok = o.prefix(key, v6)
		ra.at.peer = o.where(key)
	case "PrefixListId":
		rule.PrefixList, _, ok = o.id(key)
		ra.at.peer = o.where(key)
		ra.ref = refInfo{kind: vpc.KindPrefixList, id: rule.PrefixList, res: o.res, where: ra.at.peer}
	case "ReferencedGroupInfo":
		c, cok := o.sub(key)
		if !cok {
			return
		}
		rule.Group, _, ok = c.id("GroupId")
		ra.at.peer = c.where("GroupId")
		ra.ref = pairRef(c, vpc.KindSecurityGroup, rule.Group)
	}
	if !ok {
		return
	}
	if d, _, has := o.str("Description"); has {
		rule.Description = d
	}
	ra.at.description = o.where("Description")
	ra.rule = rule
	f.rule = ra
	r.flat = append(r.flat, f)
}

// readACL reads one element of NetworkAcls.
func (r *reader) readACL(o obj) {
	id, _, ok := o.id("NetworkAclId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	a := &aclObj{base: newBase(id, o), acl: nacl.ACL{ID: id}}
	a.vpc, _, _ = o.str("VpcId")
	a.isDefault, _, _ = o.boolean("IsDefault")
	o.objects("Associations", func(_ int, c obj) {
		if s, _, ok := c.id("SubnetId"); ok {
			a.assocs = append(a.assocs, assoc{subnet: s, at: c.where("SubnetId")})
		}
	})
	var stars [2][2]bool // [direction][IPv6]: a `*` entry was seen
	o.objects("Entries", func(_ int, e obj) {
		rule, dir, star, ok := r.entry(e)
		if !ok {
			return
		}
		if star >= 0 {
			stars[dir][star] = true
			return
		}
		if dir == flow.Egress {
			a.acl.Egress = append(a.acl.Egress, rule)
		} else {
			a.acl.Ingress = append(a.acl.Ingress, rule)
		}
		a.entries[dir] = append(a.entries[dir], where{path: e.path, d: e.d, off: e.v.off})
		fields := map[string]where{}
		for field, key := range map[string]string{
			nacl.FieldRuleNo: "RuleNumber", nacl.FieldAction: "RuleAction", nacl.FieldProtocol: "Protocol",
			nacl.FieldCIDRBlock: "CidrBlock", nacl.FieldIPv6CIDRBlock: "Ipv6CidrBlock",
		} {
			fields[field] = e.where(key)
		}
		if pr, ok := e.sub("PortRange"); ok {
			fields[nacl.FieldFromPort] = pr.where("From")
			fields[nacl.FieldToPort] = pr.where("To")
		}
		if it, ok := e.sub("IcmpTypeCode"); ok {
			fields[nacl.FieldICMPType] = it.where("Type")
			fields[nacl.FieldICMPCode] = it.where("Code")
		}
		a.fields[dir] = append(a.fields[dir], fields)
	})
	if o.get("Entries") != nil && !stars[flow.Ingress][0] && !stars[flow.Egress][0] && len(a.acl.Ingress)+len(a.acl.Egress) > 0 {
		// AWS always lists its `*` rules; a hand-written file may leave
		// them out, and they apply all the same (NACL-15).
		o.warnAt(o.get("Entries"), o.field("Entries"), "no rule 32767 (the `*` rule): it applies all the same; pfsim adds it, as AWS does", "")
	}
	r.acls = append(r.acls, a)
}

// The numbers AWS shows for the `*` rules (NACL-15, IN-12).
const (
	starV4 = 32767
	starV6 = 32768
)

// entry reads one NetworkAclEntry. star is 0 or 1 for the IPv4 or IPv6
// `*` rule (which is not a rule of the ACL's lists), -1 otherwise.
func (r *reader) entry(e obj) (rule nacl.Rule, dir flow.Direction, star int, ok bool) {
	star = -1
	egress, ev, eok := e.boolean("Egress")
	if ev == nil {
		e.fail("Egress", "required (true for an outbound rule, false for an inbound one)")
	}
	if egress {
		dir = flow.Egress
	}
	num, nv, nok := e.integer("RuleNumber")
	if nv == nil {
		e.fail("RuleNumber", "required")
	}
	proto, pok := e.protocol("Protocol")
	act, av, aok := e.str("RuleAction")
	if av == nil {
		e.fail("RuleAction", "required (allow or deny)")
	}
	var action nacl.Action
	if aok {
		var err error
		if action, err = nacl.ParseAction(act); err != nil {
			e.fail("RuleAction", strconv.Quote(act)+": want allow or deny")
			aok = false
		}
	}
	has4, has6 := e.get("CidrBlock") != nil, e.get("Ipv6CidrBlock") != nil
	var cidr netip.Prefix
	cok := true
	switch {
	case has4 && has6:
		e.fail("Ipv6CidrBlock", "an entry has one CIDR: CidrBlock or Ipv6CidrBlock, not both (NACL-5)")
		cok = false
	case has4:
		cidr, cok = e.prefix("CidrBlock", v4)
	case has6:
		cidr, cok = e.prefix("Ipv6CidrBlock", v6)
	default:
		e.failAt(e.v, e.path, "no CidrBlock or Ipv6CidrBlock: an entry has one (NACL-5)")
		cok = false
	}
	if !eok || !nok || !pok || !aok || !cok {
		return rule, dir, star, false
	}
	if num == starV4 || num == starV6 {
		want6 := num == starV6
		fam := "0.0.0.0/0"
		if want6 {
			fam = "::/0"
		}
		if action != nacl.Deny || proto != flow.AnyProtocol || cidr.Bits() != 0 || cidr.Addr().Is6() != want6 {
			e.fail("RuleNumber", strconv.Itoa(num)+" is the number of AWS's `*` rule, deny all "+fam+
				" (NACL-15); this entry is something else, and numbers above 32766 are reserved (NACL-1)")
			return rule, dir, star, false
		}
		if want6 {
			return rule, dir, 1, true
		}
		return rule, dir, 0, true
	}
	rule = nacl.Rule{Number: num, Action: action, Protocol: proto, CIDR: cidr}
	single, isSingle := proto.Proto()
	switch {
	case isSingle && single.HasPorts():
		pr, has := e.sub("PortRange")
		if !has {
			if e.get("PortRange") == nil {
				e.fail("PortRange", "required for protocol "+proto.String()+" (NACL-6)")
			}
			return rule, dir, star, false
		}
		from, fv, fok := pr.integer("From")
		to, tv, tok := pr.integer("To")
		if fv == nil {
			pr.fail("From", "required")
		}
		if tv == nil {
			pr.fail("To", "required")
		}
		if !fok || !tok {
			return rule, dir, star, false
		}
		rule.FromPort, rule.ToPort = from, to
	case isSingle && single.IsICMP():
		it, has := e.sub("IcmpTypeCode")
		if !has {
			if e.get("IcmpTypeCode") != nil {
				return rule, dir, star, false
			}
			if single == flow.ICMPv6 && !cidr.Addr().Is6() {
				// AWS ignores ICMP fields here (NACL-11): all types.
				rule.ICMPType, rule.ICMPCode = -1, -1
				break
			}
			e.fail("IcmpTypeCode", "required for protocol "+proto.String()+" (NACL-7)")
			return rule, dir, star, false
		}
		typ, tv, tok := it.integer("Type")
		code, cv, cok := it.integer("Code")
		if tv == nil {
			it.fail("Type", "required (-1 for all types)")
		}
		if cv == nil {
			it.fail("Code", "required (-1 for all codes)")
		}
		if !tok || !cok {
			return rule, dir, star, false
		}
		rule.ICMPType, rule.ICMPCode = typ, code
	}
	return rule, dir, star, true
}

// readSubnet reads one element of Subnets.
func (r *reader) readSubnet(o obj) {
	id, _, ok := o.id("SubnetId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	s := &subnetObj{base: newBase(id, o), s: vpc.Subnet{ID: id}}
	s.vpc, _, _ = o.str("VpcId")
	s.note(vpc.FieldID, o, "SubnetId")
	if o.get("CidrBlock") == nil {
		if native, _, _ := o.boolean("Ipv6Native"); native {
			s.ipv6Only = true
			o.warnAt(o.v, "", "an IPv6-only subnet: pfsim models subnets with an IPv4 block, so it and its interfaces are left out", "")
			r.subnets = append(r.subnets, s)
			return
		}
	}
	cidr, ok := o.prefix("CidrBlock", v4)
	if !ok {
		return
	}
	s.s.CIDR = cidr
	s.note(vpc.FieldCIDRBlock, o, "CidrBlock")
	var six []netip.Prefix
	o.objects("Ipv6CidrBlockAssociationSet", func(_ int, c obj) {
		if st, ok := c.sub("Ipv6CidrBlockState"); ok {
			if state, _, _ := st.str("State"); state != "" && state != "associated" && state != "associating" {
				return // disassociated blocks stay listed for a while
			}
		}
		if p, ok := c.prefix("Ipv6CidrBlock", v6); ok {
			six = append(six, p)
			if len(six) == 1 {
				s.s.IPv6CIDR = p
				s.note(vpc.FieldIPv6CIDRBlock, c, "Ipv6CidrBlock")
			} else {
				c.warnAt(c.get("Ipv6CidrBlock"), c.field("Ipv6CidrBlock"), "a second IPv6 block: pfsim models one per subnet and uses "+six[0].String(), "")
			}
		}
	})
	r.subnets = append(r.subnets, s)
}

// readENI reads one network interface: an element of NetworkInterfaces,
// or of an instance's NetworkInterfaces in describe-instances.
func (r *reader) readENI(o obj, instance string) {
	id, _, ok := o.id("NetworkInterfaceId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	e := &eniObj{base: newBase(id, o), itf: vpc.Interface{ID: id}}
	e.vpc, _, _ = o.str("VpcId")
	e.kind, _, _ = o.str("InterfaceType")
	if instance == "" {
		if a, ok := o.sub("Attachment"); ok {
			instance, _, _ = a.str("InstanceId")
		}
	}
	e.what = "interface " + id
	switch {
	case instance != "":
		e.what += " (of instance " + instance + ")"
	case e.kind != "" && e.kind != "interface":
		e.what += " (" + e.kind + ")"
	}
	e.note(vpc.FieldID, o, "NetworkInterfaceId")
	if s, _, ok := o.id("SubnetId"); ok {
		e.itf.Subnet = s
		e.note(vpc.FieldSubnet, o, "SubnetId")
	}
	// The primary address first, then the others in their order.
	var primary, others []netip.Addr
	var pw, ow []where
	o.objects("PrivateIpAddresses", func(_ int, c obj) {
		a, _, ok := c.addr("PrivateIpAddress", v4)
		if !ok {
			return
		}
		w := c.where("PrivateIpAddress")
		if p, _, _ := c.boolean("Primary"); p && len(primary) == 0 {
			primary, pw = append(primary, a), append(pw, w)
		} else {
			others, ow = append(others, a), append(ow, w)
		}
	})
	if len(primary)+len(others) == 0 && o.get("PrivateIpAddress") != nil {
		if a, _, ok := o.addr("PrivateIpAddress", v4); ok {
			primary, pw = append(primary, a), append(pw, o.where("PrivateIpAddress"))
		}
	}
	e.itf.PrivateIPs = append(primary, others...)
	e.loc[vpc.FieldPrivateIPs] = append(pw, ow...)
	o.objects("Ipv6Addresses", func(_ int, c obj) {
		if a, _, ok := c.addr("Ipv6Address", v6); ok {
			e.itf.IPv6Addrs = append(e.itf.IPv6Addrs, a)
			e.note(vpc.FieldIPv6Addresses, c, "Ipv6Address")
		}
	})
	for _, k := range [...]string{"Ipv4Prefixes", "Ipv6Prefixes"} {
		if len(o.list(k)) > 0 {
			o.warnAt(o.get(k), o.field(k), "prefix delegation is not modelled: the addresses of these prefixes belong to no interface", "")
		}
	}
	groupsKey := "Groups"
	if o.get(groupsKey) == nil && o.get("SecurityGroups") != nil {
		groupsKey = "SecurityGroups"
	}
	o.objects(groupsKey, func(_ int, c obj) {
		if g, _, ok := c.id("GroupId"); ok {
			e.itf.Groups = append(e.itf.Groups, g)
			e.note(vpc.FieldSecurityGroups, c, "GroupId")
			e.refs = append(e.refs, refInfo{kind: vpc.KindSecurityGroup, id: g, res: id, where: c.where("GroupId")})
		}
	})
	if len(e.itf.Groups) == 0 {
		e.empty = true
	}
	if ct, ok := o.sub("ConnectionTrackingConfiguration"); ok {
		e.note(vpc.FieldConnectionTracking, o, "ConnectionTrackingConfiguration")
		for _, f := range [...]struct {
			key    string
			dst    *time.Duration
			lo, hi time.Duration
		}{
			{"TcpEstablishedTimeout", &e.itf.Tracking.TCPEstablishedTimeout, conntrack.MinTCPEstablishedTimeout, conntrack.MaxTCPEstablishedTimeout},
			{"UdpStreamTimeout", &e.itf.Tracking.UDPStreamTimeout, conntrack.MinUDPStreamTimeout, conntrack.MaxUDPStreamTimeout},
			{"UdpTimeout", &e.itf.Tracking.UDPTimeout, conntrack.MinUDPTimeout, conntrack.MaxUDPTimeout},
		} {
			n, _, ok := ct.integer(f.key)
			if !ok {
				continue
			}
			if d := time.Duration(n) * time.Second; d >= f.lo && d <= f.hi {
				*f.dst = d
				continue
			}
			ct.fail(f.key, strconv.Itoa(n)+": must be "+strconv.Itoa(int(f.lo/time.Second))+".."+strconv.Itoa(int(f.hi/time.Second))+" seconds (CT-16)")
		}
	}
	r.enis = append(r.enis, e)
}

// readPrefixList reads one element of PrefixLists. describe-managed-
// prefix-lists gives no entries; an "Entries" member (get-managed-prefix-
// list-entries' shape) is read if a file adds one.
func (r *reader) readPrefixList(o obj) {
	id, _, ok := o.id("PrefixListId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	p := &plObj{base: newBase(id, o), pl: vpc.PrefixList{ID: id}}
	if o.get("Entries") != nil {
		p.hasEntries = true
		r.entries(o, p)
	}
	r.pls = append(r.pls, p)
}

// entries reads the Entries of o into p.
func (r *reader) entries(o obj, p *plObj) {
	o.objects("Entries", func(_ int, c obj) {
		if cidr, ok := c.prefix("Cidr", anyFamily); ok {
			p.pl.Entries = append(p.pl.Entries, cidr)
			p.note(vpc.FieldEntries, c, "Cidr")
		}
	})
}

// plName finds a prefix list id in a file name: pl-0123456abcabcabc1.json.
var plName = regexp.MustCompile(`pl-[0-9A-Za-z]+`)

// readEntries reads a file of get-managed-prefix-list-entries. Its output
// does not name the list: a "PrefixListId" member does, or the file's
// name.
func (r *reader) readEntries(o obj) {
	id, v, ok := o.str("PrefixListId")
	if v == nil {
		id = plName.FindString(baseName(o.d.name))
		ok = id != ""
	}
	if !ok {
		if v == nil {
			r.fail(&source.Error{Pos: o.at("Entries"), Field: "Entries", Msg: "these prefix-list entries name no list",
				Hint: `name the file after the list (pl-0123456789abcdef0.json) or add "PrefixListId" at the top`})
		}
		return
	}
	o.res = id
	p := &plObj{base: newBase(id, o), pl: vpc.PrefixList{ID: id}, hasEntries: true}
	r.entries(o, p)
	r.pls = append(r.pls, p)
}

func baseName(name string) string {
	return name[strings.LastIndexAny(name, `/\`)+1:]
}

// readVPC reads one element of Vpcs.
func (r *reader) readVPC(o obj) {
	id, _, ok := o.id("VpcId")
	if !ok {
		return
	}
	o.res, o.path = id, ""
	v := &vpcObj{base: newBase(id, o)}
	v.vpc = id
	if o.get("CidrBlock") != nil {
		if p, ok := o.prefix("CidrBlock", v4); ok {
			v.cidr = p
			v.note(vpc.FieldCIDRBlock, o, "CidrBlock")
		}
	}
	r.vpcs = append(r.vpcs, v)
}

// joinAnd joins words as "a, b and c".
func joinAnd(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
