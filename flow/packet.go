package flow

import (
	"net/netip"
)

// TCPFlags is the set of TCP control bits of a segment.
type TCPFlags uint8

// The TCP control bits, with the values of the TCP header's flag byte.
const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

// Has reports whether every bit of g is set in f.
func (f TCPFlags) Has(g TCPFlags) bool { return f&g == g }

// String renders the flags in tcpdump's notation without brackets: "S",
// "S.", ".", "P.", "F.", "R.", or "none" when no bit is set. The letters
// come in tcpdump's order (F S R P U E W) and ACK is the final ".".
func (f TCPFlags) String() string {
	if f == 0 {
		return "none"
	}
	var b [9]byte
	n := 0
	for _, x := range flagLetters {
		if f&x.bit != 0 {
			b[n] = x.c
			n++
		}
	}
	if f&ACK != 0 {
		b[n] = '.'
		n++
	}
	return string(b[:n])
}

var flagLetters = [...]struct {
	bit TCPFlags
	c   byte
}{{FIN, 'F'}, {SYN, 'S'}, {RST, 'R'}, {PSH, 'P'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'W'}}

// Direction says which way a packet crosses a filter: Ingress heads for
// the network interface (or enters the subnet), Egress leaves it.
type Direction uint8

// The two directions. AWS calls them inbound and outbound.
const (
	Ingress Direction = iota
	Egress
)

// String returns "ingress" or "egress".
func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

var directionNames = [...]string{"ingress", "egress"}

// MarshalText returns "ingress" or "egress"; it refuses any other value.
func (d Direction) MarshalText() ([]byte, error) {
	return marshalName(directionNames[:], d, "direction")
}

// UnmarshalText reads "ingress" or "egress".
func (d *Direction) UnmarshalText(b []byte) error {
	return unmarshalName(directionNames[:], d, b, "direction")
}

// Reverse returns the other direction.
func (d Direction) Reverse() Direction { return d ^ 1 }

// AWSWord returns "inbound" or "outbound", the words of the AWS console.
func (d Direction) AWSWord() string {
	if d == Egress {
		return "outbound"
	}
	return "inbound"
}

// Packet is the part of an IP packet the filters look at. It is a small
// value; callers usually keep one and fill it in place (as package
// capture's Decoder does, frame after frame).
type Packet struct {
	// Proto is the IP protocol (IPv6: the transport's next header).
	Proto Proto
	// Src and Dst are the IP addresses. Both are IPv4 or both are IPv6;
	// IPv4-mapped IPv6 addresses are not used.
	Src, Dst netip.Addr
	// SrcPort and DstPort are valid iff Proto is TCP or UDP.
	SrcPort, DstPort uint16
	// Flags is valid iff Proto is TCP.
	Flags TCPFlags
	// ICMPType and ICMPCode are valid iff Proto is ICMP or ICMPv6.
	ICMPType, ICMPCode uint8
	// ICMPID is the identifier of an ICMP query (echo, timestamp, ...);
	// valid iff Proto is ICMP or ICMPv6 and the type is a query type.
	ICMPID uint16
	// Length is the IP packet's length in bytes, 0 when unknown. The
	// filters ignore it; flow logs count it.
	Length uint16
}

// Is6 reports whether p is an IPv6 packet.
func (p *Packet) Is6() bool { return p.Src.Is6() }

// Reverse returns the packet with source and destination (addresses and
// ports) swapped and, for ICMP queries, the request type turned into its
// reply type or back. Flags and length are kept.
func (p Packet) Reverse() Packet {
	p.Src, p.Dst = p.Dst, p.Src
	p.SrcPort, p.DstPort = p.DstPort, p.SrcPort
	if p.Proto.IsICMP() {
		if t, ok := ICMPPeerType(p.Proto, p.ICMPType); ok {
			p.ICMPType = t
		}
	}
	return p
}

// ICMP types that pfsim names.
const (
	ICMPEchoReply       uint8 = 0
	ICMPDestUnreachable uint8 = 3
	ICMPRedirect        uint8 = 5
	ICMPEchoRequest     uint8 = 8
	ICMPTimeExceeded    uint8 = 11
	ICMPv6PacketTooBig  uint8 = 2
	ICMPv6EchoRequest   uint8 = 128
	ICMPv6EchoReply     uint8 = 129
)

// ICMPQuery classifies an ICMP or ICMPv6 type as a query: request is true
// for a request type (echo request, timestamp, information, address mask,
// node information query), false for the matching reply; ok is false for
// every other type (errors, redirects, router messages), which are not
// queries. These are the query pairs Linux conntrack tracks (CT-10).
func ICMPQuery(proto Proto, typ uint8) (request, ok bool) {
	if proto == ICMP {
		switch typ {
		case 8, 13, 15, 17:
			return true, true
		case 0, 14, 16, 18:
			return false, true
		}
		return false, false
	}
	if proto == ICMPv6 {
		switch typ {
		case 128, 139:
			return true, true
		case 129, 140:
			return false, true
		}
	}
	return false, false
}

// ICMPPeerType returns the reply type of a request type and the request
// type of a reply type (echo 8↔0, ICMPv6 128↔129, ...); ok is false for
// types that are not queries.
func ICMPPeerType(proto Proto, typ uint8) (uint8, bool) {
	if proto == ICMP {
		switch typ {
		case 8:
			return 0, true
		case 0:
			return 8, true
		case 13, 15, 17:
			return typ + 1, true
		case 14, 16, 18:
			return typ - 1, true
		}
		return 0, false
	}
	if proto == ICMPv6 {
		switch typ {
		case 128, 139:
			return typ + 1, true
		case 129, 140:
			return typ - 1, true
		}
	}
	return 0, false
}
