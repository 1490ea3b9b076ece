package terraform

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/zclconf/go-cty/cty"
)

// The resource types the model is built from.
const (
	tVPC            = "aws_vpc"
	tPrefixList     = "aws_ec2_managed_prefix_list"
	tPrefixEntry    = "aws_ec2_managed_prefix_list_entry"
	tGroup          = "aws_security_group"
	tDefaultGroup   = "aws_default_security_group"
	tGroupRule      = "aws_security_group_rule"
	tIngressRule    = "aws_vpc_security_group_ingress_rule"
	tEgressRule     = "aws_vpc_security_group_egress_rule"
	tACL            = "aws_network_acl"
	tDefaultACL     = "aws_default_network_acl"
	tACLRule        = "aws_network_acl_rule"
	tACLAssociation = "aws_network_acl_association"
	tSubnet         = "aws_subnet"
	tInstance       = "aws_instance"
	tENI            = "aws_network_interface"
	tSGAttachment   = "aws_network_interface_sg_attachment"
	tSecondaryBlock = "aws_vpc_ipv4_cidr_block_association"

	// Data sources a plan has read: a prefix list with its entries, and
	// any other, whose AWS id it names.
	tDataPrefixList = "data prefix list"
	tDataSource     = "data source"
)

// readTypes are the resource types the readers build the model from; every
// other type is reported once as not read.
var readTypes = map[string]bool{
	tVPC: true, tPrefixList: true, tPrefixEntry: true, tGroup: true, tDefaultGroup: true,
	tGroupRule: true, tIngressRule: true, tEgressRule: true, tACL: true, tDefaultACL: true,
	tACLRule: true, tACLAssociation: true, tSubnet: true, tInstance: true, tENI: true,
	tSGAttachment: true, tDataPrefixList: true, tDataSource: true, tSecondaryBlock: true,
}

// blockTypes are the nested blocks the readers keep, by resource type.
var blockTypes = map[string][]string{
	tGroup:        {"ingress", "egress"},
	tDefaultGroup: {"ingress", "egress"},
	tACL:          {"ingress", "egress"},
	tDefaultACL:   {"ingress", "egress"},
	tPrefixList:   {"entry"},
	tInstance:     {"network_interface"},
}

// DefaultGroup is the id of the VPC's default security group in the model,
// the name AWS gives it: the group of aws_default_security_group, and the
// group AWS attaches to an interface given none (SG-18a).
const DefaultGroup = "default"

// Hints: the ways out.
const (
	hintGiveFile   = "give the file that defines it"
	hintAfterApply = "set it in the configuration, or read the state after apply (terraform show -json)"
	hintPlan       = "use the plan JSON (terraform show -json PLANFILE), where Terraform has resolved it"
)

type ruleAt struct {
	res, field string
	pos        source.Pos
	// names maps the sg/nacl field names of RuleError to the argument
	// names this rule was written with, where they differ.
	names map[string]string
	fpos  map[string]source.Pos
}

type groupB struct {
	g        sg.Group
	res      string
	pos      source.Pos
	inline   bool
	declared bool
	ruleKind string // first rule resource type that adds rules to it
	in, out  []ruleAt
}

type aclB struct {
	a       nacl.ACL
	res     string
	pos     source.Pos
	inline  bool
	isDef   bool
	ruleRes bool // aws_network_acl_rule resources add to it
	in, out []ruleAt
}

type objB struct {
	res  string
	pos  source.Pos
	fpos map[string]source.Pos // vpc field → position
	fnam map[string]string     // vpc field → argument name
}

type subnetB struct {
	objB
	s       vpc.Subnet
	aclFrom string // resource that associated it with an ACL
	aclPos  source.Pos
}

type eniB struct {
	objB
	i vpc.Interface
}

type plB struct {
	objB
	p     vpc.PrefixList
	named bool // only named by a rule, not declared
}

type builder struct {
	recs []*record
	// read holds the arguments of every record and block read, with those
	// asked for (see misspelt); checkSpelling turns the check on (.tf
	// files: a plan's arguments come from the provider, spelt right).
	read          []fields
	checkSpelling bool
	errs          []*source.Error
	warns         []source.Warning

	cfgCIDR netip.Prefix
	ipv6    bool
	vpcRes  string

	groups  map[string]*groupB
	gOrder  []string
	acls    map[string]*aclB
	aOrder  []string
	subnets map[string]*subnetB
	sOrder  []string
	enis    map[string]*eniB
	eOrder  []string
	pls     map[string]*plB
	pOrder  []string

	// AWS ids (and group names) of declared objects → model ids.
	groupIDs, aclIDs, subnetIDs, plIDs, eniIDs map[string]string
	groupNames                                 map[string]string
	// dataNames maps the AWS ids of data sources a plan read to their
	// addresses, which name what the files do not declare.
	dataNames map[string]string

	// fromPlan says the records come from a plan or a state.
	fromPlan bool
	// skipped holds the subnets not modelled, by model and AWS id.
	skipped map[string]bool

	needDefaultGroup source.Pos
	defaultUser      [2]string // resource and field that first used it
	warnedExternal   map[string]bool
}

func newBuilder(recs []*record) *builder {
	return &builder{
		recs:   recs,
		groups: map[string]*groupB{}, acls: map[string]*aclB{}, subnets: map[string]*subnetB{},
		enis: map[string]*eniB{}, pls: map[string]*plB{},
		groupIDs: map[string]string{}, aclIDs: map[string]string{}, subnetIDs: map[string]string{},
		plIDs: map[string]string{}, eniIDs: map[string]string{}, groupNames: map[string]string{},
		dataNames:      map[string]string{},
		warnedExternal: map[string]bool{}, skipped: map[string]bool{},
	}
}

func (b *builder) each(typ string, fn func(r *record)) {
	for _, r := range b.recs {
		if r.typ == typ {
			fn(r)
		}
	}
}

// build turns the records into a VPC model and checks it as vpc.New would,
// reporting every problem at the argument that causes it.
func (b *builder) build() vpc.Config {
	b.readVPCs()
	b.each(tPrefixList, b.registerPrefixList)
	b.each(tDataPrefixList, b.registerDataPrefixList)
	b.each(tDataSource, func(r *record) { b.dataNames[r.awsID] = r.id })
	b.each(tGroup, b.registerGroup)
	b.each(tDefaultGroup, b.registerGroup)
	b.each(tACL, b.registerACL)
	b.each(tDefaultACL, b.registerACL)
	b.each(tSubnet, b.registerSubnet)
	b.each(tENI, b.registerENI)
	b.each(tInstance, b.registerInstance)

	b.each(tPrefixList, b.readPrefixEntries)
	b.each(tPrefixEntry, b.readPrefixEntry)
	b.each(tGroup, b.readInlineRules)
	b.each(tDefaultGroup, b.readInlineRules)
	b.each(tGroupRule, b.readGroupRule)
	b.each(tIngressRule, b.readVPCRule)
	b.each(tEgressRule, b.readVPCRule)
	b.each(tACL, b.readInlineEntries)
	b.each(tDefaultACL, b.readInlineEntries)
	b.each(tACLRule, b.readACLRule)
	b.each(tACLAssociation, b.readAssociation)
	b.each(tENI, b.readENI)
	b.each(tInstance, b.readInstance)
	b.each(tSGAttachment, b.readSGAttachment)
	b.warnUnknownBlocks()
	if b.checkSpelling {
		b.misspelt()
	}
	b.addDefaultGroup()

	cfg := vpc.Config{CIDR: b.cfgCIDR}
	for _, id := range b.pOrder {
		cfg.PrefixLists = append(cfg.PrefixLists, b.pls[id].p)
	}
	for _, id := range b.gOrder {
		cfg.SecurityGroups = append(cfg.SecurityGroups, b.groups[id].g)
	}
	for _, id := range b.aOrder {
		cfg.NetworkACLs = append(cfg.NetworkACLs, b.acls[id].a)
	}
	for _, id := range b.sOrder {
		s := b.subnets[id].s
		if s.ACL == "" {
			s.ACL = vpc.DefaultACL // not associated: the VPC's default ACL (NACL-22)
		}
		cfg.Subnets = append(cfg.Subnets, s)
	}
	for _, id := range b.eOrder {
		cfg.Interfaces = append(cfg.Interfaces, b.enis[id].i)
	}
	if len(b.errs) == 0 {
		b.check(&cfg)
	}
	return cfg
}

// --- VPC and prefix lists --------------------------------------------------

func (b *builder) readVPCs() {
	defer b.secondaryBlocks()
	n := 0
	b.each(tVPC, func(r *record) {
		n++
		f := b.fieldsOf(r)
		if n > 1 {
			f.warnf("", "read one VPC's files at a time", "a second VPC: pfsim models one VPC, so the objects of both are read into one model, and the VPC's block is left out")
			b.cfgCIDR = netip.Prefix{}
			return
		}
		b.vpcRes = r.id
		const noDNS = "the Amazon DNS address (VPC base + 2) is not known, so its traffic is filtered like any other"
		switch v := f.get("cidr_block"); {
		case !v.given():
			f.warnf("cidr_block", "", "no IPv4 block (ipv4_ipam_pool_id?): %s", noDNS)
		case !v.known():
			f.warnf("cidr_block", v.hint, "the IPv4 block is not known (%s): %s", v.why, noDNS)
		default:
			if s, _, ok := f.str("cidr_block"); ok {
				if p, ok := f.prefix("cidr_block", s, 4); ok {
					b.cfgCIDR = p.Masked()
				}
			}
		}
		if v, given, ok := f.bool("assign_generated_ipv6_cidr_block"); given && ok && v {
			b.ipv6 = true
		}
		for _, n := range []string{"ipv6_cidr_block", "ipv6_ipam_pool_id"} {
			if v := f.get(n); v.given() && (!v.known() || v.v.Type() != cty.String || v.v.AsString() != "") {
				b.ipv6 = true
			}
		}
		// A state knows the AWS ids of the VPC's default group and ACL.
		for _, x := range []struct {
			field string
			ids   map[string]string
			model string
		}{{"default_security_group_id", b.groupIDs, DefaultGroup}, {"default_network_acl_id", b.aclIDs, vpc.DefaultACL}} {
			if v := f.get(x.field); v.given() && v.known() {
				if s, err := scalarString(v.v); err == nil && s != "" && s != x.model {
					x.ids[s] = x.model
				}
			}
		}
	})
}

// secondaryBlocks leaves the VPC's block out of the model when the VPC has
// more than one: subnets in a secondary block lie outside the primary one,
// which is all a model holds.
func (b *builder) secondaryBlocks() {
	b.each(tSecondaryBlock, func(r *record) {
		if b.cfgCIDR.IsValid() {
			b.fieldsOf(r).warnf("", "", "a secondary IPv4 block: pfsim's model holds one block per VPC, so the VPC's block is left out (its Amazon DNS address, base + 2, is filtered like any other)")
			b.cfgCIDR = netip.Prefix{}
		}
	})
}

func (b *builder) registerPrefixList(r *record) {
	p := &plB{objB: objB{res: r.id, pos: r.pos}, p: vpc.PrefixList{ID: r.id}}
	b.pls[r.id] = p
	b.pOrder = append(b.pOrder, r.id)
	if r.awsID != "" {
		b.plIDs[r.awsID] = r.id
	}
}

// registerDataPrefixList adds a prefix list a plan's data source read, with
// the entries AWS gave it.
func (b *builder) registerDataPrefixList(r *record) {
	p := &plB{objB: objB{res: r.id, pos: r.pos}, p: vpc.PrefixList{ID: r.id}}
	f := b.fieldsOf(r)
	list, _, _ := f.strs("cidrs")
	for _, s := range list {
		if c, ok := f.prefix("cidrs", s, 0); ok {
			p.p.Entries = append(p.p.Entries, c)
		}
	}
	b.pls[r.id] = p
	b.pOrder = append(b.pOrder, r.id)
	b.plIDs[r.awsID] = r.id
}

func (b *builder) readPrefixEntries(r *record) {
	p := b.pls[r.id]
	for _, bl := range r.blocks["entry"] {
		f := b.blockFields(r, bl)
		if !f.require("cidr") {
			continue
		}
		if s, _, ok := f.str("cidr"); ok {
			if c, ok := f.prefix("cidr", s, 0); ok {
				p.p.Entries = append(p.p.Entries, c)
			}
		}
	}
}

func (b *builder) readPrefixEntry(r *record) {
	f := b.fieldsOf(r)
	if !f.require("prefix_list_id", "cidr") {
		return
	}
	id, _, ok := f.str("prefix_list_id")
	s, _, ok2 := f.str("cidr")
	if !ok || !ok2 {
		return
	}
	c, ok := f.prefix("cidr", s, 0)
	if !ok {
		return
	}
	pid := b.prefixListRef(f, "prefix_list_id", id)
	p := b.pls[pid]
	p.p.Entries = append(p.p.Entries, c)
}

// prefixListRef returns the model id of a prefix list named by a rule,
// adding a list with no entries, with a warning, for one the files do not
// declare.
func (b *builder) prefixListRef(f fields, field, id string) string {
	if _, ok := b.pls[id]; ok {
		return id
	}
	if m, ok := b.plIDs[id]; ok {
		return m
	}
	if n, ok := b.dataNames[id]; ok {
		id = n
		if _, ok := b.pls[id]; ok {
			return id
		}
	}
	if !b.warnedExternal["pl "+id] {
		b.warnedExternal["pl "+id] = true
		f.warnf(field, b.externalHint(id), "prefix list %s is not declared in the files given: kept with no entries, so rules naming it match no address", id)
	}
	b.pls[id] = &plB{objB: objB{res: f.res, pos: f.at(field)}, p: vpc.PrefixList{ID: id}, named: true}
	b.pOrder = append(b.pOrder, id)
	return id
}

func (b *builder) externalHint(id string) string {
	if strings.HasSuffix(id, ".prefix_list_id") {
		return "AWS manages the entries of an endpoint's prefix list; pfsim cannot know them"
	}
	if b.fromPlan {
		return "this configuration does not manage it; its members and rules are in the state of whatever does"
	}
	if strings.HasPrefix(id, "data.") {
		return "Terraform reads data sources from AWS; " + hintPlan
	}
	return hintGiveFile
}

// --- security groups -------------------------------------------------------

func (b *builder) registerGroup(r *record) {
	id := r.id
	if r.typ == tDefaultGroup {
		if g, ok := b.groups[DefaultGroup]; ok {
			b.fieldsOf(r).warnf("", "", "a second aws_default_security_group (the first is %s): pfsim models one VPC, so both manage the group %q", g.res, DefaultGroup)
			return
		}
		id = DefaultGroup
	}
	if _, ok := b.groups[id]; ok {
		return
	}
	g := &groupB{g: sg.Group{ID: id}, res: r.id, pos: r.pos, inline: r.inline, declared: true}
	b.groups[id] = g
	b.gOrder = append(b.gOrder, id)
	if r.awsID != "" {
		b.groupIDs[r.awsID] = id
	}
	if s, given, ok := b.fieldsOf(r).str("name"); given && ok && s != "" {
		b.groupNames[s] = id
	}
}

// groupOf returns the group a record builds (by id, or default).
func (b *builder) groupOf(r *record) *groupB {
	if r.typ == tDefaultGroup {
		g := b.groups[DefaultGroup]
		if g != nil && g.res == r.id {
			return g
		}
		return nil
	}
	return b.groups[r.id]
}

// groupRef returns the model id of a security group a rule or an interface
// names: a declared group by its model id, AWS id or name, or else a group
// with no rules and no members, with a warning.
func (b *builder) groupRef(f fields, field, id string) string {
	if _, ok := b.groups[id]; ok {
		return id
	}
	if m, ok := b.groupIDs[id]; ok {
		id = m
	} else if m, ok := b.groupNames[id]; ok {
		return m
	}
	if _, ok := b.groups[id]; ok {
		return id
	}
	if id == DefaultGroup {
		b.needDefault(f.at(field), f.res, f.field(field))
		b.addDefaultGroup()
		return DefaultGroup
	}
	if n, ok := b.dataNames[id]; ok {
		id = n
		if _, ok := b.groups[id]; ok {
			return id
		}
	}
	if !b.warnedExternal["sg "+id] {
		b.warnedExternal["sg "+id] = true
		what := "kept as a group that no interface carries, so rules naming it match no address"
		if field == "security_group_id" {
			what = "modelled with only the rules the files add to it, and carried by no interface"
		}
		f.warnf(field, b.externalHint(id), "security group %s is not declared in the files given: %s", id, what)
	}
	b.groups[id] = &groupB{g: sg.Group{ID: id}, res: f.res, pos: f.at(field)}
	b.gOrder = append(b.gOrder, id)
	return id
}

func (b *builder) needDefault(p source.Pos, res, field string) {
	if !b.needDefaultGroup.IsValid() {
		b.needDefaultGroup = p
		b.defaultUser = [2]string{res, field}
	}
}

// addDefaultGroup adds the VPC's default security group when something
// uses it and no aws_default_security_group manages it: AWS's rules, all
// traffic in from the group's own members, all traffic out (SG-18a).
func (b *builder) addDefaultGroup() {
	if !b.needDefaultGroup.IsValid() {
		return
	}
	if _, ok := b.groups[DefaultGroup]; ok {
		return
	}
	any4 := netip.MustParsePrefix("0.0.0.0/0")
	g := sg.Group{ID: DefaultGroup,
		Ingress: []sg.Rule{{Protocol: flow.AnyProtocol, Group: DefaultGroup}},
		Egress:  []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: any4}}}
	if b.ipv6 {
		g.Egress = append(g.Egress, sg.Rule{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("::/0")})
	}
	b.warns = append(b.warns, source.Warning{Pos: b.needDefaultGroup, Resource: b.defaultUser[0], Field: b.defaultUser[1],
		Msg:  "the VPC's default security group is used but not declared: modelled with AWS's default rules (all in from the group itself, all out)",
		Hint: "declare aws_default_security_group to manage its rules"})
	gb := &groupB{g: g, pos: b.needDefaultGroup}
	for range g.Ingress {
		gb.in = append(gb.in, ruleAt{pos: b.needDefaultGroup})
	}
	for range g.Egress {
		gb.out = append(gb.out, ruleAt{pos: b.needDefaultGroup})
	}
	b.groups[DefaultGroup] = gb
	b.gOrder = append(b.gOrder, DefaultGroup)
}

func (b *builder) readInlineRules(r *record) {
	g := b.groupOf(r)
	if g == nil {
		return
	}
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		for _, bl := range r.blocks[dir.String()] {
			f := b.blockFields(r, bl)
			if !f.require("protocol", "from_port", "to_port") {
				continue
			}
			spec, ok := b.ruleSpec(f, "protocol", true, inlineAll)
			if !ok {
				continue
			}
			desc, _, _ := f.str("description")
			n := 0
			add := func(rule sg.Rule, field string, at source.Pos) {
				n++
				rule.Description = desc
				b.addRule(g, dir, rule, f, field, at, nil)
			}
			b.expandPeers(f, g, spec, add)
			if n == 0 && !hasPeer(f) {
				f.errorf("", "", "the rule has no peer: give cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups or self = true")
			}
		}
	}
}

// expandPeers expands an inline block or aws_security_group_rule into one
// rule per peer, in the order cidr_blocks, ipv6_cidr_blocks,
// prefix_list_ids, security_groups (or source_security_group_id), self
// (IN-16).
func (b *builder) expandPeers(f fields, g *groupB, spec sg.Rule, add func(sg.Rule, string, source.Pos)) {
	for _, fam := range []struct {
		name   string
		family int
	}{{"cidr_blocks", 4}, {"ipv6_cidr_blocks", 6}} {
		list, _, ok := f.strs(fam.name)
		if !ok {
			continue
		}
		for i, s := range list {
			if p, ok := f.prefix(fam.name, s, fam.family); ok {
				r := spec
				r.CIDR = p
				add(r, fmt.Sprintf("%s[%d]", fam.name, i), f.at(fam.name))
			}
		}
	}
	if list, _, ok := f.strs("prefix_list_ids"); ok {
		for i, s := range list {
			r := spec
			r.PrefixList = b.prefixListRef(f, "prefix_list_ids", s)
			add(r, fmt.Sprintf("prefix_list_ids[%d]", i), f.at("prefix_list_ids"))
		}
	}
	if list, _, ok := f.strs("security_groups"); ok {
		for i, s := range list {
			r := spec
			r.Group = b.groupRef(f, "security_groups", s)
			add(r, fmt.Sprintf("security_groups[%d]", i), f.at("security_groups"))
		}
	}
	if s, given, ok := f.str("source_security_group_id"); given && ok {
		r := spec
		r.Group = b.groupRef(f, "source_security_group_id", s)
		add(r, "source_security_group_id", f.at("source_security_group_id"))
	}
	if self, given, ok := f.bool("self"); given && ok && self {
		r := spec
		r.Group = g.g.ID
		add(r, "self", f.at("self"))
	}
}

// hasPeer reports whether a rule names a peer at all; one that names only
// empty lists or self = false has none.
func hasPeer(f fields) bool {
	for _, n := range []string{"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "source_security_group_id"} {
		v := f.get(n)
		if !v.given() {
			continue
		}
		if !v.known() || !(v.v.Type().IsListType() || v.v.Type().IsSetType() || v.v.Type().IsTupleType()) || v.v.LengthInt() > 0 {
			return true
		}
	}
	self := f.get("self")
	return self.given() && (!self.known() || self.v.Equals(cty.True).True())
}

// How a rule kind treats ports given with protocol -1.
const (
	inlineAll  = iota // inline blocks: ports must be 0 (the provider refuses others)
	ignoreAll         // aws_security_group_rule: ports ignored (IN-22)
	omittedAll        // aws_vpc_security_group_*_rule: ports should be omitted (IN-20)
)

// ruleSpec reads protocol and ports of a security group rule: the rule
// without its peer. For icmp and icmpv6, from_port is the type and to_port
// the code (SG-4); -1 is any.
func (b *builder) ruleSpec(f fields, protoField string, portsRequired bool, all int) (sg.Rule, bool) {
	ps, _, ok := f.str(protoField)
	if !ok {
		return sg.Rule{}, false
	}
	proto, err := flow.ParseProtocol(strings.ToLower(strings.TrimSpace(ps)))
	if err != nil {
		f.errorf(protoField, "use tcp, udp, icmp, icmpv6, -1 or a protocol number", "%q is not a protocol", ps)
		return sg.Rule{}, false
	}
	from, fromGiven, ok1 := f.int("from_port")
	to, toGiven, ok2 := f.int("to_port")
	if !ok1 || !ok2 {
		return sg.Rule{}, false
	}
	r := sg.Rule{Protocol: proto}
	p, single := proto.Proto()
	switch {
	case proto == flow.AnyProtocol:
		switch all {
		case inlineAll:
			if from != 0 || to != 0 {
				f.errorf("from_port", "write from_port = 0 and to_port = 0", "protocol %q needs from_port and to_port of 0, as the provider requires", ps)
				return sg.Rule{}, false
			}
		case omittedAll:
			if fromGiven || toGiven {
				f.warnf("from_port", "leave from_port and to_port out", "ports are ignored with ip_protocol -1: the rule allows every protocol and port (IN-20)")
			}
		}
	case single && (p == flow.TCP || p == flow.UDP):
		if !fromGiven || !toGiven {
			f.require("from_port", "to_port")
			return sg.Rule{}, false
		}
		r.FromPort, r.ToPort = from, to
	case single && p.IsICMP():
		switch {
		case fromGiven && toGiven:
			r.FromPort, r.ToPort = from, to
		case !fromGiven && !toGiven && p == flow.ICMPv6 && !portsRequired:
			r.FromPort, r.ToPort = -1, -1 // all types and codes (SG-3, IN-4)
		default:
			f.require("from_port", "to_port")
			return sg.Rule{}, false
		}
	}
	return r, true
}

// addRule appends a rule to g with where it was written.
func (b *builder) addRule(g *groupB, dir flow.Direction, r sg.Rule, f fields, peerField string, peerPos source.Pos, names map[string]string) {
	at := ruleAt{res: f.res, field: strings.TrimSuffix(f.path, "."), pos: f.pos, names: names,
		fpos: map[string]source.Pos{"peer": peerPos}}
	for _, n := range []string{"protocol", "ip_protocol", "from_port", "to_port", "description"} {
		if v, ok := f.attrs[n]; ok {
			at.fpos[n] = v.pos
		}
	}
	at.fpos[strings.SplitN(peerField, "[", 2)[0]] = peerPos
	if dir == flow.Ingress {
		g.g.Ingress = append(g.g.Ingress, r)
		g.in = append(g.in, at)
	} else {
		g.g.Egress = append(g.g.Egress, r)
		g.out = append(g.out, at)
	}
}

// ruleTarget finds the group a rule resource adds to, refusing one whose
// rules are written inline (IN-18, IN-21).
func (b *builder) ruleTarget(r *record, f fields) *groupB {
	id, _, ok := f.str("security_group_id")
	if !ok {
		return nil
	}
	gid := b.groupRef(f, "security_group_id", id)
	g := b.groups[gid]
	if g.inline {
		f.errorf("security_group_id", "write all of the group's rules inline, or all as rule resources",
			"%s writes its rules inline; Terraform cannot also manage rules of it with %s (they overwrite each other, IN-18)", g.res, r.typ)
		return nil
	}
	if g.ruleKind == "" {
		g.ruleKind = r.typ
	} else if (g.ruleKind == tGroupRule) != (r.typ == tGroupRule) {
		f.warnf("security_group_id", "use one kind of rule resource per group",
			"%s also gets rules from %s resources; the provider advises against mixing them (IN-21)", g.g.ID, g.ruleKind)
	}
	return g
}

func (b *builder) readGroupRule(r *record) {
	f := b.fieldsOf(r)
	if !f.require("type", "security_group_id", "protocol", "from_port", "to_port") {
		return
	}
	typ, _, ok := f.str("type")
	if !ok {
		return
	}
	var dir flow.Direction
	switch typ {
	case "ingress":
		dir = flow.Ingress
	case "egress":
		dir = flow.Egress
	default:
		f.errorf("type", "", "%q is not ingress or egress", typ)
		return
	}
	g := b.ruleTarget(r, f)
	if g == nil {
		return
	}
	// The provider refuses these together (IN-22).
	for _, one := range []string{"source_security_group_id", "self"} {
		if !f.has(one) || (one == "self" && !f.get(one).v.Equals(cty.True).True()) {
			continue
		}
		for _, other := range []string{"cidr_blocks", "ipv6_cidr_blocks", "source_security_group_id"} {
			if other != one && f.has(other) {
				f.errorf(one, "write one rule resource per kind of peer", "%s cannot be combined with %s (IN-22)", one, other)
				return
			}
		}
	}
	spec, ok := b.ruleSpec(f, "protocol", true, ignoreAll)
	if !ok {
		return
	}
	desc, _, _ := f.str("description")
	n := 0
	b.expandPeers(f, g, spec, func(rule sg.Rule, field string, at source.Pos) {
		n++
		rule.Description = desc
		b.addRule(g, dir, rule, f, field, at, map[string]string{"security_groups": "source_security_group_id"})
	})
	if n == 0 && !hasPeer(f) {
		f.errorf("", "", "the rule has no peer: give cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, source_security_group_id or self = true")
	}
}

func (b *builder) readVPCRule(r *record) {
	f := b.fieldsOf(r)
	if !f.require("security_group_id", "ip_protocol") {
		return
	}
	dir := flow.Ingress
	if r.typ == tEgressRule {
		dir = flow.Egress
	}
	g := b.ruleTarget(r, f)
	if g == nil {
		return
	}
	spec, ok := b.ruleSpec(f, "ip_protocol", false, omittedAll)
	if !ok {
		return
	}
	var peers []string
	for _, n := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"} {
		if f.has(n) {
			peers = append(peers, n)
		}
	}
	if len(peers) != 1 {
		f.errorf("", "", "a rule needs exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id; it has %d", len(peers))
		return
	}
	peer := peers[0]
	s, _, ok := f.str(peer)
	if !ok {
		return
	}
	rule := spec
	switch peer {
	case "cidr_ipv4", "cidr_ipv6":
		fam := 4
		if peer == "cidr_ipv6" {
			fam = 6
		}
		p, ok := f.prefix(peer, s, fam)
		if !ok {
			return
		}
		rule.CIDR = p
	case "prefix_list_id":
		rule.PrefixList = b.prefixListRef(f, peer, s)
	default:
		rule.Group = b.groupRef(f, peer, s)
	}
	rule.Description, _, _ = f.str("description")
	names := map[string]string{"protocol": "ip_protocol", "cidr_blocks": "cidr_ipv4", "ipv6_cidr_blocks": "cidr_ipv6",
		"prefix_list_ids": "prefix_list_id", "security_groups": "referenced_security_group_id"}
	b.addRule(g, dir, rule, f, peer, f.at(peer), names)
}

// --- network ACLs ----------------------------------------------------------

func (b *builder) registerACL(r *record) {
	id := r.id
	if r.typ == tDefaultACL {
		if a, ok := b.acls[vpc.DefaultACL]; ok {
			b.fieldsOf(r).warnf("", "", "a second aws_default_network_acl (the first is %s): pfsim models one VPC, so both manage the ACL %q", a.res, vpc.DefaultACL)
			return
		}
		id = vpc.DefaultACL
	}
	a := &aclB{a: nacl.ACL{ID: id}, res: r.id, pos: r.pos, inline: r.inline, isDef: r.typ == tDefaultACL}
	b.acls[id] = a
	b.aOrder = append(b.aOrder, id)
	if r.awsID != "" {
		b.aclIDs[r.awsID] = id
	}
}

func (b *builder) aclOf(r *record) *aclB {
	id := r.id
	if r.typ == tDefaultACL {
		id = vpc.DefaultACL
	}
	if a := b.acls[id]; a != nil && a.res == r.id {
		return a
	}
	return nil
}

// aclRef returns the model id of a network ACL named by a rule or an
// association, or "" (with a warning) for one the files do not declare.
func (b *builder) aclRef(f fields, field, id string) string {
	if _, ok := b.acls[id]; ok {
		return id
	}
	if m, ok := b.aclIDs[id]; ok {
		id = m
		if _, ok := b.acls[id]; ok {
			return id
		}
	}
	if id == vpc.DefaultACL {
		// The VPC's default ACL, not managed here: AWS's rules (NACL-23),
		// and whatever aws_network_acl_rule resources add to them.
		f.warnf(field, "declare aws_default_network_acl to manage its rules",
			"the VPC's default network ACL is used but not declared: modelled with AWS's default rules (100 and 101 allow all)")
		a := &aclB{a: nacl.Default(vpc.DefaultACL), res: f.res, pos: f.at(field)}
		for range a.a.Ingress {
			a.in = append(a.in, ruleAt{res: f.res, pos: f.at(field)})
		}
		for range a.a.Egress {
			a.out = append(a.out, ruleAt{res: f.res, pos: f.at(field)})
		}
		b.acls[id] = a
		b.aOrder = append(b.aOrder, id)
		return id
	}
	f.warnf(field, b.externalHint(id), "network ACL %s is not declared in the files given: not read", id)
	return ""
}

func (b *builder) readInlineEntries(r *record) {
	a := b.aclOf(r)
	if a == nil {
		return
	}
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		for _, bl := range r.blocks[dir.String()] {
			f := b.blockFields(r, bl)
			if !f.require("rule_no", "action", "protocol", "from_port", "to_port") {
				continue
			}
			rule, ok := b.aclEntry(f, "rule_no", "action", true)
			if ok {
				b.addEntry(a, dir, rule, f, nil)
			}
		}
	}
	if ids, given, ok := b.fieldsOf(r).strs("subnet_ids"); given && ok {
		for _, s := range ids {
			b.associate(b.fieldsOf(r), "subnet_ids", s, a.a.ID)
		}
	}
}

// aclEntry reads one network ACL rule. inline says the rule is an inline
// block, whose icmp_type and icmp_code default to 0 (IN-25).
func (b *builder) aclEntry(f fields, numField, actionField string, inline bool) (nacl.Rule, bool) {
	num, _, ok := f.int(numField)
	if !ok {
		return nacl.Rule{}, false
	}
	as, _, ok := f.str(actionField)
	if !ok {
		return nacl.Rule{}, false
	}
	act, err := nacl.ParseAction(as)
	if err != nil {
		f.errorf(actionField, "", "%q is not allow or deny", as)
		return nacl.Rule{}, false
	}
	ps, _, ok := f.str("protocol")
	if !ok {
		return nacl.Rule{}, false
	}
	proto, err := flow.ParseProtocol(strings.ToLower(strings.TrimSpace(ps)))
	if err != nil {
		f.errorf("protocol", "use tcp, udp, icmp, icmpv6, -1, all or a protocol number", "%q is not a protocol", ps)
		return nacl.Rule{}, false
	}
	rule := nacl.Rule{Number: num, Action: act, Protocol: proto}
	v4, g4, ok4 := f.str("cidr_block")
	v6, g6, ok6 := f.str("ipv6_cidr_block")
	if !ok4 || !ok6 {
		return nacl.Rule{}, false
	}
	switch {
	case g4 && g6 && v4 != "" && v6 != "":
		f.errorf("ipv6_cidr_block", "write one rule per family", "a rule has cidr_block or ipv6_cidr_block, not both")
		return nacl.Rule{}, false
	case g4 && v4 != "":
		if rule.CIDR, ok = f.prefix("cidr_block", v4, 4); !ok {
			return nacl.Rule{}, false
		}
	case g6 && v6 != "":
		if rule.CIDR, ok = f.prefix("ipv6_cidr_block", v6, 6); !ok {
			return nacl.Rule{}, false
		}
	default:
		f.errorf("cidr_block", "", "a rule needs cidr_block or ipv6_cidr_block")
		return nacl.Rule{}, false
	}
	if rule.HasPorts() {
		from, fg, ok1 := f.int("from_port")
		to, tg, ok2 := f.int("to_port")
		if !ok1 || !ok2 {
			return nacl.Rule{}, false
		}
		if !fg || !tg {
			f.require("from_port", "to_port")
			return nacl.Rule{}, false
		}
		rule.FromPort, rule.ToPort = from, to
	}
	if p, single := proto.Proto(); single && p.IsICMP() {
		t, tg, ok1 := f.int("icmp_type")
		c, cg, ok2 := f.int("icmp_code")
		if !ok1 || !ok2 {
			return nacl.Rule{}, false
		}
		if (!tg || !cg) && inline {
			f.warnf("protocol", "write icmp_type = -1 and icmp_code = -1 for all ICMP", "icmp_type and icmp_code default to 0 in inline rules: this rule matches only type 0 code 0 (echo reply) (IN-25)")
		} else if (!tg || !cg) && rule.HasICMP() {
			f.require("icmp_type", "icmp_code")
			return nacl.Rule{}, false
		}
		rule.ICMPType, rule.ICMPCode = t, c
	}
	return rule, true
}

func (b *builder) addEntry(a *aclB, dir flow.Direction, r nacl.Rule, f fields, names map[string]string) {
	at := ruleAt{res: f.res, field: strings.TrimSuffix(f.path, "."), pos: f.pos, names: names, fpos: map[string]source.Pos{}}
	for n, v := range f.attrs {
		at.fpos[n] = v.pos
	}
	if dir == flow.Ingress {
		a.a.Ingress = append(a.a.Ingress, r)
		a.in = append(a.in, at)
	} else {
		a.a.Egress = append(a.a.Egress, r)
		a.out = append(a.out, at)
	}
}

func (b *builder) readACLRule(r *record) {
	f := b.fieldsOf(r)
	if !f.require("network_acl_id", "rule_number", "rule_action", "protocol") {
		return
	}
	id, _, ok := f.str("network_acl_id")
	if !ok {
		return
	}
	aid := b.aclRef(f, "network_acl_id", id)
	if aid == "" {
		return
	}
	a := b.acls[aid]
	if a.inline || a.isDef {
		f.errorf("network_acl_id", "write all of the ACL's rules inline, or all as aws_network_acl_rule resources",
			"%s manages its rules inline; Terraform cannot also manage rules of it with aws_network_acl_rule (they overwrite each other, IN-26)", a.res)
		return
	}
	egress, _, ok := f.bool("egress")
	if !ok {
		return
	}
	rule, ok := b.aclEntry(f, "rule_number", "rule_action", false)
	if !ok {
		return
	}
	dir := flow.Ingress
	if egress {
		dir = flow.Egress
	}
	a.ruleRes = true
	b.addEntry(a, dir, rule, f, map[string]string{"rule_no": "rule_number", "action": "rule_action"})
}

// --- subnets and associations ---------------------------------------------

func (b *builder) registerSubnet(r *record) {
	s := &subnetB{objB: objB{res: r.id, pos: r.pos, fpos: map[string]source.Pos{}, fnam: map[string]string{}}, s: vpc.Subnet{ID: r.id}}
	f := b.fieldsOf(r)
	if !f.has("cidr_block") {
		f.warnf("cidr_block", "", "no IPv4 block: pfsim models subnets with an IPv4 block, so the subnet and its interfaces are not modelled")
		b.skipped[r.id] = true
		if r.awsID != "" {
			b.skipped[r.awsID] = true
		}
		return
	}
	cs, _, ok := f.str("cidr_block")
	if !ok {
		return
	}
	p, ok := f.prefix("cidr_block", cs, 4)
	if !ok {
		return
	}
	s.s.CIDR = p
	s.fpos[vpc.FieldCIDRBlock] = f.at("cidr_block")
	v := f.get("ipv6_cidr_block")
	switch {
	case v.given() && !v.known():
		f.warnf("ipv6_cidr_block", v.hint, "IPv6 block not known (%s): the subnet is modelled without IPv6", v.why)
	case v.given():
		if s6, _, ok := f.str("ipv6_cidr_block"); ok && s6 != "" {
			if p6, ok := f.prefix("ipv6_cidr_block", s6, 6); ok {
				s.s.IPv6CIDR = p6
				s.fpos[vpc.FieldIPv6CIDRBlock] = f.at("ipv6_cidr_block")
			}
		}
	}
	b.subnets[r.id] = s
	b.sOrder = append(b.sOrder, r.id)
	if r.awsID != "" {
		b.subnetIDs[r.awsID] = r.id
	}
}

func (b *builder) subnetRef(f fields, field, id string, what string) string {
	if _, ok := b.subnets[id]; ok {
		return id
	}
	if m, ok := b.subnetIDs[id]; ok {
		return m
	}
	if b.skipped[id] {
		f.warnf(field, "", "subnet %s is not modelled (it has no IPv4 block): %s", id, what)
		return ""
	}
	f.warnf(field, b.externalHint(id), "subnet %s is not declared in the files given: %s", id, what)
	return ""
}

// associate associates a subnet with an ACL, refusing a second association
// (NACL-26: a subnet has one ACL at a time).
func (b *builder) associate(f fields, field, subnet, acl string) {
	sid := b.subnetRef(f, field, subnet, "its association is not read")
	if sid == "" {
		return
	}
	s := b.subnets[sid]
	if s.aclFrom != "" {
		if s.s.ACL != acl {
			f.errorf(field, "associate each subnet with one network ACL", "%s is also associated with %s by %s (%s); a subnet has one network ACL (NACL-26)",
				sid, s.s.ACL, s.aclFrom, s.aclPos)
		}
		return
	}
	s.s.ACL, s.aclFrom, s.aclPos = acl, f.res, f.at(field)
	s.fpos[vpc.FieldNetworkACL] = f.at(field)
	s.fnam[vpc.FieldNetworkACL] = field
}

func (b *builder) readAssociation(r *record) {
	f := b.fieldsOf(r)
	if !f.require("network_acl_id", "subnet_id") {
		return
	}
	aid, _, ok1 := f.str("network_acl_id")
	sid, _, ok2 := f.str("subnet_id")
	if !ok1 || !ok2 {
		return
	}
	if a := b.aclRef(f, "network_acl_id", aid); a != "" {
		b.associate(f, "subnet_id", sid, a)
	}
}

// --- interfaces ------------------------------------------------------------

func (b *builder) registerENI(r *record) {
	if r.awsID != "" {
		b.eniIDs[r.awsID] = r.id
	}
}

func (b *builder) registerInstance(r *record) {
	if s, given, ok := b.fieldsOf(r).str("primary_network_interface_id"); given && ok && s != "" {
		b.eniIDs[s] = r.id
	}
}

// addENI records an interface once its subnet and addresses are read.
func (b *builder) addENI(e *eniB) {
	b.enis[e.i.ID] = e
	b.eOrder = append(b.eOrder, e.i.ID)
}

// interfaceOf reads what aws_instance and aws_network_interface share:
// subnet, addresses and groups.
func (b *builder) interfaceOf(r *record, groupFields []string, ipFields []string, v6Field string) {
	f := b.fieldsOf(r)
	e := &eniB{objB: objB{res: r.id, pos: r.pos, fpos: map[string]source.Pos{}, fnam: map[string]string{}}, i: vpc.Interface{ID: r.id}}
	if !f.has("subnet_id") {
		f.warnf("subnet_id", "give subnet_id", "no subnet_id: AWS launches it in a default subnet the files do not describe; the interface is not modelled")
		return
	}
	sid, _, ok := f.str("subnet_id")
	if !ok {
		return
	}
	if e.i.Subnet = b.subnetRef(f, "subnet_id", sid, "the interface is not modelled"); e.i.Subnet == "" {
		return
	}
	e.fpos[vpc.FieldSubnet], e.fnam[vpc.FieldSubnet] = f.at("subnet_id"), "subnet_id"
	seen := map[netip.Addr]bool{}
	for _, n := range ipFields {
		v := f.get(n)
		if !v.given() {
			continue
		}
		var list []string
		if v.known() && (v.v.Type().IsListType() || v.v.Type().IsSetType() || v.v.Type().IsTupleType()) {
			list, _, ok = f.strs(n)
		} else {
			var s string
			s, _, ok = f.str(n)
			list = []string{s}
		}
		if !ok {
			continue
		}
		for _, s := range list {
			if s == "" {
				continue
			}
			if a, ok := f.addr(n, s, 4); ok && !seen[a] {
				seen[a] = true
				e.i.PrivateIPs = append(e.i.PrivateIPs, a)
				if _, ok := e.fpos[vpc.FieldPrivateIPs]; !ok {
					e.fpos[vpc.FieldPrivateIPs], e.fnam[vpc.FieldPrivateIPs] = f.at(n), n
				}
			}
		}
	}
	for _, n := range []string{"private_ips_count", "ipv6_address_count", "secondary_private_ip_address_count"} {
		if c, given, ok := f.int(n); given && ok && c > 0 {
			f.warnf(n, "list the addresses, or read the state after apply (terraform show -json)",
				"AWS picks %d more addresses at launch: they are not modelled, so rules naming the interface's groups do not match them", c)
		}
	}
	if len(e.i.PrivateIPs) == 0 {
		f.warnf(ipFields[0], "set "+ipFields[0]+", or read the state after apply (terraform show -json)",
			"no private IPv4 address is given: AWS picks one at launch, so the interface is not modelled and rules naming its groups do not match it")
		return
	}
	if list, given, ok := f.strs(v6Field); given && ok {
		for _, s := range list {
			if a, ok := f.addr(v6Field, s, 6); ok {
				e.i.IPv6Addrs = append(e.i.IPv6Addrs, a)
			}
		}
		e.fpos[vpc.FieldIPv6Addresses], e.fnam[vpc.FieldIPv6Addresses] = f.at(v6Field), v6Field
	}
	for _, n := range groupFields {
		list, given, ok := f.strs(n)
		if !given || !ok {
			continue
		}
		for _, s := range list {
			g := b.groupRef(f, n, s)
			if !slices.Contains(e.i.Groups, g) {
				e.i.Groups = append(e.i.Groups, g)
			}
		}
		if _, ok := e.fpos[vpc.FieldSecurityGroups]; !ok {
			e.fpos[vpc.FieldSecurityGroups], e.fnam[vpc.FieldSecurityGroups] = f.at(n), n
		}
	}
	if len(e.i.Groups) == 0 {
		// AWS attaches the VPC's default group to an interface created
		// without one (SG-18a).
		b.groupRef(f, groupFields[0], DefaultGroup)
		e.i.Groups = []string{DefaultGroup}
	}
	b.addENI(e)
}

func (b *builder) readENI(r *record) {
	b.interfaceOf(r, []string{"security_groups"}, []string{"private_ip_list", "private_ips", "private_ip"}, "ipv6_addresses")
}

func (b *builder) readInstance(r *record) {
	if len(r.blocks["network_interface"]) > 0 {
		// The instance's interfaces are aws_network_interface resources;
		// their own arguments hold subnet, addresses and groups.
		return
	}
	b.interfaceOf(r, []string{"vpc_security_group_ids", "security_groups"}, []string{"private_ip", "secondary_private_ips"}, "ipv6_addresses")
}

func (b *builder) readSGAttachment(r *record) {
	f := b.fieldsOf(r)
	if !f.require("security_group_id", "network_interface_id") {
		return
	}
	gs, _, ok1 := f.str("security_group_id")
	if v := f.get("network_interface_id"); !v.known() {
		// The interface is not one the model can hold either.
		f.warnf("network_interface_id", v.hint, "the interface is not known (%s): the attachment is not read", v.why)
		return
	}
	es, _, ok2 := f.str("network_interface_id")
	if !ok1 || !ok2 {
		return
	}
	eid := es
	if m, ok := b.eniIDs[es]; ok {
		eid = m
	}
	e, ok := b.enis[eid]
	if !ok {
		f.warnf("network_interface_id", hintGiveFile, "interface %s is not modelled: the attachment is not read", es)
		return
	}
	g := b.groupRef(f, "security_group_id", gs)
	if !slices.Contains(e.i.Groups, g) {
		e.i.Groups = append(e.i.Groups, g)
	}
	if _, ok := e.fpos[vpc.FieldSecurityGroups]; !ok {
		e.fpos[vpc.FieldSecurityGroups], e.fnam[vpc.FieldSecurityGroups] = f.at("security_group_id"), "security_group_id"
	}
}

// warnUnknownBlocks reports the groups and ACLs of a plan whose inline
// rules are known only after apply, that the configuration writes no
// blocks for and that no rule resource adds to: they are read with no
// rules, which is right unless dynamic blocks make them, which a plan's
// configuration does not show.
func (b *builder) warnUnknownBlocks() {
	for _, r := range b.recs {
		if len(r.unknownBlocks) == 0 {
			continue
		}
		switch r.typ {
		case tGroup, tDefaultGroup:
			if g := b.groupOf(r); g == nil || g.ruleKind != "" {
				continue
			}
		case tACL, tDefaultACL:
			if a := b.aclOf(r); a == nil || a.ruleRes {
				continue
			}
		default:
			continue
		}
		var kinds []string
		for _, u := range r.unknownBlocks {
			kinds = append(kinds, u.why)
		}
		b.warns = append(b.warns, source.Warning{Pos: r.unknownBlocks[0].pos, Resource: r.id, Field: strings.Join(kinds, ", "),
			Msg:  "known only after apply, and the configuration writes no such blocks: read as no rules",
			Hint: "if dynamic blocks write them, read the state after apply (terraform show -json)"})
	}
}

// --- checking ----------------------------------------------------------------

// check validates the model as vpc.New does and reports each problem at
// the argument it comes from.
func (b *builder) check(cfg *vpc.Config) {
	for _, id := range b.gOrder {
		g := b.groups[id]
		for _, err := range flatten(g.g.Validate()) {
			var re *sg.RuleError
			if !errors.As(err, &re) {
				b.errs = append(b.errs, &source.Error{Pos: g.pos, Resource: g.res, Msg: err.Error()})
				continue
			}
			ats := g.in
			if re.Direction == flow.Egress {
				ats = g.out
			}
			if re.Index < 0 || re.Index >= len(ats) {
				b.errs = append(b.errs, &source.Error{Pos: g.pos, Resource: g.res, Field: re.Field, Msg: causeMsg(re.Value, re.Err)})
				continue
			}
			b.errs = append(b.errs, ats[re.Index].error(re.Field, re.Value, re.Err))
		}
	}
	for _, id := range b.aOrder {
		a := b.acls[id]
		for _, err := range flatten(a.a.Validate()) {
			var re *nacl.RuleError
			if !errors.As(err, &re) {
				b.errs = append(b.errs, &source.Error{Pos: a.pos, Resource: a.res, Msg: err.Error()})
				continue
			}
			ats := a.in
			if re.Direction == flow.Egress {
				ats = a.out
			}
			if re.Index < 0 || re.Index >= len(ats) {
				b.errs = append(b.errs, &source.Error{Pos: a.pos, Resource: a.res, Field: re.Field, Msg: causeMsg(re.Value, re.Err)})
				continue
			}
			b.errs = append(b.errs, ats[re.Index].error(re.Field, re.Value, re.Err))
		}
		for _, w := range a.a.Warnings() {
			field, rules := nacl.FieldCIDRBlock, a.a.Ingress
			if w.Direction == flow.Egress {
				rules = a.a.Egress
			}
			if w.Index >= 0 && w.Index < len(rules) && rules[w.Index].Is6() {
				field = nacl.FieldIPv6CIDRBlock
			}
			b.warns = append(b.warns, ruleWarning(a.rulesAt(w.Direction), w.Index, field, a.pos, a.res, strings.TrimPrefix(w.Msg, "nacl "+a.a.ID+" ")))
		}
	}
	for _, id := range b.gOrder {
		g := b.groups[id]
		for _, w := range sg.Warnings(&g.g) {
			field := "peer"
			ats := g.in
			if w.Direction == flow.Egress {
				ats = g.out
			}
			if rules := g.g.Rules(w.Direction); w.Index >= 0 && w.Index < len(rules) && rules[w.Index].CIDR.IsValid() {
				field = "cidr_blocks"
				if rules[w.Index].CIDR.Addr().Is6() {
					field = "ipv6_cidr_blocks"
				}
			}
			b.warns = append(b.warns, ruleWarning(ats, w.Index, field, g.pos, g.res, strings.TrimPrefix(w.Msg, "security group "+g.g.ID+" ")))
		}
	}
	if len(b.errs) > 0 {
		return
	}
	for _, err := range flatten(cfg.Validate()) {
		var ce *vpc.ConfigError
		if !errors.As(err, &ce) {
			b.errs = append(b.errs, &source.Error{Msg: err.Error()})
			continue
		}
		b.errs = append(b.errs, b.configError(ce))
	}
	if len(b.errs) > 0 {
		return
	}
	if _, err := vpc.New(*cfg); err != nil {
		for _, e := range flatten(err) {
			b.errs = append(b.errs, &source.Error{Pos: source.Pos{File: b.firstFile()}, Msg: e.Error()})
		}
	}
}

// rulesAt returns where the ACL's rules of direction dir were written.
func (a *aclB) rulesAt(dir flow.Direction) []ruleAt {
	if dir == flow.Egress {
		return a.out
	}
	return a.in
}

// ruleWarning places a warning about rule i of ats (-1: none) at the
// argument field of that rule, or else at pos.
func ruleWarning(ats []ruleAt, i int, field string, pos source.Pos, res, msg string) source.Warning {
	if i < 0 || i >= len(ats) {
		return source.Warning{Pos: pos, Resource: res, Msg: msg}
	}
	e := ats[i].error(field, "", errors.New(msg))
	return source.Warning{Pos: e.Pos, Resource: e.Resource, Field: e.Field, Msg: msg}
}

func (b *builder) firstFile() string {
	if len(b.recs) > 0 {
		return b.recs[0].pos.File
	}
	return ""
}

func (at ruleAt) error(field, value string, err error) *source.Error {
	name := field
	if n, ok := at.names[field]; ok {
		name = n
	}
	pos, ok := at.fpos[name]
	if !ok {
		pos, ok = at.fpos[field]
	}
	if !ok || !pos.IsValid() {
		pos = at.pos
	}
	full := name
	if at.field != "" {
		full = at.field + "." + name
	}
	return &source.Error{Pos: pos, Resource: at.res, Field: full, Msg: causeMsg(value, err)}
}

func causeMsg(value string, err error) string {
	if value == "" {
		return err.Error()
	}
	return fmt.Sprintf("%q: %v", value, err)
}

func (b *builder) configError(ce *vpc.ConfigError) *source.Error {
	var o *objB
	switch ce.Kind {
	case vpc.KindSubnet:
		if s, ok := b.subnets[ce.ID]; ok {
			o = &s.objB
		}
	case vpc.KindInterface:
		if e, ok := b.enis[ce.ID]; ok {
			o = &e.objB
		}
	case vpc.KindPrefixList:
		if p, ok := b.pls[ce.ID]; ok {
			o = &p.objB
		}
	case vpc.KindSecurityGroup:
		if g, ok := b.groups[ce.ID]; ok {
			o = &objB{res: g.res, pos: g.pos}
		}
	case vpc.KindNetworkACL:
		if a, ok := b.acls[ce.ID]; ok {
			o = &objB{res: a.res, pos: a.pos}
		}
	}
	msg := causeMsg(ce.Value, ce.Err)
	if o == nil {
		return &source.Error{Pos: source.Pos{File: b.firstFile()}, Resource: ce.ID, Field: ce.Field, Msg: msg}
	}
	pos, field := o.pos, ce.Field
	if p, ok := o.fpos[ce.Field]; ok && p.IsValid() {
		pos = p
	}
	if n, ok := o.fnam[ce.Field]; ok {
		field = n
	}
	return &source.Error{Pos: pos, Resource: o.res, Field: field, Msg: msg}
}

// flatten returns the members of a joined error, recursively.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// notRead reports each resource type the model is not built from, once,
// at its first resource.
func notRead(recs []*record, warns *[]source.Warning) {
	first := map[string]*record{}
	count := map[string]int{}
	var order []string
	for _, r := range recs {
		if readTypes[r.typ] {
			continue
		}
		if first[r.typ] == nil {
			first[r.typ] = r
			order = append(order, r.typ)
		}
		count[r.typ]++
	}
	sort.Strings(order)
	for _, t := range order {
		msg := fmt.Sprintf("resource type %s is not read (%d resource", t, count[t])
		if count[t] > 1 {
			msg += "s"
		}
		msg += "): pfsim reads VPCs, subnets, security groups and their rules, network ACLs and their rules and associations, prefix lists, instances and network interfaces"
		*warns = append(*warns, source.Warning{Pos: first[t].pos, Resource: first[t].id, Msg: msg})
	}
}
