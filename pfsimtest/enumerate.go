package pfsimtest

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// enumeration answers the exact questions (see exactEngine) by trying one
// packet of every class of packets that the configurations cannot tell
// apart, through the concrete evaluator.
//
// Why one packet per class is exact: a first packet's verdict depends only
// on which rules match it and on what its two addresses are to the VPC (an
// interface's, an AWS service's, neither). Cut each field at every edge a
// rule, a prefix list, an address of the VPC or the space itself draws:
// addresses at the first address of every prefix and just past its last
// (a single address is a /32 or /128), destination ports likewise, each
// protocol and ICMP type and code that some rule names apart from those
// no rule names. Two packets whose fields lie in the same pieces meet the
// same rules with the same outcome and the same path, so they get the
// same verdict; the source port, TCP flags and ICMP identifier never
// decide a first packet. So the product of the pieces, one probe each, is
// a complete test of the space.
//
// Probes must not see each other's connections: each is sent six days of
// simulated time after the one before, past every idle timeout (the
// longest is five days, CT-16a), and the interfaces' capacities are
// lifted, so a table full of dead entries refuses nothing.
type enumeration struct {
	// limit is the most probes one question may take; past it the
	// question is refused, not answered approximately.
	limit int
}

// enumerationLimit bounds a question's probes: about a second of
// sending.
const enumerationLimit = 1 << 20

// probeGap is the simulated time between probes: longer than every idle
// timeout, so no probe meets another's entry.
const probeGap = 6 * 24 * time.Hour

func (e enumeration) Reaching(cfg vpc.Config, space Space) (flow.Packet, bool, error) {
	v, err := probeVPC(cfg)
	if err != nil {
		return flow.Packet{}, false, err
	}
	var found flow.Packet
	ok, err := e.probe(space, []*vpc.Config{&cfg}, func(p *flow.Packet, now time.Time, path *vpc.Path) bool {
		if v.SendInto(p, now, path) == nil && path.Allowed() && path.Exempt == "" && len(path.Hops) > 0 {
			found = *p
			return true
		}
		return false
	})
	return found, ok, err
}

func (e enumeration) OnlyIn(a, b vpc.Config, space Space) (flow.Packet, bool, error) {
	va, err := probeVPC(a)
	if err != nil {
		return flow.Packet{}, false, err
	}
	vb, err := probeVPC(b)
	if err != nil {
		return flow.Packet{}, false, err
	}
	var found flow.Packet
	ok, err := e.probe(space, []*vpc.Config{&a, &b}, func(p *flow.Packet, now time.Time, path *vpc.Path) bool {
		if va.SendInto(p, now, path) != nil || !path.Allowed() {
			return false
		}
		if vb.SendInto(p, now, path) == nil && path.Allowed() {
			return false
		}
		found = *p
		return true
	})
	return found, ok, err
}

// probeVPC builds cfg's VPC with every interface's capacity lifted.
func probeVPC(cfg vpc.Config) (*vpc.VPC, error) { return fresh(cfg, true) }

// probe calls try with one packet of each class of space that cfgs cannot
// tell apart, each at its own time, until try returns true; it reports
// whether one did.
func (e enumeration) probe(space Space, cfgs []*vpc.Config, try func(p *flow.Packet, now time.Time, path *vpc.Path) bool) (bool, error) {
	if err := space.Validate(); err != nil {
		return false, err
	}
	cl := newClasses(space, cfgs)
	if n := cl.count(); n > e.limit {
		return false, fmt.Errorf("it splits into %d classes of packets, more than the %d this enumeration tries: narrow it", n, e.limit)
	}
	now := Epoch
	var path vpc.Path
	for _, fam := range []int{4, 6} {
		srcs, dsts, protos := cl.src[fam], cl.dst[fam], cl.protos[fam]
		for _, src := range srcs {
			for _, dst := range dsts {
				if src == dst || !cl.iface[src] && !cl.iface[dst] {
					continue // no path: Send refuses it
				}
				for _, proto := range protos {
					for _, p := range cl.packets(proto, src, dst) {
						now = now.Add(probeGap)
						if try(&p, now, &path) {
							return true, nil
						}
					}
				}
			}
		}
	}
	return false, nil
}

// classes holds one representative of each piece of each field.
type classes struct {
	// src and dst are the address pieces, per family, within the space.
	src, dst map[int][]netip.Addr
	// protos are the protocol classes, per family.
	protos map[int][]flow.Proto
	// iface marks the interfaces' addresses.
	iface        map[netip.Addr]bool
	dstPorts     []uint16
	srcPort      uint16
	types, codes []uint8
}

func newClasses(space Space, cfgs []*vpc.Config) *classes {
	cl := &classes{src: map[int][]netip.Addr{}, dst: map[int][]netip.Addr{}, iface: map[netip.Addr]bool{}, protos: map[int][]flow.Proto{}}
	var prefixes []netip.Prefix
	var singles []netip.Addr
	portCuts := []int{0}
	typeNamed, codeNamed := map[int]bool{}, map[int]bool{}
	protoNamed := map[flow.Proto]bool{}
	singles = append(singles, AWSServiceAddrs...)
	prefixes = append(prefixes, netip.MustParsePrefix("fe80::/10"))
	for _, c := range cfgs {
		if c.CIDR.IsValid() {
			prefixes = append(prefixes, c.CIDR.Masked())
			singles = append(singles, nth(c.CIDR.Masked().Addr(), 2))
		}
		for _, s := range c.Subnets {
			for _, b := range []netip.Prefix{s.CIDR, s.IPv6CIDR} {
				if b.IsValid() {
					base := b.Masked().Addr()
					prefixes = append(prefixes, b.Masked())
					singles = append(singles, nth(base, 1), nth(base, 2), nth(base, 3))
				}
			}
		}
		for _, pl := range c.PrefixLists {
			prefixes = append(prefixes, pl.Entries...)
		}
		for _, itf := range c.Interfaces {
			for _, a := range append(slices.Clone(itf.PrivateIPs), itf.IPv6Addrs...) {
				singles = append(singles, a)
				cl.iface[a] = true
			}
		}
		for _, a := range c.NetworkACLs {
			for _, r := range append(slices.Clone(a.Ingress), a.Egress...) {
				prefixes = append(prefixes, r.CIDR)
				if p, ok := r.Protocol.Proto(); ok {
					protoNamed[p] = true
				}
				switch {
				case r.HasPorts():
					portCuts = append(portCuts, r.FromPort, r.ToPort+1)
				case r.HasICMP():
					typeNamed[r.ICMPType] = true
					codeNamed[r.ICMPCode] = true
				}
			}
		}
		for _, g := range c.SecurityGroups {
			for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
				if r.CIDR.IsValid() {
					prefixes = append(prefixes, r.CIDR)
				}
				p, ok := r.Protocol.Proto()
				if !ok {
					continue
				}
				protoNamed[p] = true
				switch p {
				case flow.TCP, flow.UDP:
					portCuts = append(portCuts, r.FromPort, r.ToPort+1)
				case flow.ICMP, flow.ICMPv6:
					typeNamed[r.FromPort] = true
					codeNamed[r.ToPort] = true
				}
			}
		}
	}
	prefixes = append(prefixes, space.Src...)
	prefixes = append(prefixes, space.Dst...)
	cuts := addrCuts(prefixes, singles)
	for _, fam := range []int{4, 6} {
		reps := representatives(cuts[fam])
		for _, a := range reps {
			if space.Src == nil || containedIn(masked(space.Src), a) {
				cl.src[fam] = append(cl.src[fam], a)
			}
			if space.Dst == nil || containedIn(masked(space.Dst), a) {
				cl.dst[fam] = append(cl.dst[fam], a)
			}
		}
		cl.protos[fam] = protoClasses(space, protoNamed, fam)
	}
	for _, r := range space.DstPorts {
		portCuts = append(portCuts, int(r.From), int(r.To)+1)
	}
	for _, c := range sortedUniq(portCuts) {
		if c <= 65535 && inRanges(space.DstPorts, uint16(c)) {
			cl.dstPorts = append(cl.dstPorts, uint16(c))
		}
	}
	cl.srcPort = 49152
	if space.SrcPorts != nil {
		cl.srcPort = space.SrcPorts[0].From
	}
	cl.types = byteClasses(space.ICMPTypes, typeNamed)
	cl.codes = byteClasses(space.ICMPCodes, codeNamed)
	return cl
}

// count returns the number of probes the classes make, at most.
func (cl *classes) count() int {
	n := 0
	for _, fam := range []int{4, 6} {
		pairs := 0
		for _, s := range cl.src[fam] {
			for _, d := range cl.dst[fam] {
				if s != d && (cl.iface[s] || cl.iface[d]) {
					pairs++
				}
			}
		}
		per := 0
		for _, p := range cl.protos[fam] {
			switch {
			case p.HasPorts():
				per += len(cl.dstPorts)
			case p.IsICMP():
				per += len(cl.types) * len(cl.codes)
			default:
				per++
			}
		}
		n += pairs * per
	}
	return n
}

// packets returns the probes of protocol proto between src and dst.
func (cl *classes) packets(proto flow.Proto, src, dst netip.Addr) []flow.Packet {
	base := flow.Packet{Proto: proto, Src: src, Dst: dst}
	var out []flow.Packet
	switch {
	case proto.HasPorts():
		for _, port := range cl.dstPorts {
			p := base
			p.SrcPort, p.DstPort = cl.srcPort, port
			if proto == flow.TCP {
				p.Flags = flow.SYN
			}
			out = append(out, p)
		}
	case proto.IsICMP():
		for _, typ := range cl.types {
			for _, code := range cl.codes {
				p := base
				p.ICMPType, p.ICMPCode = typ, code
				if _, query := flow.ICMPQuery(proto, typ); query {
					p.ICMPID = 1
				}
				out = append(out, p)
			}
		}
	default:
		out = append(out, base)
	}
	return out
}

// protoClasses returns each protocol some rule names and the space holds,
// with one protocol no rule names to stand for all the others: tcp, udp
// or the family's ICMP when one of them is unnamed, since those read
// best in a message.
func protoClasses(space Space, named map[flow.Proto]bool, fam int) []flow.Proto {
	valid := func(p flow.Proto) bool {
		return !(p == flow.ICMP && fam == 6 || p == flow.ICMPv6 && fam == 4) &&
			(space.Protocols == nil || slices.Contains(space.Protocols, p))
	}
	var out []flow.Proto
	for p := range 256 {
		if named[flow.Proto(p)] && valid(flow.Proto(p)) {
			out = append(out, flow.Proto(p))
		}
	}
	icmp := flow.ICMP
	if fam == 6 {
		icmp = flow.ICMPv6
	}
	candidates := []flow.Proto{flow.TCP, flow.UDP, icmp, 47}
	for p := range 256 {
		candidates = append(candidates, flow.Proto(p))
	}
	for _, p := range candidates {
		if !named[p] && valid(p) {
			return append(out, p)
		}
	}
	return out
}

// byteClasses returns each value some rule names (-1, any, aside) that the
// space's list holds, and one value no rule names.
func byteClasses(space []uint8, named map[int]bool) []uint8 {
	in := func(x int) bool { return space == nil || slices.Contains(space, uint8(x)) }
	var out []uint8
	unnamed := false
	for x := range 256 {
		if !in(x) {
			continue
		}
		if named[x] {
			out = append(out, uint8(x))
		} else if !unnamed {
			out = append(out, uint8(x))
			unnamed = true
		}
	}
	return out
}

// addrCuts returns, per family, the sorted addresses where the pieces of
// the address space begin: the family's first address, the first address
// of each prefix and the one past its last, each single address and the
// one past it.
func addrCuts(prefixes []netip.Prefix, singles []netip.Addr) map[int][]netip.Addr {
	cuts := map[int][]netip.Addr{
		4: {netip.IPv4Unspecified()},
		6: {netip.IPv6Unspecified()},
	}
	add := func(a netip.Addr) {
		if a.IsValid() {
			cuts[familyOf(a)] = append(cuts[familyOf(a)], a)
		}
	}
	for _, p := range prefixes {
		if p.IsValid() {
			add(p.Masked().Addr())
			add(lastAddr(p).Next())
		}
	}
	for _, a := range singles {
		add(a)
		add(a.Next())
	}
	for fam := range cuts {
		cuts[fam] = uniq(cuts[fam])
	}
	return cuts
}

// niceAddrs are the addresses a probe takes when its piece holds one, so
// that a witness reads like an example: a documentation host.
var niceAddrs = addrs(
	"198.51.100.7", "203.0.113.7", "192.0.2.7", "10.0.0.7", "172.16.0.7", "192.168.0.7", "100.64.0.7",
	"2001:db8::7", "2001:db8:ffff::7", "fd00::7",
)

// representatives returns one address of each piece that cuts begin.
func representatives(cuts []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, len(cuts))
	for i, c := range cuts {
		out[i] = c
		for _, n := range niceAddrs {
			if familyOf(n) == familyOf(c) && c.Compare(n) <= 0 && (i+1 == len(cuts) || n.Less(cuts[i+1])) {
				out[i] = n
				break
			}
		}
	}
	return out
}

func sortedUniq(xs []int) []int {
	slices.Sort(xs)
	return slices.Compact(xs)
}
