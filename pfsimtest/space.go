package pfsimtest

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
)

// PortRange is an inclusive range of ports.
type PortRange struct {
	From, To uint16
}

// Ports returns the range from..to; Ports(443, 443) is port 443 alone.
func Ports(from, to uint16) PortRange { return PortRange{from, to} }

// Contains reports whether port lies in r.
func (r PortRange) Contains(port uint16) bool { return r.From <= port && port <= r.To }

// String returns "443" or "1024-65535".
func (r PortRange) String() string {
	if r.From == r.To {
		return strconv.Itoa(int(r.From))
	}
	return strconv.Itoa(int(r.From)) + "-" + strconv.Itoa(int(r.To))
}

// Space is a set of packets, a header space: every packet each of whose
// fields lies in that field's set. A nil field means every value, so the
// zero Space holds every packet of both families. Ports count for tcp and
// udp only, ICMP types and codes for icmp and icmpv6 only; TCP flags,
// ICMP identifiers and lengths are not part of a space.
//
// "Any tcp packet from the internet to the database's port":
//
//	pfsimtest.Space{
//		Protocols: []flow.Proto{flow.TCP},
//		Src:       []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
//		Dst:       []netip.Prefix{netip.MustParsePrefix("10.0.3.30/32")},
//		DstPorts:  []pfsimtest.PortRange{pfsimtest.Ports(5432, 5432)},
//	}
type Space struct {
	// Protocols are the IP protocols; nil means every protocol.
	Protocols []flow.Proto
	// Src and Dst are the source and destination addresses; nil means
	// every address of both families.
	Src, Dst []netip.Prefix
	// SrcPorts and DstPorts are the ports of tcp and udp packets; nil
	// means every port.
	SrcPorts, DstPorts []PortRange
	// ICMPTypes and ICMPCodes are the types and codes of icmp and icmpv6
	// packets; nil means every one.
	ICMPTypes, ICMPCodes []uint8
}

// Contains reports whether packet p lies in s.
func (s Space) Contains(p flow.Packet) bool {
	if s.Protocols != nil && !slices.Contains(s.Protocols, p.Proto) {
		return false
	}
	if s.Src != nil && !containedIn(masked(s.Src), p.Src) || s.Dst != nil && !containedIn(masked(s.Dst), p.Dst) {
		return false
	}
	switch {
	case p.Proto.HasPorts():
		return inRanges(s.SrcPorts, p.SrcPort) && inRanges(s.DstPorts, p.DstPort)
	case p.Proto.IsICMP():
		return (s.ICMPTypes == nil || slices.Contains(s.ICMPTypes, p.ICMPType)) &&
			(s.ICMPCodes == nil || slices.Contains(s.ICMPCodes, p.ICMPCode))
	}
	return true
}

func inRanges(rs []PortRange, port uint16) bool {
	if rs == nil {
		return true
	}
	return slices.ContainsFunc(rs, func(r PortRange) bool { return r.Contains(port) })
}

// Validate reports a malformed space: an invalid prefix, or a port range
// whose end is below its start.
func (s Space) Validate() error {
	var errs []error
	for _, ps := range [][]netip.Prefix{s.Src, s.Dst} {
		for _, p := range ps {
			if !p.IsValid() {
				errs = append(errs, fmt.Errorf("space: prefix %s is not valid", p))
			}
		}
	}
	for _, rs := range [][]PortRange{s.SrcPorts, s.DstPorts} {
		for _, r := range rs {
			if r.To < r.From {
				errs = append(errs, fmt.Errorf("space: port range %d-%d ends below its start", r.From, r.To))
			}
		}
	}
	return errors.Join(errs...)
}

// String renders s in words: "tcp from 0.0.0.0/0 to 10.0.3.30/32 port
// 5432", "every packet".
func (s Space) String() string {
	var parts []string
	if s.Protocols != nil {
		names := make([]string, len(s.Protocols))
		for i, p := range s.Protocols {
			names[i] = p.String()
		}
		parts = append(parts, strings.Join(names, ", "))
	}
	list := func(word string, ps []netip.Prefix) {
		if ps != nil {
			ss := make([]string, len(ps))
			for i, p := range ps {
				ss[i] = p.String()
			}
			parts = append(parts, word+" "+strings.Join(ss, ", "))
		}
	}
	ports := func(word string, rs []PortRange) {
		if rs != nil {
			ss := make([]string, len(rs))
			for i, r := range rs {
				ss[i] = r.String()
			}
			parts = append(parts, word+" "+strings.Join(ss, ", "))
		}
	}
	nums := func(word string, xs []uint8) {
		if xs != nil {
			ss := make([]string, len(xs))
			for i, x := range xs {
				ss[i] = strconv.Itoa(int(x))
			}
			parts = append(parts, word+" "+strings.Join(ss, ", "))
		}
	}
	list("from", s.Src)
	ports("source port", s.SrcPorts)
	list("to", s.Dst)
	ports("port", s.DstPorts)
	nums("icmp type", s.ICMPTypes)
	nums("icmp code", s.ICMPCodes)
	if len(parts) == 0 {
		return "every packet"
	}
	return strings.Join(parts, " ")
}

// Complement returns the addresses of both families outside every prefix
// given, as a short list of prefixes: Complement(10.0.0.0/16) is the
// IPv4 internet seen from a VPC whose block that is (0.0.0.0/5,
// 8.0.0.0/7, 10.1.0.0/16, ... 128.0.0.0/1) and ::/0. A space's fields are
// unions of prefixes; Complement is how one says "anywhere but here":
//
//	pfsimtest.Space{Src: pfsimtest.Complement(cfg.CIDR), Dst: db}
func Complement(prefixes ...netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, fam := range []int{4, 6} {
		out = append(out, complementIn(wholeFamily(fam), ofFamily(masked(prefixes), fam))...)
	}
	return out
}

// complementIn returns the parts of q that no prefix of ps covers.
func complementIn(q netip.Prefix, ps []netip.Prefix) []netip.Prefix {
	var inside []netip.Prefix
	for _, p := range ps {
		switch {
		case p.Bits() <= q.Bits() && p.Contains(q.Addr()):
			return nil // q is covered whole
		case q.Contains(p.Addr()):
			inside = append(inside, p)
		}
	}
	if len(inside) == 0 {
		return []netip.Prefix{q}
	}
	lo := netip.PrefixFrom(q.Addr(), q.Bits()+1)
	hi := netip.PrefixFrom(lastAddr(lo).Next(), q.Bits()+1)
	return append(complementIn(lo, inside), complementIn(hi, inside)...)
}
