package awsjson

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// Options tune [Read].
type Options struct {
	// VPC is the id of the VPC to build when the files describe several
	// (an account's whole describe output does). Objects of other VPCs
	// are left out; objects whose output names no VPC (prefix lists, the
	// rules of describe-security-group-rules) belong to any. Empty: the
	// files must describe one VPC at most.
	VPC string
}

// Model is what [Read] makes of a set of files: the VPC, the warnings,
// and where each object came from.
type Model struct {
	// Config is the VPC.
	Config vpc.Config
	// Warnings are what the files hold that pfsim accepted but the user
	// should know, sorted by position.
	Warnings []source.Warning

	origins map[vpc.Kind]map[string]Origin
}

// Origin says where an object of a [Model] comes from; see [source.Origin].
type Origin = source.Origin

// Origin returns where the object of kind k with id id comes from.
func (m *Model) Origin(k vpc.Kind, id string) (Origin, bool) {
	o, ok := m.origins[k][id]
	return o, ok
}

// Load reads the files as one VPC; see [Read]. They must describe one VPC
// at most.
func Load(files []source.File) (vpc.Config, []source.Warning, error) {
	m, err := Read(files, Options{})
	if err != nil {
		var ws []source.Warning
		if m != nil {
			ws = m.Warnings
		}
		return vpc.Config{}, ws, err
	}
	return m.Config, m.Warnings, nil
}

// Read reads the JSON outputs of the AWS CLI (or API) describe commands
// and combines them into one VPC. Each file holds one output, or several
// merged into one object; see the package documentation for what is read.
//
// On success it returns the model. Otherwise it returns a Model holding
// only the warnings found so far, and every problem found, each a
// [*source.Error], joined with [source.Join]. Read never panics, whatever
// the files hold.
func Read(files []source.File, o Options) (m *Model, err error) {
	r := &reader{opts: o}
	defer func() {
		if p := recover(); p != nil { // a bug of this package; the input must not crash the caller
			m = &Model{Warnings: source.SortWarnings(r.warns)}
			err = fmt.Errorf("pfsim internal error while reading AWS JSON: %v (please report it)", p)
		}
	}()
	for _, f := range files {
		r.readFile(f)
	}
	var cfg vpc.Config
	if len(r.errs) == 0 {
		cfg = r.build()
	}
	if len(r.errs) == 0 {
		r.validate(&cfg)
	}
	m = &Model{Warnings: source.SortWarnings(r.warns)}
	if len(r.errs) > 0 {
		return m, source.Join(r.errs)
	}
	m.Config, m.origins = cfg, r.origins
	return m, nil
}

// topKeys are the members of the describe outputs this package reads.
var topKeys = []string{"SecurityGroups", "SecurityGroupRules", "NetworkAcls", "Subnets", "NetworkInterfaces",
	"PrefixLists", "Vpcs", "Reservations", "Entries"}

// ignoredTop are members of other describe outputs that a merged file may
// hold, and why they do not matter.
var ignoredTop = map[string]string{
	"RouteTables":           "routing is not modelled",
	"InternetGateways":      "routing is not modelled",
	"NatGateways":           "NAT gateways are not modelled",
	"VpcEndpoints":          "endpoints are not modelled; their interfaces are, from describe-network-interfaces",
	"VpcPeeringConnections": "peering is not modelled; a group of a peered VPC is a group the files do not describe",
	"TransitGateways":       "routing is not modelled",
	"DhcpOptions":           "DHCP options do not filter",
	"FlowLogs":              "flow log settings do not filter",
}

// reader collects the resources of every file, then builds one VPC.
type reader struct {
	opts  Options
	errs  []*source.Error
	warns []source.Warning

	vpcs    []*vpcObj
	groups  []*groupObj
	flat    []*flatRule
	acls    []*aclObj
	subnets []*subnetObj
	enis    []*eniObj
	pls     []*plObj

	// built: the groups and ACLs of the model, by id, with where their
	// rules were written.
	builtGroups map[string]*groupObj
	builtACLs   map[string]*aclObj

	origins map[vpc.Kind]map[string]Origin
	// located finds an object's fields by kind and id, for the VPC
	// model's errors.
	located map[vpc.Kind]map[string]*base
}

// maxErrors stops a hopeless input.
const maxErrors = 200

func (r *reader) fail(e *source.Error) {
	if len(r.errs) < maxErrors {
		r.errs = append(r.errs, e)
	}
}

func (r *reader) warn(w source.Warning) { r.warns = append(r.warns, w) }

// Is reports whether data looks like the JSON of an AWS describe command:
// an object with a member this package reads (SecurityGroups,
// NetworkAcls, Subnets, ...) at the top. It reads no further than that
// member's name, so a file that breaks later is still recognised (and
// [Read] then says where it breaks).
func Is(data []byte) bool {
	data = trimBOM(data)
	s := &scanner{d: &doc{data: data, lines: []int{0}}, data: data}
	s.space()
	if s.off >= len(data) || data[s.off] != '{' {
		return false
	}
	s.off++
	for {
		s.space()
		if s.off >= len(data) || data[s.off] != '"' {
			return false
		}
		key, err := s.str()
		if err != nil {
			return false
		}
		if slices.Contains(topKeys, key) {
			return true
		}
		if s.space(); s.off >= len(data) || data[s.off] != ':' {
			return false
		}
		s.off++
		if _, err := s.value(1); err != nil {
			return false
		}
		if s.space(); s.off >= len(data) || data[s.off] != ',' {
			return false
		}
		s.off++
	}
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == bom[0] && data[1] == bom[1] && data[2] == bom[2] {
		return data[3:]
	}
	return data
}

// readFile reads one file's resources.
func (r *reader) readFile(f source.File) {
	d, perr := parse(f.Name, f.Data)
	if perr != nil {
		r.fail(perr)
		return
	}
	root := obj{r: r, d: d, v: d.root}
	if d.root.kind != kindObject {
		r.fail(&source.Error{Pos: d.at(d.root), Msg: "want the JSON object of an aws ec2 describe command (with SecurityGroups, NetworkAcls, Subnets, ...), not " + d.root.kind.String(),
			Hint: "give the command's whole output, without --query"})
		return
	}
	known := false
	for i, key := range d.root.keys {
		v := d.root.vals[i]
		top := obj{r: r, d: d, v: v, res: "", path: key}
		each := func(fn func(o obj)) {
			root.objects(key, func(j int, c obj) {
				c.res, c.path = key+"["+strconv.Itoa(j)+"]", ""
				fn(c)
			})
		}
		switch key {
		case "SecurityGroups":
			each(r.readGroup)
		case "SecurityGroupRules":
			each(r.readFlatRule)
		case "NetworkAcls":
			each(r.readACL)
		case "Subnets":
			each(r.readSubnet)
		case "NetworkInterfaces":
			each(func(o obj) { r.readENI(o, "") })
		case "PrefixLists":
			each(r.readPrefixList)
		case "Vpcs":
			each(r.readVPC)
		case "Entries":
			r.readEntries(root)
		case "Reservations":
			each(func(res obj) {
				res.objects("Instances", func(_ int, in obj) {
					inst, _, _ := in.str("InstanceId")
					in.objects("NetworkInterfaces", func(_ int, c obj) {
						c.res, c.path = in.res+"."+c.path, ""
						r.readENI(c, inst)
					})
				})
			})
		case "PrefixListId":
			continue // names the list of Entries
		case "Return":
			if d.root.field("SecurityGroupRules") != nil {
				top.warnAt(v, key, "the output of an authorize-security-group-* command: its SecurityGroupRules are the rules that call added, not all of the group's", "")
			}
			continue
		case "NextToken":
			if v.kind == kindString && v.text != "" {
				top.warnAt(v, key, "this output is one page of several: the objects of the other pages are not in it",
					"run the command without --max-items, or give every page")
			}
			continue
		default:
			if why, ok := ignoredTop[key]; ok {
				top.warnAt(v, key, "ignored: "+why, "")
			} else {
				top.warnAt(v, key, "not a member pfsim reads; ignored", "")
			}
			continue
		}
		known = true
	}
	if !known && len(d.root.keys) > 0 {
		r.fail(&source.Error{Pos: d.at(d.root), Msg: "no member pfsim reads: want one of " + strings.Join(topKeys, ", "),
			Hint: "give the output of aws ec2 describe-security-groups, describe-network-acls, describe-subnets, ..."})
	}
}

// build combines the resources of all files into one VPC.
func (r *reader) build() vpc.Config {
	r.origins = map[vpc.Kind]map[string]Origin{}
	r.located = map[vpc.Kind]map[string]*base{}
	if !r.chooseVPC() {
		return vpc.Config{}
	}
	var cfg vpc.Config

	// Security groups: each described once, then the flat rules of
	// describe-security-group-rules merged in.
	groups := map[string]*groupObj{}
	var order []*groupObj
	for _, g := range r.groups {
		if first, ok := groups[g.id]; ok {
			r.same(vpc.KindSecurityGroup, g.id, &first.base, &g.base, sameRules(first.g.Ingress, g.g.Ingress) && sameRules(first.g.Egress, g.g.Egress))
			continue
		}
		groups[g.id] = g
		order = append(order, g)
	}
	for _, f := range r.flat {
		g := groups[f.group]
		if g == nil {
			g = &groupObj{base: base{id: f.group, pos: f.pos, loc: map[string][]where{}}, g: sg.Group{ID: f.group}}
			groups[f.group] = g
			order = append(order, g)
		}
		if slices.ContainsFunc(g.rules[f.dir], func(ra ruleAt) bool { return sameRule(ra.rule, f.rule.rule) }) {
			continue // describe-security-groups said it already
		}
		g.rules[f.dir] = append(g.rules[f.dir], f.rule)
		if f.dir == flow.Egress {
			g.g.Egress = append(g.g.Egress, f.rule.rule)
		} else {
			g.g.Ingress = append(g.g.Ingress, f.rule.rule)
		}
	}

	// Network ACLs, and which subnet each is associated with.
	acls := map[string]*aclObj{}
	var aclOrder []*aclObj
	defaults := map[string]*aclObj{} // by VPC
	assocOf := map[string]*aclObj{}  // subnet -> ACL
	assocAt := map[string]where{}
	for _, a := range r.acls {
		if first, ok := acls[a.id]; ok {
			r.same(vpc.KindNetworkACL, a.id, &first.base, &a.base, reflect.DeepEqual(first.acl, a.acl) && reflect.DeepEqual(first.assocs, a.assocs))
			continue
		}
		acls[a.id] = a
		aclOrder = append(aclOrder, a)
		if a.isDefault {
			defaults[a.vpc] = a
		}
		for _, as := range a.assocs {
			if other, ok := assocOf[as.subnet]; ok && other != a {
				r.fail(&source.Error{Pos: as.at.pos(), Resource: a.id, Field: as.at.path, Msg: "subnet " + as.subnet +
					" is associated with " + other.id + " too (at " + assocAt[as.subnet].pos().String() + "): a subnet has one network ACL (NACL-26)"})
				continue
			}
			assocOf[as.subnet], assocAt[as.subnet] = a, as.at
		}
	}

	// Subnets, each with its ACL: the one associated with it, or its
	// VPC's default ACL (NACL-22).
	subnets := map[string]*subnetObj{}
	for _, s := range r.subnets {
		if first, ok := subnets[s.id]; ok {
			r.same(vpc.KindSubnet, s.id, &first.base, &s.base, first.s == s.s && first.ipv6Only == s.ipv6Only)
			continue
		}
		subnets[s.id] = s
		if s.ipv6Only {
			continue
		}
		switch a := assocOf[s.id]; {
		case a != nil:
			s.s.ACL = a.id
			s.loc[vpc.FieldNetworkACL] = []where{assocAt[s.id]}
		case defaults[s.vpc] != nil:
			s.s.ACL = defaults[s.vpc].id
		case s.vpc == "" && len(defaults) == 1:
			for _, a := range defaults {
				s.s.ACL = a.id
			}
		default:
			r.warn(source.Warning{Pos: s.pos, Resource: s.id, Msg: "no network ACL in the files is associated with this subnet, and they hold no default ACL of its VPC: it gets pfsim's default ACL, which allows everything (NACL-23)",
				Hint: "give the output of aws ec2 describe-network-acls"})
		}
		cfg.Subnets = append(cfg.Subnets, s.s)
		r.record(vpc.KindSubnet, &s.base, false)
	}

	// Interfaces: in a subnet of the files, with at least one group.
	enis := map[string]*eniObj{}
	var missing []refInfo // groups and prefix lists named but not described, in order
	for _, e := range r.enis {
		if first, ok := enis[e.id]; ok {
			r.same(vpc.KindInterface, e.id, &first.base, &e.base, reflect.DeepEqual(first.itf, e.itf))
			continue
		}
		enis[e.id] = e
		s := subnets[e.itf.Subnet]
		switch {
		case e.itf.Subnet == "":
			continue // reported: no SubnetId
		case s == nil:
			w := e.loc[vpc.FieldSubnet][0]
			r.fail(&source.Error{Pos: w.pos(), Resource: e.id, Field: w.path, Msg: "subnet " + e.itf.Subnet + " is not in the files: pfsim needs its CIDR",
				Hint: "give the output of aws ec2 describe-subnets too"})
			continue
		case s.ipv6Only:
			r.warn(source.Warning{Pos: e.pos, Resource: e.id, Msg: e.what + " is in the IPv6-only subnet " + s.id + ", which pfsim does not model; left out"})
			continue
		case e.empty:
			r.warn(source.Warning{Pos: e.pos, Resource: e.id, Msg: e.what + " carries no security group, so no group filters its traffic; pfsim models interfaces with 1..16 groups (SG-26), so it is left out"})
			continue
		case len(e.itf.PrivateIPs) == 0:
			r.fail(&source.Error{Pos: e.pos, Resource: e.id, Field: "PrivateIpAddresses", Msg: "no private IPv4 address"})
			continue
		}
		cfg.Interfaces = append(cfg.Interfaces, e.itf)
		r.record(vpc.KindInterface, &e.base, false)
		missing = append(missing, e.refs...)
	}

	// Groups referenced but not described: kept without rules.
	for _, g := range order {
		cfg.SecurityGroups = append(cfg.SecurityGroups, g.g)
		r.record(vpc.KindSecurityGroup, &g.base, false)
		for dir := range g.rules {
			for _, ra := range g.rules[dir] {
				if ra.ref.id != "" {
					missing = append(missing, ra.ref)
				}
			}
		}
	}

	// Prefix lists: described by describe-managed-prefix-lists (no
	// entries) and get-managed-prefix-list-entries (entries, no
	// description); either will do.
	pls := map[string]*plObj{}
	var plOrder []*plObj
	for _, p := range r.pls {
		first, ok := pls[p.id]
		switch {
		case !ok:
			pls[p.id] = p
			plOrder = append(plOrder, p)
		case !first.hasEntries && p.hasEntries:
			first.pl.Entries, first.loc[vpc.FieldEntries], first.hasEntries = p.pl.Entries, p.loc[vpc.FieldEntries], true
		case first.hasEntries && p.hasEntries:
			r.same(vpc.KindPrefixList, p.id, &first.base, &p.base, slices.Equal(first.pl.Entries, p.pl.Entries))
		}
	}
	for _, p := range plOrder {
		if !p.hasEntries {
			r.warn(source.Warning{Pos: p.pos, Resource: p.id, Msg: "the entries of this prefix list are not in the files: rules that name it match nothing",
				Hint: "give the output of aws ec2 get-managed-prefix-list-entries --prefix-list-id " + p.id + " in a file named " + p.id + ".json"})
		}
		cfg.PrefixLists = append(cfg.PrefixLists, p.pl)
		r.record(vpc.KindPrefixList, &p.base, false)
	}

	for _, ref := range missing {
		if _, ok := r.origins[ref.kind][ref.id]; ok {
			continue
		}
		b := &base{id: ref.id, pos: ref.where.pos(), loc: map[string][]where{}}
		r.record(ref.kind, b, true)
		if ref.kind == vpc.KindPrefixList {
			cfg.PrefixLists = append(cfg.PrefixLists, vpc.PrefixList{ID: ref.id})
			r.warn(source.Warning{Pos: ref.where.pos(), Resource: ref.res, Field: ref.where.path, Msg: "prefix list " + ref.id + " is not in the files: kept without entries, so rules that name it match nothing",
				Hint: "give the output of aws ec2 describe-managed-prefix-lists and get-managed-prefix-list-entries"})
			continue
		}
		cfg.SecurityGroups = append(cfg.SecurityGroups, sg.Group{ID: ref.id})
		place := ""
		switch {
		case ref.peering != "":
			place = " (it is in a peered VPC, " + ref.peering + ")"
		case ref.vpc != "" && r.opts.VPC != "" && ref.vpc != r.opts.VPC:
			place = " (it is in " + ref.vpc + ")"
		}
		r.warn(source.Warning{Pos: ref.where.pos(), Resource: ref.res, Field: ref.where.path, Msg: "security group " + ref.id + " is not in the files" + place +
			": kept as a group without rules; a rule that names it matches the addresses of the interfaces in the files that carry it, and no other",
			Hint: "give the output of aws ec2 describe-security-groups that includes it"})
	}

	cfg.NetworkACLs = make([]nacl.ACL, 0, len(aclOrder))
	for _, a := range aclOrder {
		cfg.NetworkACLs = append(cfg.NetworkACLs, a.acl)
		r.record(vpc.KindNetworkACL, &a.base, false)
	}
	cfg.CIDR = r.vpcCIDR(cfg.Subnets)
	r.builtGroups, r.builtACLs = groups, acls
	return cfg
}

// sameRule reports whether two rules allow the same traffic: equal but
// for their descriptions.
func sameRule(a, b sg.Rule) bool {
	a.Description, b.Description = "", ""
	return a == b
}

// sameRules reports whether two lists hold the same rules, in any order
// (a group's rules have none, SG-13).
func sameRules(a, b []sg.Rule) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(r sg.Rule) string { return r.String() + "\x00" + r.Description }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// same reports an object described twice, unless both say the same.
func (r *reader) same(k vpc.Kind, id string, first, again *base, equal bool) {
	if equal {
		return
	}
	r.fail(&source.Error{Pos: again.pos, Resource: id, Msg: k.String() + " described twice, differently (first at " + first.pos.String() + ")",
		Hint: "give one output of each describe command, taken at one time"})
}

// record notes where an object of the model comes from.
func (r *reader) record(k vpc.Kind, b *base, named bool) {
	if r.origins[k] == nil {
		r.origins[k] = map[string]Origin{}
		r.located[k] = map[string]*base{}
	}
	r.origins[k][b.id] = Origin{Pos: b.pos, Named: named}
	r.located[k][b.id] = b
}

// chooseVPC keeps the objects of one VPC: the one Options names, or the
// only one the files describe. It reports false when that fails.
func (r *reader) chooseVPC() bool {
	type seen struct {
		pos source.Pos
		n   int
	}
	vpcs := map[string]*seen{}
	var ids []string
	note := func(id string, p source.Pos) {
		if id == "" {
			return
		}
		if s, ok := vpcs[id]; ok {
			s.n++
			return
		}
		vpcs[id] = &seen{pos: p, n: 1}
		ids = append(ids, id)
	}
	for _, v := range r.vpcs {
		note(v.vpc, v.pos)
	}
	for _, g := range r.groups {
		note(g.vpc, g.pos)
	}
	for _, a := range r.acls {
		note(a.vpc, a.pos)
	}
	for _, s := range r.subnets {
		note(s.vpc, s.pos)
	}
	for _, e := range r.enis {
		note(e.vpc, e.pos)
	}
	want := r.opts.VPC
	switch {
	case want == "" && len(ids) > 1:
		var list []string
		for _, id := range ids {
			list = append(list, id+" (first at "+vpcs[id].pos.String()+")")
		}
		r.fail(&source.Error{Pos: vpcs[ids[1]].pos, Msg: "the files describe " + strconv.Itoa(len(ids)) + " VPCs: " + joinAnd(list) + "; pfsim builds one",
			Hint: "choose one with --vpc " + ids[0]})
		return false
	case want == "" || len(ids) == 0:
		return true
	case vpcs[want] == nil:
		r.fail(&source.Error{Msg: "VPC " + want + " is not in the files; they describe " + joinAnd(ids)})
		return false
	}
	for _, id := range ids {
		if id != want {
			r.warn(source.Warning{Pos: vpcs[id].pos, Resource: id, Msg: "left out: " + strconv.Itoa(vpcs[id].n) + " object(s) of this VPC (only " + want + " is read)"})
		}
	}
	keep := func(v string) bool { return v == "" || v == want }
	r.vpcs = slices.DeleteFunc(r.vpcs, func(x *vpcObj) bool { return !keep(x.vpc) })
	dropped := map[string]bool{}
	r.groups = slices.DeleteFunc(r.groups, func(x *groupObj) bool {
		if !keep(x.vpc) {
			dropped[x.id] = true
			return true
		}
		return false
	})
	r.flat = slices.DeleteFunc(r.flat, func(x *flatRule) bool { return dropped[x.group] })
	r.acls = slices.DeleteFunc(r.acls, func(x *aclObj) bool { return !keep(x.vpc) })
	r.subnets = slices.DeleteFunc(r.subnets, func(x *subnetObj) bool { return !keep(x.vpc) })
	r.enis = slices.DeleteFunc(r.enis, func(x *eniObj) bool { return !keep(x.vpc) })
	return true
}

// vpcCIDR returns the VPC's primary IPv4 block from describe-vpcs, if the
// files hold it and it contains every subnet (a VPC's secondary blocks
// are not modelled).
func (r *reader) vpcCIDR(subnets []vpc.Subnet) (cidr netip.Prefix) {
	if len(r.vpcs) == 0 {
		return cidr
	}
	v := r.vpcs[0]
	if !v.cidr.IsValid() {
		return cidr
	}
	r.record(vpc.KindVPC, &v.base, false)
	for _, s := range subnets {
		if !v.cidr.Contains(s.CIDR.Addr()) || s.CIDR.Bits() < v.cidr.Bits() {
			r.warn(source.Warning{Pos: v.pos, Resource: v.id, Msg: "subnet " + s.ID + " (" + s.CIDR.String() + ") lies in a secondary block of the VPC, which pfsim does not model: the VPC's block is left unset, so the Amazon DNS server's address (VPC base + 2) is exempt only where a subnet begins at the VPC's base (NOT-10)"})
			return cidr
		}
	}
	return v.cidr
}

// validate checks the model as the library would, and reports each
// problem at the value it is about.
func (r *reader) validate(cfg *vpc.Config) {
	for _, g := range cfg.SecurityGroups {
		gb := r.located[vpc.KindSecurityGroup][g.ID]
		src := r.builtGroups[g.ID] // nil for a group the files only name
		for _, e := range joined(g.Validate()) {
			var re *sg.RuleError
			if !errors.As(e, &re) || re.Index < 0 || src == nil || re.Index >= len(src.rules[re.Direction]) {
				r.fail(&source.Error{Pos: gb.pos, Resource: g.ID, Msg: e.Error()})
				continue
			}
			ra := src.rules[re.Direction][re.Index]
			r.failRule(ra.res, ra.at.get, re.Field, re.Value, re.Err)
		}
		for _, w := range sg.Warnings(&g) {
			// At the rule's peer, or at the group for a quota.
			sw := source.Warning{Pos: gb.pos, Resource: g.ID, Msg: strings.TrimPrefix(w.Msg, "security group "+g.ID+" ")}
			if src != nil && w.Index >= 0 && w.Index < len(src.rules[w.Direction]) {
				ra := src.rules[w.Direction][w.Index]
				if p := ra.at.peer.pos(); p.IsValid() {
					sw.Pos, sw.Resource, sw.Field = p, ra.res, ra.at.peer.path
				}
			}
			r.warn(sw)
		}
	}
	for _, a := range cfg.NetworkACLs {
		ab := r.located[vpc.KindNetworkACL][a.ID]
		src := r.builtACLs[a.ID]
		for _, e := range joined(a.Validate()) {
			var re *nacl.RuleError
			if !errors.As(e, &re) || re.Index < 0 || src == nil || re.Index >= len(src.fields[re.Direction]) {
				r.fail(&source.Error{Pos: ab.pos, Resource: a.ID, Msg: e.Error()})
				continue
			}
			fields := src.fields[re.Direction][re.Index]
			r.failRule(a.ID, func(f string) (where, bool) { w, ok := fields[f]; return w, ok }, re.Field, re.Value, re.Err)
		}
		for _, w := range a.Warnings() {
			// At the entry's CIDR, or at the ACL for a quota.
			sw := source.Warning{Pos: ab.pos, Resource: a.ID, Msg: strings.TrimPrefix(w.Msg, "nacl "+a.ID+" ")}
			if src != nil && w.Index >= 0 && w.Index < len(src.fields[w.Direction]) {
				fields := src.fields[w.Direction][w.Index]
				at, ok := fields[nacl.FieldCIDRBlock]
				if !ok {
					at, ok = fields[nacl.FieldIPv6CIDRBlock]
				}
				if p := at.pos(); ok && p.IsValid() {
					sw.Pos, sw.Field = p, at.path
				}
			}
			r.warn(sw)
		}
	}
	if len(r.errs) > 0 {
		return
	}
	for _, e := range joined(cfg.Validate()) {
		var ce *vpc.ConfigError
		if !errors.As(e, &ce) {
			r.fail(&source.Error{Msg: e.Error()})
			continue
		}
		b := r.located[ce.Kind][ce.ID]
		if b == nil {
			r.fail(&source.Error{Resource: ce.ID, Msg: e.Error()})
			continue
		}
		se := &source.Error{Pos: b.pos, Resource: ce.ID, Msg: ce.Err.Error()}
		if ws := b.loc[ce.Field]; len(ws) > 0 {
			w := ws[min(max(ce.Index, 0), len(ws)-1)]
			se.Pos, se.Field = w.pos(), w.path
		}
		if ce.Value != "" {
			se.Msg = ce.Value + ": " + se.Msg
		}
		r.fail(se)
	}
	if len(r.errs) > 0 {
		return
	}
	if _, err := vpc.New(*cfg); err != nil {
		for _, e := range joined(err) {
			r.fail(&source.Error{Msg: e.Error()})
		}
	}
}

// failRule reports a rule's problem at the field it names; at says
// where a field is, and whether the rule has it.
func (r *reader) failRule(id string, at func(field string) (where, bool), field, value string, cause error) {
	w, ok := at(field)
	if !ok {
		w, _ = at(nacl.FieldRuleNo)
	}
	msg := cause.Error()
	if value != "" {
		msg = value + ": " + msg
	}
	r.fail(&source.Error{Pos: w.pos(), Resource: id, Field: w.path, Msg: msg})
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
