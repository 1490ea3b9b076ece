package pfsimtest

import "github.com/pfsim/pfsim/flow"

// Reply returns the packet the destination of p answers it with, as a
// host that accepts p would, and whether there is one:
//
//	tcp SYN               → SYN-ACK
//	tcp SYN-ACK           → ACK (the handshake's third packet)
//	tcp FIN, ACK, data    → ACK
//	tcp RST, or a flag mix no host answers (no flags, SYN with FIN or RST)
//	                      → none
//	udp                   → udp the other way
//	icmp query request    → its reply (echo request 8 → echo reply 0,
//	                        ICMPv6 128 → 129, timestamp 13 → 14, ...),
//	                        with the request's identifier
//	icmp reply or error   → none
//	any other protocol    → the same protocol the other way
//
// The reply goes from p's destination to p's source, ports swapped, so its
// flow key is p's reversed: a security group that tracked p admits it
// whatever its rules say (SG-29, CT-7), while a network ACL judges it on
// its own (NACL-19). [flow.Packet.Reverse] swaps the ends alone and keeps
// the flags; Reply gives what a peer really sends. The length is kept
// for an echo reply, which carries the request's data, and is 0 (unknown)
// otherwise.
func Reply(p flow.Packet) (flow.Packet, bool) {
	r := p.Reverse()
	r.Length = 0
	switch p.Proto {
	case flow.TCP:
		f := p.Flags & (flow.SYN | flow.ACK | flow.FIN | flow.RST)
		switch {
		case f&flow.RST != 0, f&flow.SYN != 0 && f&flow.FIN != 0:
			return flow.Packet{}, false
		case f == flow.SYN:
			r.Flags = flow.SYN | flow.ACK
		case f&flow.ACK != 0 || f&flow.FIN != 0:
			r.Flags = flow.ACK
		default: // no flags at all
			return flow.Packet{}, false
		}
	case flow.ICMP, flow.ICMPv6:
		if request, query := flow.ICMPQuery(p.Proto, p.ICMPType); !query || !request {
			return flow.Packet{}, false
		}
		r.ICMPCode = 0
		if p.ICMPType == flow.ICMPEchoRequest && p.Proto == flow.ICMP ||
			p.ICMPType == flow.ICMPv6EchoRequest && p.Proto == flow.ICMPv6 {
			r.Length = p.Length
		}
	}
	return r, true
}
