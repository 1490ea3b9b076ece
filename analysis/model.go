package analysis

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// Model is a VPC configuration prepared for analysis: its network ACLs,
// security groups and interfaces as spaces, built on demand and kept. It
// is immutable and safe for concurrent use.
type Model struct {
	cfg     vpc.Config
	acls    map[string]*nacl.ACL
	groups  map[string]*sg.Group
	ifaces  map[string]*vpc.Interface
	subnets map[string]*vpc.Subnet
	res     sg.StaticResolver
	exempt  []vpc.Exemption

	eval *evaluator

	mu    sync.Mutex
	aclSp map[aclKey]Space
	sgSp  map[sgKey]Space
	reach *Space
}

type aclKey struct {
	id  string
	dir flow.Direction
}

type sgKey struct {
	groups string // ids joined by NUL
	dir    flow.Direction
}

// NewModel checks cfg as [vpc.New] does and prepares it for analysis.
func NewModel(cfg vpc.Config) (*Model, error) {
	v, err := vpc.New(cfg)
	if err != nil {
		return nil, err
	}
	m := &Model{
		cfg:     cloneConfig(cfg),
		acls:    map[string]*nacl.ACL{},
		groups:  map[string]*sg.Group{},
		ifaces:  map[string]*vpc.Interface{},
		subnets: map[string]*vpc.Subnet{},
		res:     sg.StaticResolver{Groups: map[string][]netip.Addr{}, PrefixLists: map[string][]netip.Prefix{}},
		aclSp:   map[aclKey]Space{},
		sgSp:    map[sgKey]Space{},
	}
	c := &m.cfg
	def := nacl.Default(vpc.DefaultACL)
	m.acls[vpc.DefaultACL] = &def
	for i := range c.NetworkACLs {
		m.acls[c.NetworkACLs[i].ID] = &c.NetworkACLs[i]
	}
	for i := range c.SecurityGroups {
		g := &c.SecurityGroups[i]
		m.groups[g.ID] = g
		m.res.Groups[g.ID] = m.res.Groups[g.ID][:0:0]
	}
	for i := range c.Subnets {
		m.subnets[c.Subnets[i].ID] = &c.Subnets[i]
	}
	for i := range c.Interfaces {
		itf := &c.Interfaces[i]
		m.ifaces[itf.ID] = itf
		// SG-19, SG-20: a group's members are the private IPv4 and the
		// IPv6 addresses of the interfaces that carry it.
		for _, g := range itf.Groups {
			m.res.Groups[g] = append(m.res.Groups[g], addrsOf(itf)...)
		}
	}
	for _, pl := range c.PrefixLists {
		m.res.PrefixLists[pl.ID] = pl.Entries
	}
	m.exempt = c.Exemptions()
	m.eval = &evaluator{cfg: m.cfg, v: v, seen: map[flow.Key]bool{}}
	for _, itf := range c.Interfaces {
		m.eval.limited = m.eval.limited || itf.Tracking.Capacity > 0
	}
	return m, nil
}

// evaluator runs packets through one VPC as new flows. A packet meets no
// tracked connection when no earlier packet had its flow key (either
// way round): tables are indexed by nothing else. So one VPC serves every
// packet whose key is new to it, and a fresh one is built when a key
// comes again, or for every packet when a table has a capacity (earlier
// flows could fill it). Building a VPC compiles all its rules, which
// costs far more than a packet.
type evaluator struct {
	cfg     vpc.Config
	limited bool

	mu   sync.Mutex
	v    *vpc.VPC
	seen map[flow.Key]bool
}

// run returns a VPC on which p is a new flow; the caller holds e.mu.
func (e *evaluator) vpcFor(p *flow.Packet) (*vpc.VPC, error) {
	k, _ := p.Key().Canonical()
	if e.v == nil || e.seen[k] || e.limited {
		v, err := vpc.New(e.cfg)
		if err != nil {
			return nil, err
		}
		e.v, e.seen = v, map[flow.Key]bool{}
	}
	e.seen[k] = true
	return e.v, nil
}

func (e *evaluator) cross(iface string, dir flow.Direction, p *flow.Packet) Check {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := Check{Packet: *p, Verdict: flow.Drop}
	v, err := e.vpcFor(p)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	eni, err := v.ENI(iface)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	var path vpc.Path
	if err := eni.Cross(p, dir, epoch, &path); err != nil {
		c.Why = err.Error()
		return c
	}
	c.Verdict, c.Why = path.Final.Verdict, path.Explain()
	return c
}

func (e *evaluator) send(p *flow.Packet) Check {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := Check{Packet: *p, Verdict: flow.Drop}
	v, err := e.vpcFor(p)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	path, err := v.Send(p, epoch)
	if err != nil {
		c.Why = "not delivered: " + err.Error()
		return c
	}
	c.Verdict, c.Why = path.Final.Verdict, path.Explain()
	return c
}

func cloneConfig(c vpc.Config) vpc.Config {
	c.PrefixLists = slices.Clone(c.PrefixLists)
	c.SecurityGroups = slices.Clone(c.SecurityGroups)
	c.NetworkACLs = slices.Clone(c.NetworkACLs)
	c.Subnets = slices.Clone(c.Subnets)
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

func addrsOf(itf *vpc.Interface) []netip.Addr {
	return append(slices.Clone(itf.PrivateIPs), itf.IPv6Addrs...)
}

// Config returns a copy of the model's configuration.
func (m *Model) Config() vpc.Config { return cloneConfig(m.cfg) }

// Interfaces returns the ids of the interfaces, sorted.
func (m *Model) Interfaces() []string {
	ids := make([]string, 0, len(m.ifaces))
	for id := range m.ifaces {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// aclOf returns the id of the network ACL of an interface's subnet.
func (m *Model) aclOf(itf *vpc.Interface) string {
	if id := m.subnets[itf.Subnet].ACL; id != "" {
		return id
	}
	return vpc.DefaultACL
}

func (m *Model) iface(id string) (*vpc.Interface, error) {
	itf, ok := m.ifaces[id]
	if !ok {
		return nil, fmt.Errorf("interface %s: no such interface (have %s)", id, strings.Join(m.Interfaces(), ", "))
	}
	return itf, nil
}

// aclSpace returns what network ACL id allows in direction dir.
func (m *Model) aclSpace(id string, dir flow.Direction) Space {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := aclKey{id, dir}
	if s, ok := m.aclSp[k]; ok {
		return s
	}
	s := aclSpace(m.acls[id], dir)
	m.aclSp[k] = s
	return s
}

// groupSpace returns what the groups of an interface allow in direction
// dir.
func (m *Model) groupSpace(itf *vpc.Interface, dir flow.Direction) Space {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := sgKey{strings.Join(itf.Groups, "\x00"), dir}
	if s, ok := m.sgSp[k]; ok {
		return s
	}
	s := Space{sgRuleSet(m.groupsOf(itf), m.res, dir).build()}
	m.sgSp[k] = s
	return s
}

func (m *Model) groupsOf(itf *vpc.Interface) []sg.Group {
	gs := make([]sg.Group, len(itf.Groups))
	for i, id := range itf.Groups {
		gs[i] = *m.groups[id]
	}
	return gs
}

// exemptOn returns the packets whose address on axis level (lvSrc or
// lvDst) is one no filter sees (NOT-10).
func (m *Model) exemptOn(level int) Space {
	ps := make([]netip.Prefix, len(m.exempt))
	for i, e := range m.exempt {
		ps[i] = e.Prefix
	}
	return addrSpace(level, ps)
}

// Unfiltered returns the packets to or from an address whose traffic no
// filter sees (NOT-10): AWS's services (169.254.169.254 and the others of
// [vpc.Config.Exemptions]), the subnets' reserved addresses, IPv6
// link-local addresses. They come from no one on the internet, so a
// property about the internet leaves them out.
func (m *Model) Unfiltered() Space { return m.exemptOn(lvSrc).Union(m.exemptOn(lvDst)) }

// ACL returns the filter of network ACL id's rules of direction dir.
func (m *Model) ACL(id string, dir flow.Direction) (*Filter, error) {
	a, ok := m.acls[id]
	if !ok {
		return nil, fmt.Errorf("network ACL %s: no such ACL", id)
	}
	return aclFilter(*a, dir, m.aclSpace(id, dir)), nil
}

// Groups returns the filter of interface iface's security groups in
// direction dir, references resolved in the VPC.
func (m *Model) Groups(iface string, dir flow.Direction) (*Filter, error) {
	itf, err := m.iface(iface)
	if err != nil {
		return nil, err
	}
	set, err := sg.Compile(m.groupsOf(itf), m.res)
	if err != nil {
		return nil, err
	}
	f := groupsFilter(set, dir, m.groupSpace(itf, dir))
	f.hints = m.ifaceHints(itf, dir)
	return f, nil
}

// ifaceHints prefers the interface's addresses on its side of a packet.
func (m *Model) ifaceHints(itf *vpc.Interface, dir flow.Direction) *hints {
	h := &hints{}
	local, peer := lvDst, lvSrc
	if dir == flow.Egress {
		local, peer = lvSrc, lvDst
	}
	h.prefer(local, false, addrsOf(itf)...)
	h.prefer(peer, false, docAddrs...)
	return h
}

// Path returns the filter of interface iface's crossing in direction dir,
// as [vpc.ENI.Cross] walks it: inbound, the subnet's network ACL then the
// interface's security groups; outbound, the groups then the ACL
// (MODEL-5, MODEL-6). When the other end is an interface of the same
// subnet, no ACL is met (MODEL-3); traffic whose peer is an AWS service no
// filter sees is allowed (NOT-10). The filter judges the packets addressed
// to the interface (ingress) or sent from it (egress).
func (m *Model) Path(iface string, dir flow.Direction) (*Filter, error) {
	itf, err := m.iface(iface)
	if err != nil {
		return nil, err
	}
	local := DstAddrs(addrsOf(itf)...)
	peer, side := lvSrc, "addressed to"
	if dir == flow.Egress {
		local, peer, side = SrcAddrs(addrsOf(itf)...), lvDst, "sent from"
	}
	// A peer that is an interface of the same subnet (this one included)
	// meets no ACL (MODEL-3).
	var neighbours []netip.Prefix
	for _, id := range m.Interfaces() {
		if o := m.ifaces[id]; o.Subnet == itf.Subnet {
			neighbours = append(neighbours, hosts(addrsOf(o))...)
		}
	}
	near := addrSpace(peer, neighbours)
	groups := m.groupSpace(itf, dir)
	filtered := near.Intersect(groups).Union(groups.Intersect(m.aclSpace(m.aclOf(itf), dir)).Minus(near))
	allowed := local.Intersect(m.exemptOn(peer).Union(filtered))
	return &Filter{
		name:    "interface " + iface + " " + dir.String(),
		dir:     dir,
		allowed: allowed,
		domain:  local,
		hints:   m.ifaceHints(itf, dir),
		quiet:   m.exemptOn(peer).Union(All().Minus(local)),
		outside: "not " + side + " interface " + iface + ", so it does not cross it " + dir.String(),
		eval: func(p *flow.Packet) Check {
			return m.eval.cross(iface, dir, p)
		},
	}, nil
}

// Path returns the filter of interface iface's crossing in direction dir
// in the VPC cfg: [NewModel] then [Model.Path].
func Path(cfg vpc.Config, iface string, dir flow.Direction) (*Filter, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	return m.Path(iface, dir)
}

// Send runs p through the VPC as a new flow ([vpc.VPC.Send] with fresh
// connection tables) and returns the verdict and its words. A packet the
// VPC cannot carry (neither address an interface's) is a drop whose words
// say why.
func (m *Model) Send(p flow.Packet) Check { return m.eval.send(&p) }

// VPC returns the filter of the whole VPC as [vpc.VPC.Send] walks packets
// (MODEL-7): its domain is every packet with an interface's address at one
// end at least (and not the same interface at both), and it allows those
// that reach their destination as new flows. Between two interfaces of
// one subnet no ACL is met (MODEL-3); traffic to or from an AWS service is
// not filtered (NOT-10).
func (m *Model) VPC() *Filter {
	h := defaultHints()
	for _, id := range m.Interfaces() {
		h.prefer(lvSrc, false, addrsOf(m.ifaces[id])...)
	}
	for _, id := range slices.Backward(m.Interfaces()) {
		h.prefer(lvDst, true, addrsOf(m.ifaces[id])...)
	}
	reach, domain := m.reach0()
	return &Filter{
		name:    "vpc",
		allowed: reach,
		domain:  domain,
		quiet:   m.exemptOn(lvSrc).Union(m.exemptOn(lvDst)).Union(All().Minus(domain)),
		hints:   h,
		eval:    m.eval.send,
	}
}

// Reach returns the packets the VPC delivers as new flows: [Model.VPC]'s
// allowed space.
func (m *Model) Reach() Space {
	r, _ := m.reach0()
	return r
}

// reach0 computes the VPC's allowed space and its domain.
func (m *Model) reach0() (reach, domain Space) {
	var all []netip.Addr
	var self Space
	for _, id := range m.Interfaces() {
		a := addrsOf(m.ifaces[id])
		all = append(all, a...)
		self = self.Union(SrcAddrs(a...).Intersect(DstAddrs(a...)))
	}
	fromIf, toIf := SrcAddrs(all...), DstAddrs(all...)
	domain = fromIf.Union(toIf).Minus(self)

	m.mu.Lock()
	cached := m.reach
	m.mu.Unlock()
	if cached != nil {
		return *cached, domain
	}

	parts := m.exemptOn(lvSrc).Union(m.exemptOn(lvDst))
	type sides struct{ out, in, sgOut, sgIn Space }
	bySubnet := map[string]*sides{}
	for _, id := range m.Interfaces() {
		itf := m.ifaces[id]
		a := addrsOf(itf)
		acl := m.aclOf(itf)
		out := SrcAddrs(a...).Intersect(m.groupSpace(itf, flow.Egress))
		in := DstAddrs(a...).Intersect(m.groupSpace(itf, flow.Ingress))
		outACL := out.Intersect(m.aclSpace(acl, flow.Egress))
		inACL := in.Intersect(m.aclSpace(acl, flow.Ingress))
		// To and from outside the VPC.
		parts = parts.Union(outACL.Minus(toIf)).Union(inACL.Minus(fromIf))
		s := bySubnet[itf.Subnet]
		if s == nil {
			s = &sides{}
			bySubnet[itf.Subnet] = s
		}
		s.out, s.in = s.out.Union(outACL), s.in.Union(inACL)
		s.sgOut, s.sgIn = s.sgOut.Union(out), s.sgIn.Union(in)
	}
	for sid, s := range bySubnet {
		// Within a subnet no ACL is met (MODEL-3); between two, both are.
		parts = parts.Union(s.sgOut.Intersect(s.sgIn))
		for tid, t := range bySubnet {
			if tid != sid {
				parts = parts.Union(s.out.Intersect(t.in))
			}
		}
	}
	reach = domain.Intersect(parts)
	m.mu.Lock()
	m.reach = &reach
	m.mu.Unlock()
	return reach, domain
}
