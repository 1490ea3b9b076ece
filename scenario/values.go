package scenario

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/flow"
)

// This file reads the scalar values of the format: ids, protocols, CIDRs,
// addresses. Each reports its own errors and says whether the value can
// be used.

// maxIDLen bounds ids; AWS's longest ids are far shorter.
const maxIDLen = 255

// checkID returns what is wrong with an id, or "".
func checkID(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > maxIDLen:
		return "longer than " + strconv.Itoa(maxIDLen) + " bytes"
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == ',' }) >= 0:
		return "must not contain spaces, commas or control characters"
	}
	return ""
}

// id reads the object's required id and, when it is good, names the
// object by it in later messages ("security group sg-web").
func (o *obj) id(kind string) (string, bool) {
	v, n, ok := o.str("id")
	if !ok {
		if o.val("id") == nil {
			o.missing("id", "")
		}
		return "", false
	}
	if msg := checkID(v); msg != "" {
		o.fail("id", n, msg)
		return "", false
	}
	o.ctx = kind + " " + v
	return v, true
}

// idRef reads element i of a list of ids (security_groups,
// prefix_list_ids).
func (o *obj) idRef(key string, i int, n *yaml.Node) (string, bool) {
	v, ok := o.elemString(key, i, n)
	if !ok {
		return "", false
	}
	if msg := checkID(v); msg != "" {
		o.failPath(o.elem(key, i), key, n, msg)
		return "", false
	}
	return v, true
}

// protocolHint lists what a protocol field takes.
const protocolHint = `tcp, udp, icmp, icmpv6, "-1" or all, a number 0..255, or an IANA name such as gre`

// protocol reads the required protocol field of a rule.
func (o *obj) protocol() (flow.Protocol, bool) {
	v, n, ok := o.str("protocol")
	if !ok {
		if o.val("protocol") == nil {
			o.missing("protocol", protocolHint)
		}
		return 0, false
	}
	p, err := flow.ParseProtocol(v)
	if err != nil {
		o.fail("protocol", n, "unknown protocol: want "+protocolHint)
		return 0, false
	}
	return p, true
}

// family is an address family a field accepts.
type family uint8

const (
	anyFamily family = iota
	v4
	v6
)

// prefixValue reads n as a CIDR of family fam; other names the field
// where the other family belongs, for the message. A CIDR with host bits
// set is accepted as its network with a warning (NACL-5).
func (o *obj) prefixValue(path, key string, n *yaml.Node, fam family, other string) (netip.Prefix, bool) {
	fail := func(msg string) (netip.Prefix, bool) {
		o.failPath(path, key, n, msg)
		return netip.Prefix{}, false
	}
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return fail("want a CIDR such as 10.0.0.0/16, not " + describe(n))
	}
	s := strings.TrimSpace(n.Value)
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			return fail("a single address needs a prefix length: write " + a.String() + "/" + strconv.Itoa(a.BitLen()))
		}
		return fail("not a CIDR: want an address and a prefix length such as 10.0.0.0/16 or 2001:db8::/56")
	}
	switch {
	case p.Addr().Is4In6():
		return fail("an IPv4-mapped IPv6 prefix: write the IPv4 CIDR")
	case fam == v4 && p.Addr().Is6():
		return fail("an IPv6 CIDR: put it in " + other)
	case fam == v6 && p.Addr().Is4():
		return fail("an IPv4 CIDR: put it in " + other)
	}
	if m := p.Masked(); m != p {
		ctx := prefix(o.ctx)
		o.d.warnAt(o.d.pos(n), ctx+key+" "+p.String()+" has host bits set; accepted as "+m.String()+", as AWS does (NACL-5)")
		p = m
	}
	return p, true
}

// prefixField reads a single CIDR field.
func (o *obj) prefixField(key string, fam family, other string) (netip.Prefix, bool) {
	n := o.val(key)
	if n == nil {
		return netip.Prefix{}, false
	}
	return o.prefixValue(o.field(key), key, n, fam, other)
}

// addrValue reads n as a single address of family fam.
func (o *obj) addrValue(path, key string, n *yaml.Node, fam family, other string) (netip.Addr, bool) {
	fail := func(msg string) (netip.Addr, bool) {
		o.failPath(path, key, n, msg)
		return netip.Addr{}, false
	}
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return fail("want an address such as 10.0.1.10, not " + describe(n))
	}
	s := strings.TrimSpace(n.Value)
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil && strings.Contains(s, "/"):
		return fail("want an address, not a CIDR")
	case err != nil:
		return fail("not an IP address")
	case a.Zone() != "":
		return fail("an address with a zone: zones are not used")
	case a.Is4In6():
		return fail("an IPv4-mapped IPv6 address: write the IPv4 address in private_ips")
	case fam == v4 && a.Is6():
		return fail("an IPv6 address: put it in " + other)
	case fam == v6 && a.Is4():
		return fail("an IPv4 address: put it in " + other)
	}
	return a, true
}

// parseEndpoint reads "ip", "ip:port", "[ipv6]" or "[ipv6]:port"; port is
// -1 when none is given.
func parseEndpoint(s string) (netip.Addr, int, string) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if msg := checkAddr(ap.Addr()); msg != "" {
			return netip.Addr{}, 0, msg
		}
		return ap.Addr(), int(ap.Port()), ""
	}
	t := s
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		t = t[1 : len(t)-1]
	}
	a, err := netip.ParseAddr(t)
	if err != nil {
		// "1.2.3.4:x" or "[2001:db8::1]:99999": an address with a bad port.
		if i := strings.LastIndexByte(s, ':'); (i > 0 && !strings.Contains(s[:i], ":")) || strings.HasPrefix(s, "[") {
			return netip.Addr{}, 0, "not an address with a port 1..65535 (want 10.0.1.10:80 or [2001:db8::10]:80)"
		}
		return netip.Addr{}, 0, "not an IP address"
	}
	if msg := checkAddr(a); msg != "" {
		return netip.Addr{}, 0, msg
	}
	return a, -1, ""
}

// checkAddr rejects addresses a packet never carries in this model.
func checkAddr(a netip.Addr) string {
	switch {
	case a.Zone() != "":
		return "an address with a zone: zones are not used"
	case a.Is4In6():
		return "an IPv4-mapped IPv6 address: write the IPv4 address"
	}
	return ""
}
