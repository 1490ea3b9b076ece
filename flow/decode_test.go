package flow

import (
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures: real frames as commented hex, one header per line. They were
// built with gopacket.SerializeLayers (checksums computed) and are decoded
// here field by field.

// frameSYN: Ethernet / IPv4 / TCP SYN with the five options a Linux
// client sends (TRACE-A, A1's first packet, from port 49152).
const frameSYN = `
020000000002 020000000001 0800                          ethernet: dst, src, type IPv4
45 00 003c 1c46 4000 40 06 e931 c6336407 0a00010a      ipv4: len 60, DF, ttl 64, tcp, 198.51.100.7 > 10.0.1.10
c000 0050 12345678 00000000 a0 02 faf0 8008 0000       tcp: 49152 > 80, seq, ack, doff 10, flags S, win, csum, urg
020405b4 0402 080a009b6e2a00000000 01 030307            tcp options: mss 1460, sackOK, TS, nop, wscale 7
`

// frameUDP6: Ethernet / IPv6 / UDP carrying a DNS query for pfsim.dev A.
const frameUDP6 = `
020000000002 020000000001 86dd                          ethernet: type IPv6
6 00 00000 0023 11 40                                   ipv6: payload 35, next header udp, hop limit 64
20010db8000000000000000000000007                        ipv6 src 2001:db8::7
20010db8000100000000000000000010                        ipv6 dst 2001:db8:1::10
14e9 0035 0023 a206                                     udp: 5353 > 53, len 35, csum
abcd 0100 0001 0000 0000 0000                           dns: id, rd, 1 question
05706673696d 03646576 00 0001 0001                      dns: pfsim.dev A IN
`

// framePing: Ethernet / IPv4 / ICMP echo request id 1 seq 1 with the 56
// bytes of a default Linux ping (84-byte IP packet, TRACE-F F1).
const framePing = `
020000000002 020000000001 0800                          ethernet: type IPv4
45 00 0054 04d2 4000 40 01 3d20 cb00710c ac1f108b      ipv4: len 84, icmp, 203.0.113.12 > 172.31.16.139
08 00 3f29 0001 0001                                    icmp: echo request, csum, id 1, seq 1
101112131415161718191a1b1c1d1e1f2021222324252627        56 bytes of data
28292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
4041424344454647
`

// framePong6: raw IPv6 (no link layer) / ICMPv6 echo reply id 42 seq 3.
const framePong6 = `
6 00 00000 0014 3a 40                                   ipv6: payload 20, next header icmpv6
20010db8000100000000000000000010                        ipv6 src 2001:db8:1::10
20010db8000000000000000000000007                        ipv6 dst 2001:db8::7
81 00 8117                                              icmpv6: echo reply, csum
002a 0003                                               echo: id 42, seq 3
706673696d21706673696d21                                "pfsim!pfsim!"
`

// unhex reads a commented hex fixture: on each line, the hex digit groups
// before the first word that is not hex; white space is ignored.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var digits strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		for f := range strings.FieldsSeq(line) {
			if _, err := hex.DecodeString(pad(f)); err != nil {
				break
			}
			digits.WriteString(f)
		}
	}
	b, err := hex.DecodeString(digits.String())
	require.NoError(t, err)
	return b
}

// pad lets a one-digit group (IPv6's version nibble) pass the hex check.
func pad(f string) string {
	if len(f)%2 == 1 {
		return "0" + f
	}
	return f
}

// serialize builds a frame from layers, with lengths and checksums fixed.
func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...)
	require.NoError(t, err)
	return buf.Bytes()
}

var (
	testMAC1 = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	testMAC2 = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

func ethernet(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: testMAC1, DstMAC: testMAC2, EthernetType: et}
}

func ipv4(proto layers.IPProtocol, src, dst string) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

// udpOver returns a UDP header whose checksum covers ip's pseudo-header.
func udpOver(ip gopacket.NetworkLayer, sport, dport layers.UDPPort) *layers.UDP {
	u := &layers.UDP{SrcPort: sport, DstPort: dport}
	if err := u.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return u
}

// icmp6Over returns an ICMPv6 header of type typ (code 0) whose checksum
// covers ip's pseudo-header.
func icmp6Over(ip *layers.IPv6, typ uint8) *layers.ICMPv6 {
	c := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
	if err := c.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return c
}

func ipv6(next layers.IPProtocol, src, dst string) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

// TestDecodeFixtures decodes the hex fixtures and checks every field.
func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name  string
		first gopacket.LayerType
		hex   string
		want  Packet
	}{
		{"ethernet ipv4 tcp syn", layers.LayerTypeEthernet, frameSYN, Packet{
			Proto: TCP, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"),
			SrcPort: 49152, DstPort: 80, Flags: SYN, Length: 60}},
		{"ethernet ipv6 udp", layers.LayerTypeEthernet, frameUDP6, Packet{
			Proto: UDP, Src: netip.MustParseAddr("2001:db8::7"), Dst: netip.MustParseAddr("2001:db8:1::10"),
			SrcPort: 5353, DstPort: 53, Length: 75}},
		{"ethernet ipv4 icmp echo request", layers.LayerTypeEthernet, framePing, Packet{
			Proto: ICMP, Src: netip.MustParseAddr("203.0.113.12"), Dst: netip.MustParseAddr("172.31.16.139"),
			ICMPType: ICMPEchoRequest, ICMPID: 1, Length: 84}},
		{"raw ipv6 icmpv6 echo reply", layers.LayerTypeIPv6, framePong6, Packet{
			Proto: ICMPv6, Src: netip.MustParseAddr("2001:db8:1::10"), Dst: netip.MustParseAddr("2001:db8::7"),
			ICMPType: ICMPv6EchoReply, ICMPID: 42, Length: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := unhex(t, tt.hex)
			var p Packet
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
	var p Packet

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
			var p Packet
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
			p := Packet{Proto: 99, SrcPort: 7} // Decode overwrites it
			err := NewDecoder(tt.first).Decode(tt.frame, &p)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, len(tt.frame), de.Len)
			assert.Equal(t, tt.notIP, errors.Is(err, ErrNotIP))
			assert.Equal(t, Packet{}, p, "a failed Decode leaves the zero Packet")
		})
	}
}

// TestDecoderReuse: one Decoder, many frames, each result independent of
// the previous one (no stale field survives).
func TestDecoderReuse(t *testing.T) {
	d := NewDecoder(layers.LayerTypeEthernet)
	frames := []string{frameSYN, frameUDP6, framePing, frameSYN}
	var p Packet
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
	var p Packet
	require.NoError(t, NewDecoder(layers.LayerTypeEthernet).Decode(frame, &p))
	for i := range frame {
		frame[i] = 0xff
	}
	assert.Equal(t, "tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60", p.String())
}

// The decode benchmarks (pfsim against a bare gopacket parser on the
// same frame) live with the other fixed-name ones in package bench.
