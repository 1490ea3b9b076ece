package vpc

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// This file checks what AWS enforces about the VPC's own objects: ids,
// subnet blocks, interface addresses, the groups an interface carries,
// prefix-list entries, and the references between these objects. Rules
// of security groups and network ACLs are checked by their packages when
// build compiles them.

// Kind is the kind of object a [ConfigError] is about.
type Kind uint8

// The kinds of object in a [Config].
const (
	KindVPC Kind = iota + 1
	KindPrefixList
	KindSecurityGroup
	KindNetworkACL
	KindSubnet
	KindInterface
)

// String returns the words that name the kind in messages: "vpc",
// "prefix list", "security group", "network ACL", "subnet", "interface".
func (k Kind) String() string {
	switch k {
	case KindVPC:
		return "vpc"
	case KindPrefixList:
		return "prefix list"
	case KindSecurityGroup:
		return "security group"
	case KindNetworkACL:
		return "network ACL"
	case KindSubnet:
		return "subnet"
	case KindInterface:
		return "interface"
	}
	return "object"
}

// Field names used in [ConfigError.Field]: the Terraform argument names,
// which scenario files use too.
const (
	FieldID                 = "id"
	FieldCIDRBlock          = "cidr_block"
	FieldIPv6CIDRBlock      = "ipv6_cidr_block"
	FieldNetworkACL         = "network_acl"
	FieldEntries            = "entries"
	FieldSubnet             = "subnet"
	FieldPrivateIPs         = "private_ips"
	FieldIPv6Addresses      = "ipv6_addresses"
	FieldSecurityGroups     = "security_groups"
	FieldConnectionTracking = "connection_tracking"
)

// The causes a [ConfigError] wraps; test them with [errors.Is]. An
// interface that carries no group or more than 16 wraps
// [sg.ErrGroupCount]; tracking timeouts out of AWS's ranges wrap
// conntrack.ErrRange.
var (
	// ErrNoID: an object without an id.
	ErrNoID = errors.New("no id")
	// ErrDuplicateID: two objects of one kind with the same id.
	ErrDuplicateID = errors.New("id declared twice")
	// ErrNotFound: a reference to a subnet, network ACL or security group
	// that the configuration does not declare.
	ErrNotFound = errors.New("no such object")
	// ErrInvalid: a CIDR or address that is missing, malformed or of the
	// other family than its field holds.
	ErrInvalid = errors.New("not a valid value for the field")
	// ErrBlockSize: a block of a size AWS does not allow: /16 to /28 for
	// the VPC and an IPv4 subnet, /64 for an IPv6 subnet.
	ErrBlockSize = errors.New("block size not allowed")
	// ErrOutsideVPC: a subnet block outside the VPC's block.
	ErrOutsideVPC = errors.New("subnet block outside the VPC's block")
	// ErrOverlap: two subnets whose blocks overlap.
	ErrOverlap = errors.New("subnet blocks overlap")
	// ErrNoPrivateIP: an interface without a private IPv4 address.
	ErrNoPrivateIP = errors.New("no private IPv4 address")
	// ErrOutsideSubnet: an interface address outside its subnet's block.
	ErrOutsideSubnet = errors.New("address outside its subnet")
	// ErrReserved: an interface address that AWS reserves in its subnet.
	ErrReserved = errors.New("address reserved by AWS")
	// ErrAddressTaken: an address that two interfaces claim.
	ErrAddressTaken = errors.New("address of another interface")
	// ErrListedTwice: one value twice in one list of an interface.
	ErrListedTwice = errors.New("listed twice")
)

// ConfigError is one problem of a [Config] (or of a [Change]) that [New]
// or [VPC.Apply] refuses. Kind, ID, Field and Index say where it is, so
// that a caller that read the configuration from a file can point at the
// offending value; Err says what is wrong and wraps one of the Err*
// causes of this package.
type ConfigError struct {
	// Kind and ID name the object; ID is empty when the object has none.
	Kind Kind
	ID   string
	// Field is the offending field, one of the Field* constants ("" for
	// a problem of the object as a whole).
	Field string
	// Index is the offending element of a list field (private_ips[2]),
	// from 0; -1 when the field is not a list or the list as a whole is
	// at fault. For Field "id", Index is the object's position in its
	// list of the Config or Change.
	Index int
	// Value is the offending value as text, or "".
	Value string
	// Err says what is wrong.
	Err error
}

// Error reads like "interface eni-web: private_ips 10.0.1.1: reserved by
// AWS in subnet web (10.0.1.0/24): the VPC router (base + 1)".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	switch {
	case e.ID != "":
		b.WriteString(" " + e.ID)
	case e.Field == FieldID && e.Index >= 0:
		b.WriteString(" #" + strconv.Itoa(e.Index))
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	if e.Value != "" {
		b.WriteString(" " + e.Value)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// cause is an error with its own words that wraps one of the Err*
// values, so that messages can say more than the sentinel does.
type cause struct {
	msg string
	is  error
}

func (c *cause) Error() string { return c.msg }
func (c *cause) Unwrap() error { return c.is }

func because(is error, format string, a ...any) error {
	return &cause{msg: fmt.Sprintf(format, a...), is: is}
}

// Block sizes AWS allows (Subnet sizing; VPC CIDR blocks): an IPv4 block
// from /16 (65,536 addresses) to /28 (16), for the VPC and for a subnet,
// and a /64 for an IPv6 subnet.
const (
	widestIPv4    = 16
	narrowestIPv4 = 28
	subnetIPv6    = 64
)

// Validate checks what AWS enforces about the VPC's own objects, the
// checks [New] and [VPC.Apply] make before they compile any rule:
//
//   - every object has an id, unique among the objects of its kind (the
//     id "default" names the default network ACL, declared at most once);
//   - the VPC's CIDR, when given, is an IPv4 block from /16 to /28;
//   - a subnet has an IPv4 block from /16 to /28, inside the VPC's CIDR
//     when that is given, and optionally an IPv6 block, a /64; no two
//     subnets' blocks overlap, in either family; its network ACL exists;
//   - an interface's subnet exists; it has at least one private IPv4
//     address; each address is of its list's family, listed once, inside
//     the subnet's block of that family, not one of the five addresses
//     AWS reserves there (see [Reserved]), and no other interface's;
//   - an interface carries 1..16 security groups (SG-26), each declared
//     and listed once, and its connection-tracking timeouts are within
//     AWS's ranges (CT-16);
//   - a prefix list's entries are valid IPv4 or IPv6 CIDRs.
//
// The block sizes and the reserved addresses are AWS's (Amazon VPC User
// Guide, "Subnet sizing" and "VPC CIDR blocks"; the /64 of an IPv6 subnet
// is that page's fixed length). Asking every interface for a private IPv4
// address is pfsim's choice: IPv6-only subnets are not modelled. A block
// with host bits set is taken as its network, as AWS does (NACL-5).
//
// It returns nil or every problem found, each a *[ConfigError], joined
// with [errors.Join]. A problem between two objects (overlapping subnets,
// an address two interfaces claim) is reported once, at the later of the
// two in c's lists.
func (c *Config) Validate() error {
	var k checker
	k.ids(c.PrefixLists, c.SecurityGroups, c.NetworkACLs, c.Subnets, c.Interfaces)
	k.model(c)
	return errors.Join(k.errs...)
}

// checkChange validates a change: the ids it names, then next, the
// configuration it leaves in force, with the change's subnets and
// interfaces last, so that a conflict between an object of the change
// and one it leaves alone is reported at the change's.
func checkChange(ch Change, next Config) error {
	var k checker
	k.ids(ch.PrefixLists, ch.SecurityGroups, ch.NetworkACLs, ch.Subnets, ch.Interfaces)
	next.Subnets = changedLast(next.Subnets, ch.Subnets, func(s Subnet) string { return s.ID })
	next.Interfaces = changedLast(next.Interfaces, ch.Interfaces, func(i Interface) string { return i.ID })
	k.model(&next)
	return errors.Join(k.errs...)
}

// changedLast returns all, whose ids are unique, with the objects that
// changed names moved to the end in the order changed names them.
func changedLast[T any](all, changed []T, id func(T) string) []T {
	at := make(map[string]int, len(all))
	for i, x := range all {
		at[id(x)] = i
	}
	moved := map[string]bool{}
	var tail []T
	for _, x := range changed {
		i, ok := at[id(x)]
		if !ok || moved[id(x)] {
			continue
		}
		moved[id(x)] = true
		tail = append(tail, all[i])
	}
	out := make([]T, 0, len(all))
	for _, x := range all {
		if !moved[id(x)] {
			out = append(out, x)
		}
	}
	return append(out, tail...)
}

// checker collects problems.
type checker struct {
	errs []error
}

func (k *checker) fail(kind Kind, id, field string, index int, value string, err error) {
	k.errs = append(k.errs, &ConfigError{Kind: kind, ID: id, Field: field, Index: index, Value: value, Err: err})
}

// ids reports objects without an id, and ids given twice within a kind.
func (k *checker) ids(pls []PrefixList, gs []sg.Group, acls []nacl.ACL, ss []Subnet, is []Interface) {
	checkIDs(k, KindPrefixList, pls, func(p PrefixList) string { return p.ID })
	checkIDs(k, KindSecurityGroup, gs, func(g sg.Group) string { return g.ID })
	checkIDs(k, KindNetworkACL, acls, func(a nacl.ACL) string { return a.ID })
	checkIDs(k, KindSubnet, ss, func(s Subnet) string { return s.ID })
	checkIDs(k, KindInterface, is, func(i Interface) string { return i.ID })
}

func checkIDs[T any](k *checker, kind Kind, xs []T, id func(T) string) {
	first := make(map[string]int, len(xs))
	for i, x := range xs {
		s := id(x)
		if s == "" {
			k.fail(kind, "", FieldID, i, "", because(ErrNoID, "must not be empty"))
			continue
		}
		if j, dup := first[s]; dup {
			k.fail(kind, s, FieldID, i, "", because(ErrDuplicateID, "declared twice (at %d and %d in the list)", j, i))
			continue
		}
		first[s] = i
	}
}

// subnetBlocks is a subnet's blocks, host bits cleared; a block that is
// absent or invalid is the zero Prefix.
type subnetBlocks struct {
	id     string
	v4, v6 netip.Prefix
	has6   bool // an IPv6 block is given, valid or not
}

// model checks everything but the ids. Objects without an id, and the
// second of two with one id, are left out: ids reports them.
func (k *checker) model(c *Config) {
	vpcBlock := k.vpcBlock(c.CIDR)
	for _, pl := range c.PrefixLists {
		for j, e := range pl.Entries {
			if !e.IsValid() || e.Addr().Is4In6() {
				k.fail(KindPrefixList, pl.ID, FieldEntries, j, prefixText(e), because(ErrInvalid, "want an IPv4 or IPv6 CIDR"))
			}
		}
	}
	groups := make(map[string]bool, len(c.SecurityGroups))
	for _, g := range c.SecurityGroups {
		groups[g.ID] = true
	}
	acls := make(map[string]bool, len(c.NetworkACLs)+1)
	acls[DefaultACL] = true
	for _, a := range c.NetworkACLs {
		acls[a.ID] = true
	}

	subnets := make(map[string]*subnetBlocks, len(c.Subnets))
	list := make([]Subnet, 0, len(c.Subnets))
	blocks := make([]*subnetBlocks, 0, len(c.Subnets))
	for _, s := range c.Subnets {
		if s.ID == "" || subnets[s.ID] != nil {
			continue
		}
		b := blocksOf(s)
		subnets[s.ID] = b
		list, blocks = append(list, s), append(blocks, b)
	}
	over4 := overlapping(blocks, func(b *subnetBlocks) netip.Prefix { return b.v4 })
	over6 := overlapping(blocks, func(b *subnetBlocks) netip.Prefix { return b.v6 })
	for i, s := range list {
		k.subnet(s, blocks, i, vpcBlock, over4[i], over6[i])
		if acl := cmp.Or(s.ACL, DefaultACL); !acls[acl] {
			k.fail(KindSubnet, s.ID, FieldNetworkACL, -1, acl, because(ErrNotFound, "no such network ACL"))
		}
	}

	seen := make(map[string]bool, len(c.Interfaces))
	owner := make(map[netip.Addr]string, len(c.Interfaces))
	for _, itf := range c.Interfaces {
		if itf.ID == "" || seen[itf.ID] {
			continue
		}
		seen[itf.ID] = true
		k.iface(itf, subnets, groups, owner)
	}
}

// vpcBlock checks the VPC's CIDR and returns it, host bits cleared, or
// the zero Prefix when it is absent or not IPv4.
func (k *checker) vpcBlock(p netip.Prefix) netip.Prefix {
	if p == (netip.Prefix{}) {
		return p
	}
	if !p.IsValid() || !p.Addr().Is4() {
		k.fail(KindVPC, "", FieldCIDRBlock, -1, prefixText(p), because(ErrInvalid, "want an IPv4 CIDR"))
		return netip.Prefix{}
	}
	if p.Bits() < widestIPv4 || p.Bits() > narrowestIPv4 {
		k.fail(KindVPC, "", FieldCIDRBlock, -1, p.String(), because(ErrBlockSize, "a VPC's block is /16 to /28"))
	}
	return p.Masked()
}

// blocksOf returns s's blocks, host bits cleared; one that is absent,
// invalid or of the wrong family is the zero Prefix.
func blocksOf(s Subnet) *subnetBlocks {
	b := &subnetBlocks{id: s.ID, has6: s.IPv6CIDR != (netip.Prefix{})}
	if p := s.CIDR; p.IsValid() && p.Addr().Is4() {
		b.v4 = p.Masked()
	}
	if p := s.IPv6CIDR; p.IsValid() && p.Addr().Is6() && !p.Addr().Is4In6() {
		b.v6 = p.Masked()
	}
	return b
}

// overlapping returns, for each block of one family (picked by block) that
// overlaps blocks listed before it, the indexes of those, in order.
//
// Two prefixes overlap only when one contains the other. Sorted by
// address, wider first, the blocks that contain a block are exactly those
// left on a stack of nested blocks that contain its first address, so the
// check costs O(n log n) plus the overlaps found, not O(n²): a scenario
// checks its whole VPC at every change.
func overlapping(blocks []*subnetBlocks, block func(*subnetBlocks) netip.Prefix) map[int][]int {
	var order []int
	for i, b := range blocks {
		if block(b).IsValid() {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int {
		p, q := block(blocks[i]), block(blocks[j])
		if c := p.Addr().Compare(q.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(p.Bits(), q.Bits())
	})
	out := map[int][]int{}
	var stack []int
	for _, i := range order {
		p := block(blocks[i])
		for len(stack) > 0 && !block(blocks[stack[len(stack)-1]]).Contains(p.Addr()) {
			stack = stack[:len(stack)-1]
		}
		for _, j := range stack {
			later, earlier := max(i, j), min(i, j)
			out[later] = append(out[later], earlier)
		}
		stack = append(stack, i)
	}
	for _, earlier := range out {
		slices.Sort(earlier)
	}
	return out
}

// subnet reports the problems of the blocks of s, which is list[i]; over4
// and over6 index the subnets listed before it whose blocks overlap its
// own.
func (k *checker) subnet(s Subnet, list []*subnetBlocks, i int, vpcBlock netip.Prefix, over4, over6 []int) {
	b := list[i]
	fail := func(field string, p netip.Prefix, err error) {
		k.fail(KindSubnet, s.ID, field, -1, prefixText(p), err)
	}
	if !b.v4.IsValid() {
		fail(FieldCIDRBlock, s.CIDR, because(ErrInvalid, "want an IPv4 CIDR such as 10.0.1.0/24: every subnet has one"))
	} else {
		if b.v4.Bits() < widestIPv4 || b.v4.Bits() > narrowestIPv4 {
			fail(FieldCIDRBlock, b.v4, because(ErrBlockSize, "a subnet's IPv4 block is /16 to /28"))
		}
		if vpcBlock.IsValid() && (b.v4.Bits() < vpcBlock.Bits() || !vpcBlock.Contains(b.v4.Addr())) {
			fail(FieldCIDRBlock, b.v4, because(ErrOutsideVPC, "not in the VPC's cidr_block %s", vpcBlock))
		}
		for _, j := range over4 {
			fail(FieldCIDRBlock, b.v4, because(ErrOverlap, "overlaps subnet %s's cidr_block %s", list[j].id, list[j].v4))
		}
	}
	switch {
	case !b.has6:
	case !b.v6.IsValid():
		fail(FieldIPv6CIDRBlock, s.IPv6CIDR, because(ErrInvalid, "want an IPv6 CIDR"))
	default:
		if b.v6.Bits() != subnetIPv6 {
			fail(FieldIPv6CIDRBlock, b.v6, because(ErrBlockSize, "a subnet's IPv6 block is a /64"))
		}
		for _, j := range over6 {
			fail(FieldIPv6CIDRBlock, b.v6, because(ErrOverlap, "overlaps subnet %s's ipv6_cidr_block %s", list[j].id, list[j].v6))
		}
	}
}

// iface checks one interface; owner maps the addresses of the interfaces
// checked before to their ids, and gains this one's.
func (k *checker) iface(itf Interface, subnets map[string]*subnetBlocks, groups map[string]bool, owner map[netip.Addr]string) {
	sub := subnets[itf.Subnet]
	if sub == nil {
		k.fail(KindInterface, itf.ID, FieldSubnet, -1, itf.Subnet, because(ErrNotFound, "no such subnet"))
	}
	if len(itf.PrivateIPs) == 0 {
		k.fail(KindInterface, itf.ID, FieldPrivateIPs, -1, "",
			because(ErrNoPrivateIP, "empty: an interface has at least one private IPv4 address (the first is the primary)"))
	}
	k.addrs(itf.ID, FieldPrivateIPs, itf.PrivateIPs, false, sub, owner)
	k.addrs(itf.ID, FieldIPv6Addresses, itf.IPv6Addrs, true, sub, owner)

	switch n := len(itf.Groups); {
	case n == 0:
		k.fail(KindInterface, itf.ID, FieldSecurityGroups, -1, "", fmt.Errorf("empty: %w", sg.ErrGroupCount))
	case n > sg.MaxGroups:
		// The entries of a list that must be cut anyway are not checked.
		k.fail(KindInterface, itf.ID, FieldSecurityGroups, -1, "", fmt.Errorf("%d groups: %w", n, sg.ErrGroupCount))
	default:
		for j, g := range itf.Groups {
			switch {
			case slices.Contains(itf.Groups[:j], g):
				k.fail(KindInterface, itf.ID, FieldSecurityGroups, j, g, because(ErrListedTwice, "listed twice"))
			case !groups[g]:
				k.fail(KindInterface, itf.ID, FieldSecurityGroups, j, g, because(ErrNotFound, "no such security group"))
			}
		}
	}
	if err := itf.Tracking.Validate(); err != nil {
		k.fail(KindInterface, itf.ID, FieldConnectionTracking, -1, "", err)
	}
}

// addrs checks the addresses of one list of an interface: IPv6 ones when
// v6 is set. sub is the interface's subnet, nil when it has none.
func (k *checker) addrs(id, field string, as []netip.Addr, v6 bool, sub *subnetBlocks, owner map[netip.Addr]string) {
	fail := func(j int, a netip.Addr, err error) {
		k.fail(KindInterface, id, field, j, addrText(a), err)
	}
	for j, a := range as {
		switch {
		case !a.IsValid() || a.Is6() != v6 || a.Is4In6() || a.Zone() != "":
			want := "want an IPv4 address"
			if v6 {
				want = "want an IPv6 address"
			}
			fail(j, a, because(ErrInvalid, "%s", want))
			continue
		case slices.Contains(as[:j], a):
			fail(j, a, because(ErrListedTwice, "listed twice"))
			continue
		}
		if sub != nil {
			block, name := sub.v4, FieldCIDRBlock
			if v6 {
				block, name = sub.v6, FieldIPv6CIDRBlock
			}
			switch {
			case v6 && !sub.has6:
				fail(j, a, because(ErrOutsideSubnet, "subnet %s has no %s", sub.id, name))
			case !block.IsValid():
				// The subnet's block is reported at the subnet.
			case !block.Contains(a):
				fail(j, a, because(ErrOutsideSubnet, "not in subnet %s's %s %s", sub.id, name, block))
			default:
				if what, ok := Reserved(block, a); ok {
					fail(j, a, because(ErrReserved, "reserved by AWS in subnet %s (%s): %s", sub.id, block, what))
				}
			}
		}
		if other, taken := owner[a]; taken {
			fail(j, a, because(ErrAddressTaken, "already an address of interface %s", other))
			continue
		}
		owner[a] = id
	}
}

// Reserved reports whether AWS reserves address a in a subnet whose block
// is block, and says what for. AWS reserves the first four addresses and
// the last one of every subnet block, IPv4 and IPv6 alike (Subnet sizing):
// the network address, the VPC router (base + 1), base + 2 (in IPv4 the
// Amazon DNS server's address, reserved in every subnet) and base + 3
// (reserved for future use), and the last address (in IPv4 the broadcast
// address; a VPC has no broadcast). No interface may hold one of them,
// and traffic to base + 1..3 meets no filter (NOT-10).
func Reserved(block netip.Prefix, a netip.Addr) (what string, ok bool) {
	block = block.Masked()
	if !block.IsValid() || !block.Contains(a) {
		return "", false
	}
	words := &reservedIPv4
	if a.Is6() {
		words = &reservedIPv6
	}
	b := block.Addr()
	for i := range 4 {
		if a == b {
			return words[i], true
		}
		b = b.Next()
	}
	if a == lastAddr(block) {
		return words[4], true
	}
	return "", false
}

var (
	reservedIPv4 = [5]string{
		"the network address (base)",
		"the VPC router (base + 1)",
		"the Amazon DNS server's address, reserved in every subnet (base + 2)",
		"reserved for future use (base + 3)",
		"the broadcast address (last), reserved although a VPC has no broadcast",
	}
	reservedIPv6 = [5]string{
		"the network address (base)",
		"the VPC router (base + 1)",
		"reserved, AWS does not say what for (base + 2)",
		"reserved, AWS does not say what for (base + 3)",
		"the last address of the block",
	}
)

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

// prefixText renders p for a message: "" for the zero Prefix.
func prefixText(p netip.Prefix) string {
	if p == (netip.Prefix{}) {
		return ""
	}
	return p.String()
}

// addrText renders a for a message: "" for the zero Addr.
func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
