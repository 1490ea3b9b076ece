// Package capture turns captured frames into the packets pfsim's filters
// judge. pfsim's reference is at https://github.com/pfsim/pfsim/blob/main/docs/README.md.
//
// # Frames and packets
//
// A capture holds frames: the bytes an interface saw on the wire, starting
// with a link-layer header. The packet filters of a VPC look at little of
// that: the IP addresses, the protocol, the ports, the TCP flags, the ICMP
// type, code and query identifier, and the length, which is what a
// [flow.Packet] holds. A [Decoder] reads one frame into a flow.Packet, and
// from there the packet goes through network ACLs, security groups and
// connection tracking like any packet written by hand:
//
//	frame --Decoder.Decode--> flow.Packet --vpc.ENI.Cross--> vpc.Path (its hops and final flow.Decision)
//
// # Link types
//
// What a frame starts with depends on where it was captured; a pcap file
// says so with its link type. [NewDecoder] takes the first layer as a
// gopacket layer type:
//
//	layers.LayerTypeEthernet   Ethernet (link type 1), 802.1Q and QinQ tags
//	layers.LayerTypeLinuxSLL   Linux cooked capture (113, tcpdump -i any)
//	layers.LayerTypeIPv4       raw IPv4, no link layer
//	layers.LayerTypeIPv6       raw IPv6, no link layer
//
// [NewRawIPDecoder] reads raw IP of either version, as pcap link types 12
// and 101 and a TUN device deliver it.
//
// # What is read and what is ignored
//
// The decoder reads the IPv4 or IPv6 header and the transport header
// after it: TCP, UDP, ICMP or ICMPv6. It steps over VLAN tags and IPv6
// hop-by-hop, routing, destination-options and fragment headers.
// Everything the filters do not look at is ignored: MAC addresses, VLAN
// numbers, TTLs, options, payloads and checksums, which are not verified.
// Fragments are not reassembled (a fragment after the first has no
// ports), and tunnels are not opened: a GRE or IP-in-IP packet is its
// outer header, which is all the filters see.
//
// A frame that carries no IP packet (ARP, LLDP, ...) gives an error that
// wraps [ErrNotIP], so that a reader can skip it; a frame that is cut
// short or malformed gives a [*DecodeError] that names the layer at fault:
//
//	frame 33 bytes: ipv4: truncated header (19 of 20 bytes)
//
// # Cost
//
// Decoding allocates nothing (but a little for each IPv6 hop-by-hop
// option, which gopacket reads): a Decoder owns gopacket's layer
// structs and fills the caller's Packet in place, so a capture of
// millions of frames can be replayed with one Decoder and one Packet.
// The commonest frame, Ethernet carrying IPv4 and TCP or UDP, takes a
// direct path through the same gopacket layers. A Decoder is not safe
// for concurrent use; give each goroutine its own.
//
// # Capture files
//
// This version decodes frames one at a time, from wherever they come. A
// later version adds replay of pcap and pcapng files beside the Decoder,
// read with gopacket's pure-Go pcapgo package (no cgo, no libpcap), with
// the file's link type choosing the Decoder.
package capture
