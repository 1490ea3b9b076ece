package flow

import (
	"fmt"
	"strconv"
	"strings"
)

// Proto is an IP protocol number as assigned by IANA (the IPv4 "protocol"
// field, the IPv6 "next header" of the transport layer).
type Proto uint8

// The protocols whose ports or ICMP fields AWS's rules look at.
const (
	ICMP   Proto = 1
	TCP    Proto = 6
	UDP    Proto = 17
	ICMPv6 Proto = 58
)

// protoNames holds the IANA keywords pfsim prints and accepts, lower case.
// tcp, udp, icmp and icmpv6 are the names AWS uses; the others are the
// keywords of the IANA protocol-numbers registry.
var protoNames = map[Proto]string{
	0:   "hopopt",
	1:   "icmp",
	2:   "igmp",
	4:   "ipv4",
	6:   "tcp",
	8:   "egp",
	9:   "igp",
	17:  "udp",
	27:  "rdp",
	33:  "dccp",
	41:  "ipv6",
	43:  "ipv6-route",
	44:  "ipv6-frag",
	46:  "rsvp",
	47:  "gre",
	50:  "esp",
	51:  "ah",
	58:  "icmpv6",
	59:  "ipv6-nonxt",
	60:  "ipv6-opts",
	88:  "eigrp",
	89:  "ospf",
	94:  "ipip",
	97:  "etherip",
	103: "pim",
	108: "ipcomp",
	112: "vrrp",
	115: "l2tp",
	132: "sctp",
	136: "udplite",
	137: "mpls-in-ip",
}

var protoByName = func() map[string]Proto {
	m := make(map[string]Proto, len(protoNames)+2)
	for p, n := range protoNames {
		m[n] = p
	}
	m["ipv6-icmp"] = ICMPv6 // IANA's own keyword for 58
	m["ip-in-ip"] = 4
	return m
}()

// String returns the protocol's IANA keyword ("tcp", "gre"), or "proto N"
// when it has none pfsim knows.
func (p Proto) String() string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return "proto " + strconv.Itoa(int(p))
}

// HasPorts reports whether packets of p carry source and destination ports
// that the filters look at (TCP and UDP).
func (p Proto) HasPorts() bool { return p == TCP || p == UDP }

// IsICMP reports whether p is ICMP or ICMPv6.
func (p Proto) IsICMP() bool { return p == ICMP || p == ICMPv6 }

// ParseProto reads a protocol as a keyword ("tcp", "GRE"; case does not
// matter), a decimal number 0..255, or "proto N".
func ParseProto(s string) (Proto, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "proto ")
	if p, ok := protoByName[t]; ok {
		return p, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, fmt.Errorf("unknown protocol %q: want a name such as tcp, udp, icmp, icmpv6, gre or a number 0..255", s)
	}
	if n < 0 || n > 255 {
		return 0, fmt.Errorf("protocol number %d out of range 0..255", n)
	}
	return Proto(n), nil
}

// Protocol is the protocol field of a rule: an IANA protocol number 0..255,
// or AnyProtocol (-1), which AWS writes "-1" and the console "All".
type Protocol int16

// AnyProtocol matches every protocol, and with it every port and ICMP type.
const AnyProtocol Protocol = -1

// ProtocolOf returns the rule protocol that matches exactly p.
func ProtocolOf(p Proto) Protocol { return Protocol(p) }

// Matches reports whether a packet of protocol p matches the rule protocol.
func (r Protocol) Matches(p Proto) bool { return r == AnyProtocol || Protocol(p) == r }

// Proto returns the single protocol r names; ok is false for AnyProtocol
// or an out-of-range value.
func (r Protocol) Proto() (p Proto, ok bool) {
	if r < 0 || r > 255 {
		return 0, false
	}
	return Proto(r), true
}

// String returns "-1" for AnyProtocol and the protocol keyword otherwise.
func (r Protocol) String() string {
	if p, ok := r.Proto(); ok {
		return p.String()
	}
	if r == AnyProtocol {
		return "-1"
	}
	return "protocol(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r is AnyProtocol or a number 0..255.
func (r Protocol) Valid() bool { return r >= -1 && r <= 255 }

// ParseProtocol reads a rule's protocol as AWS and Terraform write it:
// "-1" or "all" for every protocol, a keyword ("tcp", "icmpv6", "gre"),
// or a decimal number 0..255.
func ParseProtocol(s string) (Protocol, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "-1" || t == "all" {
		return AnyProtocol, nil
	}
	p, err := ParseProto(t)
	if err != nil {
		return 0, fmt.Errorf("unknown protocol %q: want -1/all, a name such as tcp, udp, icmp, icmpv6, gre, or a number 0..255", s)
	}
	return Protocol(p), nil
}

// MarshalText implements [encoding.TextMarshaler].
func (r Protocol) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] using [ParseProtocol].
func (r *Protocol) UnmarshalText(b []byte) error {
	v, err := ParseProtocol(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
