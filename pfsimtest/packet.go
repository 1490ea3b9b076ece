package pfsimtest

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// Packet draws valid packets ([flow.Packet.Validate] accepts them): tcp
// (leaning to SYN, then ACK, data, SYN-ACK, FIN, RST and odd flag mixes),
// udp, icmp over IPv4 and icmpv6 over IPv6 (echo requests and replies,
// errors, other types), and other protocols (GRE, ESP, SCTP, 0, 255).
// Addresses lean as [Addr] does and ports as [Port] does; source ports
// also lean to the ephemeral ranges' edges.
//
// Options place the packet: [From] and [To] bound its addresses,
// [FromInterface] and [ToInterface] put an end at an interface, and with
// [In] alone one end (or both) is an address of an interface of the
// configuration. Whenever a configuration is given, the two ends are never
// the same interface, so [vpc.VPC.Send] accepts every packet drawn. Heeds
// [In], [From], [To], [FromInterface], [ToInterface], [Protocols],
// [OnlyIPv4] and [OnlyIPv6].
//
// If the options leave no packet to draw (for instance [OnlyIPv6] with
// [ToInterface] of an interface without IPv6 address), every draw fails
// the test, saying why.
func Packet(opts ...Option) *rapid.Generator[flow.Packet] {
	o := newOptions(opts)
	pl, err := newPlan(o, "pfsimtest.Packet")
	if err != nil {
		return refused[flow.Packet](err)
	}
	return rapid.Custom(func(t *rapid.T) flow.Packet {
		fam, src, dst := pl.drawEnds(t)
		return drawPacketFields(t, pl.pool, o, fam, src, dst)
	})
}

// Dial draws connection attempts for [vpc.VPC.Connect] and [Connects]: a
// TCP connect to a port [Port] draws (leaning to the ports the
// configuration's hosts listen on and its rules name) or a ping, between
// the ends the options place as [Packet] does. The client port is 0 (the
// VPC picks one from Linux's ephemeral range) about half the time, and
// otherwise an edge of the ephemeral ranges or a drawn port. Heeds the
// options [Packet] heeds; [Protocols] chooses among tcp, icmp and icmpv6.
func Dial(opts ...Option) *rapid.Generator[vpc.Dial] {
	o := newOptions(opts)
	pl, err := newPlan(o, "pfsimtest.Dial")
	if err != nil {
		return refused[vpc.Dial](err)
	}
	return rapid.Custom(func(t *rapid.T) vpc.Dial {
		fam, src, dst := pl.drawEnds(t)
		d := vpc.Dial{Proto: flow.TCP, Src: src, Dst: dst}
		icmp := flow.ICMP
		if fam == 6 {
			icmp = flow.ICMPv6
		}
		tcpOK, pingOK := o.allowsProto(flow.TCP), o.allowsProto(icmp)
		if !tcpOK || pingOK && pick(t, "dial.proto", 8, 2) == 1 {
			d.Proto = icmp
		}
		switch {
		case d.Proto == flow.TCP:
			d.DstPort = drawPort(t, pl.pool, "dial.port")
			d.SrcPort = drawClientPort(t, pl.pool, true, "dial.client")
		case rapid.Bool().Draw(t, "dial.echo.id"):
			d.SrcPort = rapid.Uint16().Draw(t, "dial.id")
		}
		return d
	})
}

// ephemeralEdges are the ends of the client port ranges AWS lists (NACL-20,
// NACL-21): NAT gateways and load balancers 1024-65535, Linux
// 32768-60999, Windows 49152-65535.
var ephemeralEdges = []uint16{32768, 60999, 49152, 65535, 1024, 61000, 1023}

// drawClientPort draws a source port; zero (pick one) when zeroOK and
// drawn so.
func drawClientPort(t *rapid.T, p *pool, zeroOK bool, label string) uint16 {
	switch pick(t, label+".kind", 4, 3, 3) {
	case 0:
		if zeroOK {
			return 0
		}
		return rapid.Uint16Range(32768, 60999).Draw(t, label+".linux")
	case 1:
		return rapid.SampledFrom(ephemeralEdges).Draw(t, label+".edge")
	}
	return drawPort(t, p, label)
}

// tcpFlags are the flag sets packets lean to, the commonest first.
var tcpFlags = []flow.TCPFlags{
	flow.SYN, flow.ACK, flow.PSH | flow.ACK, flow.SYN | flow.ACK, flow.FIN | flow.ACK,
	flow.RST, flow.RST | flow.ACK, flow.FIN, 0, flow.SYN | flow.FIN,
}

// icmp4Types and icmp6Types are the ICMP types packets lean to: queries,
// their replies, errors.
var (
	icmp4Types = []uint8{8, 0, 3, 11, 13, 14, 5}
	icmp6Types = []uint8{128, 129, 1, 2, 3, 135, 136}
)

// drawPacketFields draws the protocol and header fields of a packet of
// family fam between src and dst.
func drawPacketFields(t *rapid.T, p *pool, o *options, fam int, src, dst netip.Addr) flow.Packet {
	pk := flow.Packet{Src: src, Dst: dst, Proto: drawPacketProto(t, o, fam, "packet.proto")}
	switch pk.Proto {
	case flow.TCP, flow.UDP:
		pk.SrcPort = drawClientPort(t, p, false, "packet.sport")
		pk.DstPort = drawPort(t, p, "packet.dport")
		if pk.Proto == flow.TCP {
			if pick(t, "packet.flags.kind", 9, 1) == 0 {
				pk.Flags = rapid.SampledFrom(tcpFlags).Draw(t, "packet.flags")
			} else {
				pk.Flags = flow.TCPFlags(rapid.Uint8().Draw(t, "packet.rflags"))
			}
		}
	case flow.ICMP, flow.ICMPv6:
		types := icmp4Types
		if pk.Proto == flow.ICMPv6 {
			types = icmp6Types
		}
		if pick(t, "packet.icmp.kind", 8, 2) == 0 {
			pk.ICMPType = rapid.SampledFrom(types).Draw(t, "packet.icmp.type")
		} else {
			pk.ICMPType = rapid.Uint8().Draw(t, "packet.icmp.rtype")
		}
		if pick(t, "packet.icmp.ckind", 7, 3) == 1 {
			pk.ICMPCode = rapid.SampledFrom([]uint8{4, 1, 3, 255}).Draw(t, "packet.icmp.code")
		}
		if _, query := flow.ICMPQuery(pk.Proto, pk.ICMPType); query {
			pk.ICMPID = rapid.SampledFrom([]uint16{1, 0, 65535, rapid.Uint16().Draw(t, "packet.icmp.rid")}).Draw(t, "packet.icmp.id")
		}
	}
	return pk
}

// drawPacketProto draws a protocol of family fam that the options allow.
func drawPacketProto(t *rapid.T, o *options, fam int, label string) flow.Proto {
	if len(o.protos) > 0 {
		return rapid.SampledFrom(protosFor(o.protos, fam)).Draw(t, label)
	}
	switch pick(t, label, 50, 20, 15, 15) {
	case 0:
		return flow.TCP
	case 1:
		return flow.UDP
	case 2:
		if fam == 6 {
			return flow.ICMPv6
		}
		return flow.ICMP
	}
	return rapid.SampledFrom(ruleProtos).Draw(t, label+".other")
}

// protosFor returns the protocols of ps that packets of family fam can
// carry: icmp only over IPv4, icmpv6 only over IPv6.
func protosFor(ps []flow.Proto, fam int) []flow.Proto {
	var out []flow.Proto
	for _, p := range ps {
		if p == flow.ICMP && fam == 6 || p == flow.ICMPv6 && fam == 4 {
			continue
		}
		out = append(out, p)
	}
	return out
}

// plan says where the two ends of a packet (or a dial) may lie, worked
// out once from the options.
type plan struct {
	pool *pool
	o    *options
	// src and dst are the ends.
	src, dst end
	// families are the families a packet can be drawn in.
	families []int
	// needIface: a configuration is given and neither end is bound to
	// interfaces, so one end must be drawn at an interface.
	needIface bool
}

// end is the set one end of a packet is drawn from.
type end struct {
	prefixes []netip.Prefix // nil: everywhere
	// ifaces, when bound, are the interface addresses the end must be one
	// of (already within prefixes).
	ifaces []netip.Addr
	bound  bool
}

// newPlan works out where packets under o can go; if nowhere, it returns
// an error that names the generator what and says why.
func newPlan(o *options, what string) (*plan, error) {
	pl := &plan{pool: newPool(o), o: o}
	var err error
	if pl.src, err = pl.endOf(o.from, o.fromAny, o.fromIfs, what); err != nil {
		return nil, err
	}
	if pl.dst, err = pl.endOf(o.to, o.toAny, o.toIfs, what); err != nil {
		return nil, err
	}
	pl.needIface = o.cfg != nil && !pl.src.bound && !pl.dst.bound
	for _, fam := range []int{4, 6} {
		if !o.wants(fam) || len(o.protos) > 0 && len(protosFor(o.protos, fam)) == 0 {
			continue
		}
		if pl.feasible(fam) {
			pl.families = append(pl.families, fam)
		}
	}
	if len(pl.families) == 0 {
		return nil, errors.New(what + ": the options leave no packet to draw: no family has a source, a destination and a protocol they allow" +
			pl.hint())
	}
	return pl, nil
}

func (pl *plan) hint() string {
	if pl.o.cfg != nil {
		return " (a configuration is given: one end must be an address of one of its interfaces, the other not the same interface's)"
	}
	return ""
}

// endOf builds one end from its options.
func (pl *plan) endOf(prefixes []netip.Prefix, anyIface bool, ids []string, what string) (end, error) {
	e := end{prefixes: prefixes}
	if !anyIface && len(ids) == 0 {
		return e, nil
	}
	e.bound = true
	for _, id := range ids {
		if !slices.ContainsFunc(pl.pool.ifaces, func(i vpc.Interface) bool { return i.ID == id }) {
			return end{}, fmt.Errorf("%s: the configuration has no interface %q", what, id)
		}
	}
	for _, itf := range pl.pool.ifaces {
		if !anyIface && !slices.Contains(ids, itf.ID) {
			continue
		}
		for _, a := range append(slices.Clone(itf.PrivateIPs), itf.IPv6Addrs...) {
			if prefixes == nil || containedIn(prefixes, a) {
				e.ifaces = append(e.ifaces, a)
			}
		}
	}
	return e, nil
}

// candidates returns the interface addresses of family fam an end can be
// drawn at, or, for an unbound end, those within its prefixes.
func (pl *plan) candidates(e end, fam int) []netip.Addr {
	var out []netip.Addr
	if e.bound {
		for _, a := range e.ifaces {
			if familyOf(a) == fam {
				out = append(out, a)
			}
		}
		return out
	}
	for a := range pl.pool.owner {
		if familyOf(a) == fam && (e.prefixes == nil || containedIn(e.prefixes, a)) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// open reports whether an unbound end can be drawn in family fam.
func (e end) open(fam int) bool {
	return e.prefixes == nil || len(ofFamily(e.prefixes, fam)) > 0
}

// feasible reports whether a packet of family fam can be drawn.
func (pl *plan) feasible(fam int) bool {
	s, d := pl.candidates(pl.src, fam), pl.candidates(pl.dst, fam)
	switch {
	case pl.src.bound && pl.dst.bound:
		return pl.distinctPair(s, d)
	case pl.src.bound:
		return len(s) > 0 && pl.dst.open(fam)
	case pl.dst.bound:
		return len(d) > 0 && pl.src.open(fam)
	case pl.needIface:
		return len(s) > 0 && pl.dst.open(fam) || len(d) > 0 && pl.src.open(fam)
	}
	return pl.src.open(fam) && pl.dst.open(fam)
}

// distinctPair reports whether some address of s and some of d belong to
// different interfaces.
func (pl *plan) distinctPair(s, d []netip.Addr) bool {
	for _, a := range s {
		for _, b := range d {
			if !pl.sameIface(a, b) {
				return true
			}
		}
	}
	return false
}

// sameIface reports whether a and b are one address or two addresses of
// one interface.
func (pl *plan) sameIface(a, b netip.Addr) bool {
	if a == b {
		return true
	}
	i, ok1 := pl.pool.owner[a]
	j, ok2 := pl.pool.owner[b]
	return ok1 && ok2 && i == j
}

// drawEnds draws a family and the two addresses.
func (pl *plan) drawEnds(t *rapid.T) (fam int, src, dst netip.Addr) {
	fam = pl.families[0]
	if len(pl.families) > 1 && pick(t, "packet.family", 7, 3) == 1 {
		fam = pl.families[1]
	}
	s, d := pl.candidates(pl.src, fam), pl.candidates(pl.dst, fam)
	srcAtIface, dstAtIface := pl.src.bound, pl.dst.bound
	if pl.needIface {
		canS, canD := len(s) > 0 && pl.dst.open(fam), len(d) > 0 && pl.src.open(fam)
		switch k := pick(t, "packet.iface.end", 5, 4, 1); {
		case !canS:
			dstAtIface = true
		case !canD:
			srcAtIface = true
		case k == 0:
			dstAtIface = true
		case k == 1:
			srcAtIface = true
		default:
			srcAtIface, dstAtIface = true, pl.distinctPair(s, d)
		}
	}
	switch {
	case srcAtIface && dstAtIface:
		others := func(a netip.Addr) []netip.Addr {
			return slices.DeleteFunc(slices.Clone(d), func(b netip.Addr) bool { return pl.sameIface(a, b) })
		}
		srcs := slices.DeleteFunc(slices.Clone(s), func(a netip.Addr) bool { return len(others(a)) == 0 })
		src = rapid.SampledFrom(srcs).Draw(t, "packet.src.iface")
		return fam, src, rapid.SampledFrom(others(src)).Draw(t, "packet.dst.iface")
	case srcAtIface:
		src = rapid.SampledFrom(s).Draw(t, "packet.src.iface")
		dst = drawAddrIn(t, pl.pool, fam, pl.dst.prefixes, func(b netip.Addr) bool { return !pl.sameIface(src, b) }, "packet.dst")
	case dstAtIface:
		dst = rapid.SampledFrom(d).Draw(t, "packet.dst.iface")
		src = drawAddrIn(t, pl.pool, fam, pl.src.prefixes, func(a netip.Addr) bool { return !pl.sameIface(a, dst) }, "packet.src")
	default:
		src = drawAddrIn(t, pl.pool, fam, pl.src.prefixes, nil, "packet.src")
		dst = drawAddrIn(t, pl.pool, fam, pl.dst.prefixes, func(b netip.Addr) bool { return b != src }, "packet.dst")
	}
	return fam, src, dst
}
