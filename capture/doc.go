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
// What a frame starts with depends on where it was captured; a capture
// file says so with its link type. [NewLinkDecoder] takes the link type a
// file gives, [NewDecoder] a gopacket layer type:
//
//	link type  layer                       frames
//	1          layers.LayerTypeEthernet    Ethernet, 802.1Q and QinQ tags
//	113        layers.LayerTypeLinuxSLL    Linux cooked capture (tcpdump -i any, libpcap < 1.10)
//	276        (NewLinkDecoder only)       Linux cooked capture v2 (tcpdump -i any)
//	12, 101    (NewRawIPDecoder)           raw IP of either version, as a TUN device gives it
//	228        layers.LayerTypeIPv4        raw IPv4
//	229        layers.LayerTypeIPv6        raw IPv6
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
// A [Reader] reads a pcap or pcapng file (gzip-compressed or not: the
// content tells) packet by packet with gopacket's pure-Go pcapgo package
// (no cgo, no libpcap), and decodes each frame with the Decoder its link
// type calls for; a pcapng file may mix interfaces of several link types.
// The capture's own timestamps are the clock: [Reader.Next] returns each
// packet's, to be passed on as the simulated time.
//
//	f, _ := os.Open("web.pcap")
//	rd, err := capture.NewReader(f, "web.pcap")
//	for {
//		ts, err := rd.Next(&p)
//		...	// io.EOF at the end; a *DecodeError inside is one bad frame
//	}
//
// A Reader streams: it holds one packet's bytes at a time, so reading a
// capture of a million packets takes no more memory than reading ten,
// and once warm it allocates nothing per packet.
//
// Errors name the file and the packet, counted from 1 as tcpdump and
// Wireshark number them:
//
//	web.pcap: packet 7: frame 60 bytes: ethernet: not an IP packet: ethernet type 0x0806 (ARP)
//	web.pcap: packet 912: pcap: file ends inside the packet (the capture was cut short)
//
// A bad frame is skipped and reading goes on; a bad file ends the
// capture. pcapgo trusts the lengths a pcapng file gives, and can panic
// or try to allocate gigabytes on a malformed one; the Reader checks each
// block's framing before pcapgo sees it, and refuses such a block with an
// error that names it:
//
//	bad.pcapng: packet 3: pcapng block 5 (enhanced packet): captured length 9000 exceeds the 76 bytes the block holds
package capture
