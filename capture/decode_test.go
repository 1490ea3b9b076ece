package capture

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestDecodeFixtures decodes the hex fixtures and checks every field.
func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name  string
		first gopacket.LayerType
		hex   string
		want  flow.Packet
	}{
		{"ethernet ipv4 tcp syn", layers.LayerTypeEthernet, frameSYN, flow.Packet{
			Proto: flow.TCP, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"),
			SrcPort: 49152, DstPort: 80, Flags: flow.SYN, Length: 60}},
		{"ethernet ipv6 udp", layers.LayerTypeEthernet, frameUDP6, flow.Packet{
			Proto: flow.UDP, Src: netip.MustParseAddr("2001:db8::7"), Dst: netip.MustParseAddr("2001:db8:1::10"),
			SrcPort: 5353, DstPort: 53, Length: 75}},
		{"ethernet ipv4 icmp echo request", layers.LayerTypeEthernet, framePing, flow.Packet{
			Proto: flow.ICMP, Src: netip.MustParseAddr("203.0.113.12"), Dst: netip.MustParseAddr("172.31.16.139"),
			ICMPType: flow.ICMPEchoRequest, ICMPID: 1, Length: 84}},
		{"raw ipv6 icmpv6 echo reply", layers.LayerTypeIPv6, framePong6, flow.Packet{
			Proto: flow.ICMPv6, Src: netip.MustParseAddr("2001:db8:1::10"), Dst: netip.MustParseAddr("2001:db8::7"),
			ICMPType: flow.ICMPv6EchoReply, ICMPID: 42, Length: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := unhex(t, tt.hex)
			var p flow.Packet
			require.NoError(t, NewDecoder(tt.first).Decode(frame, &p))
			assert.Equal(t, tt.want.Proto, p.Proto, "proto")
			assert.Equal(t, tt.want.Src, p.Src, "src")
			assert.Equal(t, tt.want.Dst, p.Dst, "dst")
			assert.Equal(t, tt.want.SrcPort, p.SrcPort, "src port")
			assert.Equal(t, tt.want.DstPort, p.DstPort, "dst port")
			assert.Equal(t, tt.want.Flags, p.Flags, "flags")
			assert.Equal(t, tt.want.ICMPType, p.ICMPType, "icmp type")
			assert.Equal(t, tt.want.ICMPCode, p.ICMPCode, "icmp code")
			assert.Equal(t, tt.want.ICMPID, p.ICMPID, "icmp id")
			assert.Equal(t, tt.want.Length, p.Length, "length")
			assert.Equal(t, tt.want, p)
			assert.NoError(t, p.Validate())

			// The same frame through gopacket's own decoder: the hex is
			// what it says it is.
			pkt := gopacket.NewPacket(frame, tt.first, gopacket.Default)
			assert.Nil(t, pkt.ErrorLayer(), "gopacket reads the fixture without error")
		})
	}
}

// TestDecodeRawIP: NewRawIPDecoder picks the version from the first byte.
func TestDecodeRawIP(t *testing.T) {
	d := NewRawIPDecoder()
	var p flow.Packet

	// IPv6 packet.
	require.NoError(t, d.Decode(unhex(t, framePong6), &p))
	assert.Equal(t, "icmpv6 2001:db8:1::10 > 2001:db8::7 echo-reply id 42 len 60", p.String())

	// IPv4 packet: the ping without its Ethernet header.
	require.NoError(t, d.Decode(unhex(t, framePing)[14:], &p))
	assert.Equal(t, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84", p.String())

	// Neither version.
	err := d.Decode([]byte{0x50, 0, 0, 0}, &p)
	require.Error(t, err)
	assert.Equal(t, "frame 4 bytes: ip: version 5, want 4 or 6", err.Error())
}

// TestDecodeBuilt decodes frames built with gopacket for the cases the
// hex fixtures do not cover.
func TestDecodeBuilt(t *testing.T) {
	gre := serialize(t, ethernet(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolGRE, "10.0.0.1", "10.0.0.2"),
		gopacket.Payload([]byte{0, 0, 0x08, 0, 0x45, 0, 0, 20}))
	// IP-in-IP: the outer header is what the filters see.
	inner := ipv4(layers.IPProtocolUDP, "192.0.2.1", "192.0.2.2")
	ipip := serialize(t, ethernet(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolIPv4, "10.0.0.1", "10.0.0.2"),
		inner, udpOver(inner, 1, 2))
	ipv := ipv4(layers.IPProtocolUDP, "10.0.1.10", "10.0.0.2")
	vlan := serialize(t, ethernet(layers.EthernetTypeDot1Q),
		&layers.Dot1Q{VLANIdentifier: 42, Type: layers.EthernetTypeIPv4}, ipv, udpOver(ipv, 40000, 53))
	qinq := serialize(t, ethernet(layers.EthernetTypeQinQ),
		&layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 42, Type: layers.EthernetTypeIPv4}, ipv, udpOver(ipv, 40000, 53))
	synack := &layers.TCP{SrcPort: 443, DstPort: 40000, SYN: true, ACK: true, ECE: true, Window: 1}
	ip6tcp := ipv6(layers.IPProtocolTCP, "2001:db8::80", "2001:db8:1::10")
	synack.SetNetworkLayerForChecksum(ip6tcp)
	v6synack := serialize(t, ethernet(layers.EthernetTypeIPv6), ip6tcp, synack)
	allFlags := &layers.TCP{SrcPort: 1, DstPort: 2, FIN: true, SYN: true, RST: true, PSH: true, ACK: true, URG: true, ECE: true, CWR: true, Window: 1}
	ipAll := ipv4(layers.IPProtocolTCP, "10.0.0.1", "10.0.0.2")
	allFlags.SetNetworkLayerForChecksum(ipAll)
	xmas := serialize(t, ethernet(layers.EthernetTypeIPv4), ipAll, allFlags)
	// ICMP error (CT-11): destination unreachable, fragmentation needed.
	unreach := serialize(t, ethernet(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4, "192.0.2.1", "10.0.1.10"),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 4), Id: 0, Seq: 1400})
	// ICMPv6 packet too big: no identifier even though bytes 4-5 are set.
	ip6icmp := ipv6(layers.IPProtocolICMPv6, "2001:db8::1", "2001:db8:1::10")
	tooBig := serialize(t, ip6icmp, icmp6Over(ip6icmp, 2), gopacket.Payload([]byte{0, 0, 5, 0}))
	// ICMP timestamp request (a query: CT-10) keeps its identifier.
	tstamp := serialize(t, ipv4(layers.IPProtocolICMPv4, "10.0.1.10", "192.0.2.1"),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(13, 0), Id: 77, Seq: 1}, gopacket.Payload(make([]byte, 12)))
	// ICMPv6 node information query (139): identifier from the same place.
	nodeInfo := serialize(t, ip6icmp, icmp6Over(ip6icmp, 139), gopacket.Payload([]byte{0, 3, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}))
	// IPv6 destination options then UDP: the extension header is skipped.
	ip6dst := ipv6(layers.IPProtocolIPv6Destination, "2001:db8::1", "2001:db8:1::10")
	dstOpts := []byte{byte(layers.IPProtocolUDP), 0, 1, 4, 0, 0, 0, 0}
	udpDst := &layers.UDP{SrcPort: 5000, DstPort: 6000}
	withDstOpts := serialize(t, ip6dst, gopacket.Payload(append(dstOpts, serializeUDPNoCsum(t, udpDst)...)))
	// IPv6 fragments: the first carries the TCP header, a later one not.
	firstFrag := serialize(t, ipv6(layers.IPProtocolIPv6Fragment, "2001:db8::1", "2001:db8:1::10"),
		gopacket.Payload(append([]byte{byte(layers.IPProtocolTCP), 0, 0, 1, 0, 0, 0, 9}, tcpHeader(1234, 80, 0x18)...)))
	laterFrag := serialize(t, ipv6(layers.IPProtocolIPv6Fragment, "2001:db8::1", "2001:db8:1::10"),
		gopacket.Payload([]byte{byte(layers.IPProtocolTCP), 0, 0x05, 0x68, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8}))
	// IPv4 fragments: the first (MF, offset 0) carries the UDP header.
	frag4 := ipv4(layers.IPProtocolUDP, "10.0.0.1", "10.0.0.2")
	frag4.Flags = layers.IPv4MoreFragments
	firstFrag4 := serialize(t, frag4, gopacket.Payload([]byte{0x13, 0x88, 0x17, 0x70, 0x05, 0xdc, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}))
	later4 := ipv4(layers.IPProtocolUDP, "10.0.0.1", "10.0.0.2")
	later4.FragOffset = 185
	laterFrag4 := serialize(t, later4, gopacket.Payload([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	// Ethernet padding after a short IP packet is not part of it.
	ipp := ipv4(layers.IPProtocolUDP, "10.0.0.1", "10.0.0.2")
	padded := append(serialize(t, ethernet(layers.EthernetTypeIPv4), ipp, udpOver(ipp, 1, 2)), make([]byte, 18)...)
	// Linux cooked capture (pcap "any" interface).
	sll := append([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, unhex(t, framePing)[14:]...)
	// An address length over the header's 8 address bytes (found by
	// FuzzDecode: gopacket's LinuxSLL panicked on it; see
	// testdata/fuzz/FuzzDecode/linux-sll-address-length).
	sllLongAddr := append([]byte{0, 0, 0, 1, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, unhex(t, framePing)[14:]...)

	tests := []struct {
		name  string
		first gopacket.LayerType
		frame []byte
		want  string
	}{
		// Protocols without ports: Proto set, nothing else (no tunnel opened).
		{"gre", layers.LayerTypeEthernet, gre, "gre 10.0.0.1 > 10.0.0.2 len 28"},
		{"ip-in-ip keeps the outer header", layers.LayerTypeEthernet, ipip, "ipv4 10.0.0.1 > 10.0.0.2 len 48"},
		// VLAN tags are stepped over.
		{"802.1q", layers.LayerTypeEthernet, vlan, "udp 10.0.1.10:40000 > 10.0.0.2:53 len 28"},
		{"qinq", layers.LayerTypeEthernet, qinq, "udp 10.0.1.10:40000 > 10.0.0.2:53 len 28"},
		// TCP flags come straight from the header's flag byte.
		{"ipv6 syn-ack with ece", layers.LayerTypeEthernet, v6synack, "tcp [2001:db8::80]:443 > [2001:db8:1::10]:40000 [SE.] len 60"},
		{"every flag", layers.LayerTypeEthernet, xmas, "tcp 10.0.0.1:1 > 10.0.0.2:2 [FSRPUEW.] len 40"},
		// ICMP: identifiers only for queries (CT-10), none for errors (CT-11).
		{"icmp unreachable", layers.LayerTypeEthernet, unreach, "icmp 192.0.2.1 > 10.0.1.10 type 3 code 4 len 28"},
		{"icmpv6 packet too big", layers.LayerTypeIPv6, tooBig, "icmpv6 2001:db8::1 > 2001:db8:1::10 type 2 code 0 len 48"},
		{"icmp timestamp", layers.LayerTypeIPv4, tstamp, "icmp 10.0.1.10 > 192.0.2.1 type 13 code 0 id 77 len 40"},
		{"icmpv6 node information", layers.LayerTypeIPv6, nodeInfo, "icmpv6 2001:db8::1 > 2001:db8:1::10 type 139 code 0 id 3 len 56"},
		// IPv6 extension headers and fragments of both families.
		{"ipv6 destination options", layers.LayerTypeIPv6, withDstOpts, "udp [2001:db8::1]:5000 > [2001:db8:1::10]:6000 len 56"},
		{"ipv6 first fragment", layers.LayerTypeIPv6, firstFrag, "tcp [2001:db8::1]:1234 > [2001:db8:1::10]:80 [P.] len 68"},
		{"ipv6 later fragment", layers.LayerTypeIPv6, laterFrag, "tcp [2001:db8::1]:0 > [2001:db8:1::10]:0 [none] len 56"},
		{"ipv4 first fragment", layers.LayerTypeIPv4, firstFrag4, "udp 10.0.0.1:5000 > 10.0.0.2:6000 len 36"},
		{"ipv4 later fragment", layers.LayerTypeIPv4, laterFrag4, "udp 10.0.0.1:0 > 10.0.0.2:0 len 28"},
		// Link-layer details.
		{"ethernet padding", layers.LayerTypeEthernet, padded, "udp 10.0.0.1:1 > 10.0.0.2:2 len 28"},
		{"linux sll", layers.LayerTypeLinuxSLL, sll, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84"},
		{"linux sll, long address", layers.LayerTypeLinuxSLL, sllLongAddr, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p flow.Packet
			require.NoError(t, NewDecoder(tt.first).Decode(tt.frame, &p))
			assert.Equal(t, tt.want, p.String())
		})
	}
}

// serializeUDPNoCsum renders a UDP header without a checksum (one that
// needs no network layer).
func serializeUDPNoCsum(t testing.TB, u *layers.UDP) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, u))
	return buf.Bytes()
}

// tcpHeader returns a 20-byte TCP header with the given flag byte.
func tcpHeader(sport, dport uint16, flags byte) []byte {
	return []byte{byte(sport >> 8), byte(sport), byte(dport >> 8), byte(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0}
}

// TestDecodeErrors: truncated and garbage frames give an error that
// names the frame's size, the layer and what is wrong, and a zero Packet.
func TestDecodeErrors(t *testing.T) {
	syn := unhex(t, frameSYN)
	udp6 := unhex(t, frameUDP6)
	ping := unhex(t, framePing)
	pong6 := unhex(t, framePong6)
	arp := serialize(t, ethernet(layers.EthernetTypeARP), &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: 1, SourceHwAddress: testMAC1, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2}})
	withVersion := func(b []byte, off int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[off] = c[off]&0x0f | v<<4
		return c
	}
	badDoff := append([]byte(nil), syn...)
	badDoff[14+20+12] = 0x30 // TCP data offset 3 (< 5)

	tests := []struct {
		name  string
		first gopacket.LayerType
		frame []byte
		want  string
		notIP bool
	}{
		// Truncation at every layer of the SYN.
		{"empty", layers.LayerTypeEthernet, nil, "frame 0 bytes: empty frame", false},
		{"ethernet cut", layers.LayerTypeEthernet, syn[:10], "frame 10 bytes: ethernet: truncated header (10 of 14 bytes)", false},
		{"ipv4 cut", layers.LayerTypeEthernet, syn[:33], "frame 33 bytes: ipv4: truncated header (19 of 20 bytes)", false},
		{"ipv4 without transport", layers.LayerTypeEthernet, syn[:34], "frame 34 bytes: tcp: truncated header (0 of 20 bytes)", false},
		{"tcp cut", layers.LayerTypeEthernet, syn[:44], "frame 44 bytes: tcp: truncated header (10 of 20 bytes)", false},
		{"tcp options cut", layers.LayerTypeEthernet, syn[:60], "frame 60 bytes: tcp: truncated header (26 of 40 bytes)", false},
		{"ipv6 cut", layers.LayerTypeEthernet, udp6[:40], "frame 40 bytes: ipv6: truncated header (26 of 40 bytes)", false},
		{"ipv6 payload cut (snaplen)", layers.LayerTypeEthernet, udp6[:58], "frame 58 bytes: udp: truncated header (4 of 8 bytes)", false},
		{"icmp cut", layers.LayerTypeEthernet, ping[:38], "frame 38 bytes: icmp: truncated header (4 of 8 bytes)", false},
		{"icmpv6 echo cut", layers.LayerTypeIPv6, pong6[:46], "frame 46 bytes: icmpv6 echo: truncated header (2 of 4 bytes)", false},
		{"icmpv6 echo missing", layers.LayerTypeIPv6, pong6[:44], "frame 44 bytes: icmpv6 echo: truncated header (0 of 4 bytes)", false},
		// Garbage in a header.
		{"ipv4 version 6", layers.LayerTypeEthernet, withVersion(syn, 14, 6), "frame 74 bytes: ipv4: version field is 6, not 4", false},
		{"ipv6 version 4", layers.LayerTypeEthernet, withVersion(udp6, 14, 4), "frame 89 bytes: ipv6: version field is 4, not 6", false},
		{"tcp data offset", layers.LayerTypeEthernet, badDoff, "frame 74 bytes: tcp: invalid TCP data offset 3 < 5", false},
		// Not IP at all.
		{"arp", layers.LayerTypeEthernet, arp, "frame 60 bytes: ethernet: not an IP packet: ethernet type 0x0806 (ARP)", true},
		// A first layer the decoder does not know.
		{"unsupported first layer", layers.LayerTypeTCP, syn[34:], "frame 40 bytes: decoder cannot start at layer TCP: want Ethernet, Linux SLL, IPv4 or IPv6", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := flow.Packet{Proto: 99, SrcPort: 7} // Decode overwrites it
			err := NewDecoder(tt.first).Decode(tt.frame, &p)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, len(tt.frame), de.Len)
			assert.Equal(t, tt.notIP, errors.Is(err, ErrNotIP))
			assert.Equal(t, flow.Packet{}, p, "a failed Decode leaves the zero Packet")
		})
	}
}

// TestDecoderReuse: one Decoder, many frames, each result independent of
// the previous one (no stale field survives).
func TestDecoderReuse(t *testing.T) {
	d := NewDecoder(layers.LayerTypeEthernet)
	frames := []string{frameSYN, frameUDP6, framePing, frameSYN}
	var p flow.Packet
	var got []string
	for _, f := range frames {
		require.NoError(t, d.Decode(unhex(t, f), &p))
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
		"udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75",
		"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84",
		"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
	}, got)
}

// TestDecodeNoAlias: the Packet does not point into the frame, so the
// caller may reuse the buffer.
func TestDecodeNoAlias(t *testing.T) {
	frame := unhex(t, frameSYN)
	var p flow.Packet
	require.NoError(t, NewDecoder(layers.LayerTypeEthernet).Decode(frame, &p))
	for i := range frame {
		frame[i] = 0xff
	}
	assert.Equal(t, "tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60", p.String())
}

// The decode benchmarks (pfsim against a bare gopacket parser on the
// same frame) live with the other fixed-name ones in package bench.

func sll2Decoder() *Decoder {
	d, err := NewLinkDecoder(LinkLinuxSLL2)
	if err != nil {
		panic(err)
	}
	return d
}

// TestDecodeSLL2: the Linux cooked capture v2 header (20 bytes, protocol
// first) is read by the decoder NewLinkDecoder gives for link type 276,
// and its errors name it.
func TestDecodeSLL2(t *testing.T) {
	ping := unhex(t, framePing)[14:]
	hdr := []byte{0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}
	arp := append([]byte{0x08, 0x06}, hdr[2:]...)
	tests := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"ipv4", append(append([]byte(nil), hdr...), ping...), "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84"},
		{"cut", hdr[:12], "frame 12 bytes: linux-sll2: truncated header (12 of 20 bytes)"},
		{"arp", append(arp, 0, 1, 8, 0), "frame 24 bytes: linux-sll2: not an IP packet: ethernet type 0x0806 (ARP)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p flow.Packet
			err := sll2Decoder().Decode(tt.frame, &p)
			if err != nil {
				assert.Equal(t, tt.want, err.Error())
				return
			}
			assert.Equal(t, tt.want, p.String())
		})
	}
}
