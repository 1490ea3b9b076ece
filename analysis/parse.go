package analysis

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
)

// ParseSpace reads a space written as clauses, all of which a packet must
// meet:
//
//	tcp port 443 from 0.0.0.0/0
//	udp port 53,5353 to 10.0.0.0/16
//	icmp type 8 from 198.51.100.0/24
//	tcp,udp sport 32768-60999
//	from 0.0.0.0/0,::/0
//	ipv6 gre to 2001:db8::1
//	all
//
// The clauses, in any order:
//
//	PROTOCOLS         tcp, udp, icmp, icmpv6, gre, a number, or several
//	                  joined by commas; all, any or -1 for every protocol
//	from ADDRESSES    source addresses: prefixes, single addresses and
//	to ADDRESSES      ranges (10.0.0.5-10.0.0.9), joined by commas
//	port PORTS        destination ports of tcp and udp: 443, 1024-65535,
//	sport PORTS       source ports; joined by commas
//	type T, code C    ICMP (icmp and icmpv6) type and code, 0..255
//	ipv4, ipv6        the address family
//
// Words are case-insensitive. A clause may not be given twice; an empty
// text is every packet. A port clause keeps only tcp and udp, a type or
// code clause only icmp and icmpv6: with protocols that have neither, it
// is an error, since the space would be empty.
func ParseSpace(s string) (Space, error) {
	words := strings.Fields(s)
	fail := func(i int, format string, a ...any) (Space, error) {
		return None(), fmt.Errorf("space %q: word %d (%q): %s", s, i+1, words[i], fmt.Sprintf(format, a...))
	}
	out := All()
	seen := map[string]bool{}
	var protos []flow.Proto
	anyProto, ported, icmp := true, true, true
	typ, code := -1, -1
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(words[i])
		key := w
		switch w {
		case "from", "to", "port", "sport", "type", "code":
		case "ipv4", "ipv6":
			key = "family"
		default:
			key = "protocol"
		}
		if seen[key] {
			return fail(i, "%s given twice", key)
		}
		seen[key] = true
		switch w {
		case "from", "to", "port", "sport", "type", "code":
			if i+1 == len(words) {
				return fail(i, "needs a value after it")
			}
			i++
			arg := words[i]
			var err error
			switch w {
			case "from", "to":
				var sp Space
				if sp, err = parseAddrs(arg, w == "from"); err == nil {
					out = out.Intersect(sp)
				}
			case "port", "sport":
				var sp Space
				if sp, err = parsePorts(arg, w == "port"); err == nil {
					out = out.Intersect(sp)
				}
			case "type":
				typ, err = parseByte(arg)
			case "code":
				code, err = parseByte(arg)
			}
			if err != nil {
				return fail(i, "%v", err)
			}
		case "ipv4":
			out = out.Intersect(IPv4())
		case "ipv6":
			out = out.Intersect(IPv6())
		case "all", "any", "-1":
		default:
			anyProto, ported, icmp = false, false, false
			for _, name := range strings.Split(w, ",") {
				p, err := flow.ParseProto(name)
				if err != nil || name == "" {
					return fail(i, "not a protocol or a clause: want tcp, udp, icmp, icmpv6, gre, a number, from, to, port, sport, type, code, ipv4, ipv6")
				}
				protos = append(protos, p)
				ported = ported || p.HasPorts()
				icmp = icmp || p.IsICMP()
			}
			out = out.Intersect(Proto(protos...))
		}
	}
	if (seen["port"] || seen["sport"]) && !anyProto && !ported {
		return None(), fmt.Errorf("space %q: port and sport are for tcp and udp, and no protocol given is", s)
	}
	if (seen["type"] || seen["code"]) && !anyProto && !icmp {
		return None(), fmt.Errorf("space %q: type and code are for icmp and icmpv6, and no protocol given is", s)
	}
	if seen["type"] || seen["code"] {
		out = out.Intersect(ICMP(typ, code))
	}
	return out, nil
}

func parseByte(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("want a number 0..255")
	}
	return n, nil
}

// parsePorts reads "80", "1024-65535", "80,443".
func parsePorts(s string, dst bool) (Space, error) {
	var out Space
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		if !isRange {
			to = from
		}
		lo, err1 := strconv.ParseUint(from, 10, 16)
		hi, err2 := strconv.ParseUint(to, 10, 16)
		if err1 != nil || err2 != nil || lo > hi {
			return None(), fmt.Errorf("%q is not a port or a range of ports such as 443 or 1024-65535", part)
		}
		if dst {
			out = out.Union(DstPorts(uint16(lo), uint16(hi)))
		} else {
			out = out.Union(SrcPorts(uint16(lo), uint16(hi)))
		}
	}
	return out, nil
}

// parseAddrs reads prefixes, addresses and ranges joined by commas.
func parseAddrs(s string, src bool) (Space, error) {
	level := lvDst
	if src {
		level = lvSrc
	}
	var out Space
	for _, part := range strings.Split(s, ",") {
		if from, to, ok := strings.Cut(part, "-"); ok && !strings.Contains(part, "/") {
			a, err1 := netip.ParseAddr(from)
			b, err2 := netip.ParseAddr(to)
			if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) || a.Zone() != "" || b.Zone() != "" {
				return None(), fmt.Errorf("%q is not a range of addresses of one family such as 10.0.0.5-10.0.0.9", part)
			}
			out = out.Union(rangeSpace(level, a, b))
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = out.Union(addrSpace(level, []netip.Prefix{p}))
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil || a.Zone() != "" {
			return None(), fmt.Errorf("%q is not an address, a prefix or a range", part)
		}
		out = out.Union(addrSpace(level, []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}))
	}
	return out, nil
}

// rangeSpace returns the packets whose address on axis level lies in
// a..b, mapped IPv6 addresses aside.
func rangeSpace(level int, a, b netip.Addr) Space {
	var out Space
	for _, p := range (AddrRange{a, b}).Prefixes() {
		out = out.Union(addrSpace(level, []netip.Prefix{p}))
	}
	return out
}
