package sg

import "net/netip"

// Resolver supplies what rules name but groups do not hold: the members
// of referenced security groups and the entries of prefix lists. A VPC
// model implements it; [StaticResolver] is a ready-made one.
//
// [Compile] asks once per id and copies the answers into the [Set], so a
// Set sees membership as it was when compiled. When an interface gains or
// loses a group, an address changes, or a prefix list is edited, compile
// the affected sets again: AWS applies such changes to the next packet
// (SG-16, SG-24).
type Resolver interface {
	// GroupAddrs returns the private addresses of every interface carrying
	// group id (SG-19, SG-20); ok is false if the group is unknown. A known
	// group that no interface carries has no addresses and ok true.
	GroupAddrs(id string) (addrs []netip.Addr, ok bool)
	// PrefixList returns the entries of a prefix list; ok is false if the
	// list is unknown.
	PrefixList(id string) (entries []netip.Prefix, ok bool)
}

// StaticResolver is a [Resolver] backed by two maps, for tests, examples
// and small simulations. A nil map knows no ids.
type StaticResolver struct {
	// Groups maps a group id to the private addresses of the interfaces
	// carrying it.
	Groups map[string][]netip.Addr
	// PrefixLists maps a prefix list id to its entries.
	PrefixLists map[string][]netip.Prefix
}

// GroupAddrs implements [Resolver].
func (s StaticResolver) GroupAddrs(id string) ([]netip.Addr, bool) {
	a, ok := s.Groups[id]
	return a, ok
}

// PrefixList implements [Resolver].
func (s StaticResolver) PrefixList(id string) ([]netip.Prefix, bool) {
	p, ok := s.PrefixLists[id]
	return p, ok
}
