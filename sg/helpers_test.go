package sg_test

import (
	"net/netip"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// Protocols as rule values.
var (
	pAll    = flow.AnyProtocol
	pTCP    = flow.ProtocolOf(flow.TCP)
	pUDP    = flow.ProtocolOf(flow.UDP)
	pICMP   = flow.ProtocolOf(flow.ICMP)
	pICMPv6 = flow.ProtocolOf(flow.ICMPv6)
	pGRE    = flow.Protocol(47)
	pESP    = flow.Protocol(50)
)

func addr(s string) netip.Addr   { return netip.MustParseAddr(s) }
func pfx(s string) netip.Prefix  { return netip.MustParsePrefix(s) }
func cidr(s string) netip.Prefix { return pfx(s) }

// Rule builders: a protocol and ports with one kind of peer.
func ruleCIDR(p flow.Protocol, from, to int, c string) sg.Rule {
	return sg.Rule{Protocol: p, FromPort: from, ToPort: to, CIDR: pfx(c)}
}

func ruleGroup(p flow.Protocol, from, to int, g string) sg.Rule {
	return sg.Rule{Protocol: p, FromPort: from, ToPort: to, Group: g}
}

func rulePL(p flow.Protocol, from, to int, pl string) sg.Rule {
	return sg.Rule{Protocol: p, FromPort: from, ToPort: to, PrefixList: pl}
}

// Packet builders.
func tcp(src string, sport uint16, dst string, dport uint16, f flow.TCPFlags) flow.Packet {
	return flow.Packet{Proto: flow.TCP, Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport, Flags: f}
}

func udp(src string, sport uint16, dst string, dport uint16) flow.Packet {
	return flow.Packet{Proto: flow.UDP, Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport}
}

func icmp(src, dst string, typ, code uint8) flow.Packet {
	p := flow.Packet{Proto: flow.ICMP, Src: addr(src), Dst: addr(dst), ICMPType: typ, ICMPCode: code, ICMPID: 7}
	if p.Src.Is6() {
		p.Proto = flow.ICMPv6
	}
	return p
}

func ipproto(proto flow.Proto, src, dst string) flow.Packet {
	return flow.Packet{Proto: proto, Src: addr(src), Dst: addr(dst)}
}

// sgWeb is the spec's sg-web (§5): tcp 80 and 443 in from anywhere, all
// out to anywhere.
func sgWeb() sg.Group {
	return sg.Group{
		ID: "sg-web",
		Ingress: []sg.Rule{
			ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"),
			ruleCIDR(pTCP, 443, 443, "0.0.0.0/0"),
		},
		Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")},
	}
}

// traceRes is TRACE-H's membership: eni-web (10.0.1.10) carries sg-web,
// eni-web2 (10.0.1.11) carries sg-other, eni-db (10.0.3.30) sg-db.
var traceRes = sg.StaticResolver{
	Groups: map[string][]netip.Addr{
		"sg-web":   {addr("10.0.1.10")},
		"sg-other": {addr("10.0.1.11")},
		"sg-db":    {addr("10.0.3.30")},
	},
	PrefixLists: map[string][]netip.Prefix{
		"pl-office": {pfx("192.0.2.0/24"), pfx("2001:db8:aa::/48")},
		"pl-all":    {pfx("0.0.0.0/0"), pfx("::/0")},
	},
}
