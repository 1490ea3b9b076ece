package vpc

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// DefaultACL is the id of the VPC's default network ACL. It exists without
// being declared and allows everything both ways (NACL-22, NACL-23); a
// Config may declare an ACL with this id to replace its rules.
const DefaultACL = "default"

// Subnet is a subnet of the VPC and the network ACL associated with it.
type Subnet struct {
	// ID names the subnet.
	ID string
	// CIDR is the subnet's IPv4 range.
	CIDR netip.Prefix
	// IPv6CIDR is its IPv6 range; the zero Prefix if it has none.
	IPv6CIDR netip.Prefix
	// ACL is the id of its network ACL; "" means DefaultACL (NACL-22).
	ACL string
}

// Port is a transport port a host answers on: "tcp/80".
type Port struct {
	Proto flow.Proto
	Port  uint16
}

// String returns "tcp/80".
func (p Port) String() string { return fmt.Sprintf("%s/%d", p.Proto, p.Port) }

// Interface is a network interface (ENI): its subnet, addresses, security
// groups, connection-tracking settings and what its host listens on.
type Interface struct {
	// ID names the interface.
	ID string
	// Subnet is the id of its subnet.
	Subnet string
	// PrivateIPs are its IPv4 addresses, the primary first; all lie in the
	// subnet's CIDR.
	PrivateIPs []netip.Addr
	// IPv6Addrs are its IPv6 addresses, in the subnet's IPv6CIDR.
	IPv6Addrs []netip.Addr
	// Groups are the ids of its security groups, 1..16 (SG-26).
	Groups []string
	// Tracking is its connection-tracking configuration (CT-16, CT-22).
	Tracking conntrack.Config
	// Listening lists the ports its host answers on; a connection attempt
	// to any other port is refused with a RST by the host.
	Listening []Port
}

// PrefixList is a managed prefix list that rules can name.
type PrefixList struct {
	ID      string
	Entries []netip.Prefix
}

// Config describes a VPC as plain data.
type Config struct {
	// CIDR is the VPC's primary IPv4 range, if known; its base + 2 is the
	// Amazon DNS server, whose traffic no filter sees (NOT-10).
	CIDR           netip.Prefix
	PrefixLists    []PrefixList
	SecurityGroups []sg.Group
	NetworkACLs    []nacl.ACL
	Subnets        []Subnet
	Interfaces     []Interface
}

// Change replaces or adds objects by id, as a scenario's change step does.
// It applies atomically: if any part is invalid nothing changes.
type Change struct {
	PrefixLists    []PrefixList
	SecurityGroups []sg.Group
	NetworkACLs    []nacl.ACL
	Subnets        []Subnet
	Interfaces     []Interface
}

// VPC is a running simulation of a VPC's packet filters: the compiled
// rules, and one connection table per interface. Send evaluates packets at
// the caller's simulated times; Apply changes the configuration between
// them with AWS's effect on live connections.
//
// A VPC is safe for concurrent use. Send and SendInto take no lock: they
// read the compiled configuration in force through one atomic pointer.
// Apply and Connect are serialised by a mutex; Apply builds the new
// configuration aside and puts it in force with one store, so a packet
// meets either the old configuration or the new one, never a mixture.
type VPC struct {
	cur atomic.Pointer[state] // the configuration in force

	mu     sync.Mutex                  // serialises Apply and Connect; guards the fields below
	cfg    Config                      // +checklocks:mu
	tables map[string]*conntrack.Table // +checklocks:mu; by interface id: they outlive changes
	slots  map[string]int              // +checklocks:mu; each interface id's place in state.bySlot, for good
	ports  uint32                      // +checklocks:mu; connect's client-port sequence
}

// state is a compiled configuration. It is never modified once built:
// each interface's stage holds that configuration's rule set and the
// interface's table, which is shared with the states before and after.
type state struct {
	acls    map[string]*nacl.Compiled
	subnets map[string]*subnetState
	ifaces  map[string]*ifaceState
	byAddr  map[netip.Addr]*ifaceState
	exempt  map[netip.Addr]string
	addrs   *addrIndex    // byAddr and exempt in one index
	bySlot  []*ifaceState // by VPC.slots; nil for an interface gone
}

type subnetState struct {
	Subnet
	acl *nacl.Compiled
}

type ifaceState struct {
	Interface
	subnet *subnetState
	stage  *sg.Stage
	listen map[Port]bool
}

// New builds a VPC from cfg, or reports every problem it finds: those of
// the VPC's own objects ([Config.Validate]) first, then, once those are
// sound, those of the rules as they compile.
func New(cfg Config) (*VPC, error) {
	v := &VPC{tables: map[string]*conntrack.Table{}, slots: map[string]int{}}
	if err := v.install(cloneConfig(cfg)); err != nil {
		return nil, err
	}
	return v, nil
}

// Config returns a copy of the configuration in force.
func (v *VPC) Config() Config {
	v.mu.Lock()
	defer v.mu.Unlock()
	return cloneConfig(v.cfg)
}

// Apply replaces or adds the objects of ch, by id, all at once. Security
// group changes keep tracked connections (CT-13); network ACL and
// association changes apply to the next packet (NACL-29); untracked flows
// meet the new rules at their next packet (CT-14). If the result is
// invalid, Apply returns the error and the VPC is unchanged.
func (v *VPC) Apply(ch Change) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	cfg := cloneConfig(v.cfg)
	cfg.PrefixLists = upsert(cfg.PrefixLists, ch.PrefixLists, func(p PrefixList) string { return p.ID })
	cfg.SecurityGroups = upsert(cfg.SecurityGroups, ch.SecurityGroups, func(g sg.Group) string { return g.ID })
	cfg.NetworkACLs = upsert(cfg.NetworkACLs, ch.NetworkACLs, func(a nacl.ACL) string { return a.ID })
	cfg.Subnets = upsert(cfg.Subnets, ch.Subnets, func(s Subnet) string { return s.ID })
	cfg.Interfaces = upsert(cfg.Interfaces, ch.Interfaces, func(i Interface) string { return i.ID })
	if err := checkChange(ch, cfg); err != nil {
		return err
	}
	return v.installLocked(cfg)
}

func upsert[T any](have, add []T, id func(T) string) []T {
	for _, x := range add {
		if i := slices.IndexFunc(have, func(h T) bool { return id(h) == id(x) }); i >= 0 {
			have[i] = x
		} else {
			have = append(have, x)
		}
	}
	return have
}

func (v *VPC) install(cfg Config) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.installLocked(cfg)
}

// installLocked compiles cfg and, only if all of it is valid, puts it in
// force. The caller holds v.mu for writing.
func (v *VPC) installLocked(cfg Config) error {
	st, sets, err := build(cfg)
	if err != nil {
		return err
	}
	// Make the new tables first, so that nothing can fail once the old
	// ones change.
	tables := map[string]*conntrack.Table{}
	for id, is := range st.ifaces {
		t, ok := v.tables[id]
		if !ok {
			var err error
			if t, err = conntrack.New(is.Tracking); err != nil {
				return fmt.Errorf("interface %s: connection_tracking: %w", id, err)
			}
		}
		tables[id] = t
	}
	// Everything compiled: from here on nothing fails. Tracking settings
	// were validated by build, so Reconfigure cannot refuse them. An
	// interface keeps its table: its tracked connections survive every
	// change (CT-13), and new timeouts apply to them from now on.
	for id, is := range st.ifaces {
		t := tables[id]
		if _, old := v.tables[id]; old {
			_ = t.Reconfigure(is.Tracking)
		}
		is.stage = sg.NewStage(sets[id], t)
	}
	st.indexAddrs()
	for id := range st.ifaces {
		if _, ok := v.slots[id]; !ok {
			v.slots[id] = len(v.slots)
		}
	}
	st.bySlot = make([]*ifaceState, len(v.slots))
	for id, is := range st.ifaces {
		st.bySlot[v.slots[id]] = is
	}
	v.cfg, v.tables = cfg, tables
	v.cur.Store(st)
	return nil
}

// build compiles cfg into a state and each interface's rule set. What
// Validate checks (ids, blocks, addresses, references between the VPC's
// objects) is trusted from there on; what is left to fail is compiling
// the rules themselves.
func build(cfg Config) (*state, map[string]*sg.Set, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	var errs []error
	st := &state{
		acls:    map[string]*nacl.Compiled{},
		subnets: map[string]*subnetState{},
		ifaces:  map[string]*ifaceState{},
		byAddr:  map[netip.Addr]*ifaceState{},
		exempt:  exemptAddrs(cfg),
	}
	if c, err := nacl.Compile(nacl.Default(DefaultACL)); err == nil {
		st.acls[DefaultACL] = c
	}
	for _, a := range cfg.NetworkACLs {
		c, err := nacl.Compile(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.acls[a.ID] = c
	}
	for _, s := range cfg.Subnets {
		s.CIDR, s.IPv6CIDR = s.CIDR.Masked(), s.IPv6CIDR.Masked()
		if s.ACL == "" {
			s.ACL = DefaultACL
		}
		st.subnets[s.ID] = &subnetState{Subnet: s, acl: st.acls[s.ACL]}
	}
	groups := map[string]sg.Group{}
	for _, g := range cfg.SecurityGroups {
		groups[g.ID] = g
	}
	for _, itf := range cfg.Interfaces {
		is := &ifaceState{Interface: itf, listen: map[Port]bool{}, subnet: st.subnets[itf.Subnet]}
		for _, p := range itf.Listening {
			is.listen[p] = true
		}
		for _, a := range is.addrs() {
			st.byAddr[a] = is
		}
		st.ifaces[itf.ID] = is
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	res := newResolver(st, groups, cfg.PrefixLists)
	sets := map[string]*sg.Set{}
	// Interfaces with the same groups, in the same order, share one
	// compiled set: it depends on nothing else, and it is immutable.
	byGroups := map[string]*sg.Set{}
	for id, is := range st.ifaces {
		combo := strings.Join(is.Groups, "\x00")
		if set, ok := byGroups[combo]; ok {
			sets[id] = set
			continue
		}
		gs := make([]sg.Group, len(is.Groups))
		for i, gid := range is.Groups {
			gs[i] = groups[gid]
		}
		set, err := sg.Compile(gs, res)
		if err != nil {
			errs = append(errs, fmt.Errorf("interface %s: %w", id, err))
			continue
		}
		sets[id], byGroups[combo] = set, set
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return st, sets, nil
}

func (is *ifaceState) addrs() []netip.Addr {
	return append(append([]netip.Addr(nil), is.PrivateIPs...), is.IPv6Addrs...)
}

// resolver answers the security groups' questions about group membership
// and prefix lists (SG-19, SG-20), from indexes built once per
// configuration: every interface's compiled set asks about the groups its
// rules reference.
type resolver struct {
	groups  map[string]sg.Group
	members map[string][]netip.Addr // group id -> addresses, sorted
	lists   map[string][]netip.Prefix
}

func newResolver(st *state, groups map[string]sg.Group, lists []PrefixList) *resolver {
	r := &resolver{groups: groups, members: map[string][]netip.Addr{}, lists: map[string][]netip.Prefix{}}
	for _, is := range st.ifaces {
		for _, gid := range is.Groups {
			r.members[gid] = append(r.members[gid], is.addrs()...)
		}
	}
	for _, addrs := range r.members {
		slices.SortFunc(addrs, netip.Addr.Compare)
	}
	for _, pl := range lists {
		r.lists[pl.ID] = pl.Entries
	}
	return r
}

// GroupAddrs returns the private IPv4 and the IPv6 addresses of every
// interface that carries group id. Including IPv6 addresses is a choice
// (SG-20: AWS writes only of "private IP addresses"). Public and Elastic IPs are not
// modelled, so they never match (SG-19). The slice is shared: callers
// only read it.
func (r *resolver) GroupAddrs(id string) ([]netip.Addr, bool) {
	addrs, carried := r.members[id]
	_, declared := r.groups[id]
	return addrs, carried || declared
}

// PrefixList returns a prefix list's entries.
func (r *resolver) PrefixList(id string) ([]netip.Prefix, bool) {
	e, ok := r.lists[id]
	return e, ok
}

func cloneConfig(c Config) Config {
	c.PrefixLists = slices.Clone(c.PrefixLists)
	c.SecurityGroups = slices.Clone(c.SecurityGroups)
	c.NetworkACLs = slices.Clone(c.NetworkACLs)
	c.Subnets = slices.Clone(c.Subnets)
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

// nth returns the address n above a.
func nth(a netip.Addr, n int) netip.Addr {
	for ; n > 0; n-- {
		a = a.Next()
	}
	return a
}

// awsServiceAddrs are the link-local and ULA addresses of AWS services
// that neither security groups nor network ACLs filter (NOT-10).
var awsServiceAddrs = []struct {
	addr netip.Addr
	what string
}{
	{netip.MustParseAddr("169.254.169.254"), "the instance metadata service"},
	{netip.MustParseAddr("fd00:ec2::254"), "the instance metadata service"},
	{netip.MustParseAddr("169.254.169.253"), "the Amazon DNS server"},
	{netip.MustParseAddr("fd00:ec2::253"), "the Amazon DNS server"},
	{netip.MustParseAddr("169.254.169.123"), "the Amazon Time Sync Service"},
	{netip.MustParseAddr("fd00:ec2::123"), "the Amazon Time Sync Service"},
	{netip.MustParseAddr("fe80:ec2::1"), "the VPC router"},
}

// addReserved records a subnet's reserved addresses: base + 1 (the VPC
// router), + 2 (DNS, reserved in every subnet) and + 3 (reserved by AWS),
// and the same in its IPv6 range (NOT-10; exempting + 3 is a choice).
func addReserved(m map[netip.Addr]string, s Subnet) {
	for _, p := range []netip.Prefix{s.CIDR, s.IPv6CIDR} {
		if !p.IsValid() {
			continue
		}
		base := p.Masked().Addr()
		m[nth(base, 1)] = "the VPC router (subnet " + s.ID + " base + 1)"
		m[nth(base, 2)] = "an AWS-reserved address (subnet " + s.ID + " base + 2, the Amazon DNS server in the VPC's first range)"
		m[nth(base, 3)] = "an AWS-reserved address (subnet " + s.ID + " base + 3)"
	}
}

// exemptAddrs returns the addresses of cfg whose traffic no filter sees,
// each with the AWS service it is (NOT-10).
func exemptAddrs(cfg Config) map[netip.Addr]string {
	m := map[netip.Addr]string{}
	for _, s := range cfg.Subnets {
		addReserved(m, s)
	}
	for _, a := range awsServiceAddrs {
		m[a.addr] = a.what
	}
	if cfg.CIDR.IsValid() && cfg.CIDR.Addr().Is4() {
		m[nth(cfg.CIDR.Masked().Addr(), 2)] = "the Amazon DNS server (VPC base + 2)"
	}
	return m
}

// linkLocal is the IPv6 link-local block: traffic to or from any address
// in it is the VPC router's, which no filter sees (NOT-10).
var linkLocal = netip.MustParsePrefix("fe80::/10")

// Exemption is a block of addresses whose traffic no filter sees: an AWS
// service, a reserved address of a subnet, or the IPv6 link-local block
// (NOT-10).
type Exemption struct {
	// Prefix is the block: a single address (/32, /128), or fe80::/10.
	Prefix netip.Prefix
	// What names the service, as explanations word it.
	What string
}

// Exemptions returns the blocks whose traffic no filter of a VPC built
// from c sees, sorted by address: a packet to or from any of them is
// allowed without meeting a network ACL or a security group ([VPC.Send],
// [ENI.Cross]). They are the AWS service addresses of the package
// documentation, each subnet's base + 1, + 2 and + 3 in either family, the
// VPC's base + 2 when [Config.CIDR] is given, and fe80::/10. Tools that
// reason about every packet at once, rather than one at a time, need the
// list; it is the one Send uses.
func (c *Config) Exemptions() []Exemption {
	m := exemptAddrs(*c)
	out := make([]Exemption, 0, len(m)+1)
	for a, what := range m {
		out = append(out, Exemption{Prefix: netip.PrefixFrom(a, a.BitLen()), What: what})
	}
	out = append(out, Exemption{Prefix: linkLocal, What: "the VPC router (link-local)"})
	slices.SortFunc(out, func(x, y Exemption) int {
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		return x.Prefix.Bits() - y.Prefix.Bits()
	})
	return out
}

// exemptWhat says which AWS service a, if any, is.
func (st *state) exemptWhat(a netip.Addr) (string, bool) {
	if w, ok := st.exempt[a]; ok {
		return w, true
	}
	if a.Is6() && a.IsLinkLocalUnicast() {
		return "the VPC router (link-local)", true
	}
	return "", false
}

// Table returns the connection table of interface id, or nil if there is
// no such interface. The table is the interface's for its whole life:
// changes to its groups or settings keep it (CT-13). Its Len, Available
// and Exceeded are what AWS's conntrack_allowance metrics report (CT-19).
func (v *VPC) Table(id string) *conntrack.Table {
	if is := v.cur.Load().ifaces[id]; is != nil {
		return is.stage.Table()
	}
	return nil
}

// Connections returns, for each interface that tracks any, the live
// connections of its table at now, sorted by their original key. It is
// meant for tools and lessons ("what does the table hold now?"), not for
// the packet path: it allocates. For a time the tables refuse
// ([conntrack.CheckTime]) it returns an empty map.
func (v *VPC) Connections(now time.Time) map[string][]conntrack.Conn {
	out := map[string][]conntrack.Conn{}
	for id, is := range v.cur.Load().ifaces {
		cs := is.stage.Table().Conns(now)
		if len(cs) == 0 {
			continue
		}
		out[id] = sortByKeyText(cs)
	}
	return out
}

// sortByKeyText sorts cs by the text of their keys, each rendered once
// (rendering them in every comparison made a listing of a few thousand
// connections take milliseconds).
func sortByKeyText(cs []conntrack.Conn) []conntrack.Conn {
	type keyed struct {
		text string
		c    conntrack.Conn
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{c.Key.String(), c}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.text, b.text) })
	for i := range ks {
		cs[i] = ks[i].c
	}
	return cs
}
