package capture

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
)

// genAddr and genPacket are flow's test generators, repeated here because
// test helpers do not cross packages.

// genAddr draws an address of the family asked for: sometimes one of a
// few well-known ones (the edges of the address space among them),
// otherwise random bytes. Never IPv4-mapped, never with a zone.
func genAddr(t *rapid.T, v6 bool, label string) netip.Addr {
	if v6 {
		if rapid.Bool().Draw(t, label+" known") {
			return rapid.SampledFrom([]netip.Addr{
				netip.MustParseAddr("::"), netip.MustParseAddr("::1"),
				netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:1::10"),
				netip.MustParseAddr("fd00:ec2::254"),
			}).Draw(t, label)
		}
		var b [16]byte
		copy(b[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label))
		a := netip.AddrFrom16(b)
		if a.Is4In6() {
			b[0] = 0x20 // not mapped any more
			a = netip.AddrFrom16(b)
		}
		return a
	}
	if rapid.Bool().Draw(t, label+" known") {
		return rapid.SampledFrom([]netip.Addr{
			netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("10.0.1.10"),
			netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("255.255.255.255"),
		}).Draw(t, label)
	}
	var b [4]byte
	copy(b[:], rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, label))
	return netip.AddrFrom4(b)
}

// genPacket generates valid packets (Packet.Validate holds) of every
// protocol: tcp, udp, the family's icmp, and any other protocol number.
func genPacket() *rapid.Generator[flow.Packet] {
	return rapid.Custom(func(t *rapid.T) flow.Packet {
		v6 := rapid.Bool().Draw(t, "v6")
		var p flow.Packet
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			p.Proto = flow.TCP
		case 1:
			p.Proto = flow.UDP
		case 2:
			p.Proto = flow.ICMP
			if v6 {
				p.Proto = flow.ICMPv6
			}
		default:
			p.Proto = flow.Proto(rapid.Uint8().Filter(func(n uint8) bool {
				pr := flow.Proto(n)
				return !pr.HasPorts() && !pr.IsICMP()
			}).Draw(t, "proto"))
		}
		p.Src = genAddr(t, v6, "src")
		p.Dst = genAddr(t, v6, "dst")
		if p.Proto.HasPorts() {
			p.SrcPort = rapid.Uint16().Draw(t, "sport")
			p.DstPort = rapid.Uint16().Draw(t, "dport")
		}
		if p.Proto == flow.TCP {
			p.Flags = flow.TCPFlags(rapid.Uint8().Draw(t, "flags"))
		}
		if p.Proto.IsICMP() {
			// Echo types often, so that names and queries are exercised.
			p.ICMPType = rapid.OneOf(rapid.SampledFrom([]uint8{0, 8, 128, 129, 3, 13, 14, 139}), rapid.Uint8()).Draw(t, "type")
			p.ICMPCode = rapid.OneOf(rapid.Just(uint8(0)), rapid.Uint8()).Draw(t, "code")
			p.ICMPID = rapid.OneOf(rapid.Just(uint16(0)), rapid.Uint16()).Draw(t, "id")
		}
		p.Length = rapid.OneOf(rapid.Just(uint16(0)), rapid.Uint16()).Draw(t, "len")
		return p
	})
}

// TestPropertyDecodeSerialized: a packet serialized with gopacket decodes
// to the same packet, for every protocol and both families.
func TestPropertyDecodeSerialized(t *testing.T) {
	eth := NewDecoder(layers.LayerTypeEthernet)
	raw := NewRawIPDecoder()
	rapid.Check(t, func(rt *rapid.T) {
		p := genPacket().Filter(func(p flow.Packet) bool {
			// IPv6 extension-header numbers are not transports.
			return p.Src.Is4() || (p.Proto != 0 && p.Proto != 43 && p.Proto != 44 && p.Proto != 60)
		}).Draw(rt, "p")
		frame, want := serializePacket(t, p)

		var got flow.Packet
		withEth := rapid.Bool().Draw(rt, "ethernet")
		var err error
		if withEth {
			err = eth.Decode(frame, &got)
		} else {
			err = raw.Decode(frame[14:], &got)
		}
		require.NoError(rt, err)
		require.Equal(rt, want, got)
		checkDecoded(t, &got)
	})
}

// serializePacket builds an Ethernet frame for p and returns it with the
// packet Decode should find in it: p with its real length, and without an
// identifier unless it is an ICMP query.
func serializePacket(t testing.TB, p flow.Packet) ([]byte, flow.Packet) {
	var ls []gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	if p.Src.Is4() {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocol(p.Proto),
			SrcIP: net.IP(p.Src.AsSlice()), DstIP: net.IP(p.Dst.AsSlice())}
		ls, nl = append(ls, ethernet(layers.EthernetTypeIPv4), ip), ip
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocol(p.Proto),
			SrcIP: net.IP(p.Src.AsSlice()), DstIP: net.IP(p.Dst.AsSlice())}
		ls, nl = append(ls, ethernet(layers.EthernetTypeIPv6), ip), ip
	}
	want := p
	_, query := flow.ICMPQuery(p.Proto, p.ICMPType)
	switch p.Proto {
	case flow.TCP:
		f := p.Flags
		tcp := &layers.TCP{SrcPort: layers.TCPPort(p.SrcPort), DstPort: layers.TCPPort(p.DstPort),
			FIN: f&flow.FIN != 0, SYN: f&flow.SYN != 0, RST: f&flow.RST != 0, PSH: f&flow.PSH != 0,
			ACK: f&flow.ACK != 0, URG: f&flow.URG != 0, ECE: f&flow.ECE != 0, CWR: f&flow.CWR != 0, Window: 1}
		_ = tcp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tcp)
	case flow.UDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.SrcPort), DstPort: layers.UDPPort(p.DstPort)}
		_ = udp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, udp)
	case flow.ICMP:
		ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(p.ICMPType, p.ICMPCode), Id: p.ICMPID, Seq: 1})
	case flow.ICMPv6:
		ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(p.ICMPType, p.ICMPCode)}
		_ = ic.SetNetworkLayerForChecksum(nl)
		ls = append(ls, ic)
		if isEcho6(p.ICMPType) {
			ls = append(ls, &layers.ICMPv6Echo{Identifier: p.ICMPID, SeqNumber: 1})
		} else {
			ls = append(ls, gopacket.Payload([]byte{byte(p.ICMPID >> 8), byte(p.ICMPID), 0, 0}))
		}
	default:
		ls = append(ls, gopacket.Payload([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	}
	if p.Proto.IsICMP() && !query {
		want.ICMPID = 0
	}
	frame := serialize(t, ls...)
	// gopacket pads Ethernet frames to 60 bytes, so the length comes from
	// the IP header, as Decode reads it.
	if p.Src.Is4() {
		want.Length = uint16(frame[16])<<8 | uint16(frame[17])
	} else {
		want.Length = 40 + (uint16(frame[18])<<8 | uint16(frame[19]))
	}
	return frame, want
}

// TestPropertyDecodeFastPath: the fast path for Ethernet/IPv4/TCP|UDP
// frames and the parser alone decode every frame alike (packet and
// error), whether it is whole, cut short anywhere, or has one byte
// changed, so that taking the fast path never changes an answer.
func TestPropertyDecodeFastPath(t *testing.T) {
	fast := NewDecoder(layers.LayerTypeEthernet)
	slow := NewDecoder(layers.LayerTypeEthernet)
	slow.slowOnly = true
	rapid.Check(t, func(rt *rapid.T) {
		p := genPacket().Filter(func(p flow.Packet) bool {
			return p.Src.Is4() || (p.Proto != 0 && p.Proto != 43 && p.Proto != 44 && p.Proto != 60)
		}).Draw(rt, "p")
		frame, _ := serializePacket(t, p)
		if rapid.Bool().Draw(rt, "cut") {
			frame = frame[:rapid.IntRange(0, len(frame)).Draw(rt, "len")]
		}
		if len(frame) > 0 && rapid.Bool().Draw(rt, "mutate") {
			frame[rapid.IntRange(0, len(frame)-1).Draw(rt, "at")] = rapid.Byte().Draw(rt, "byte")
		}
		var pf, ps flow.Packet
		ef, es := fast.Decode(frame, &pf), slow.Decode(frame, &ps)
		require.Equal(rt, ps, pf, "packet")
		require.Equal(rt, fmt.Sprint(es), fmt.Sprint(ef), "error")
	})
}

// TestDecodeFastPathTaken: which frames the fast path decodes itself and
// which it leaves to the parser, so that the property test above compares
// both ways on frames of each kind.
func TestDecodeFastPathTaken(t *testing.T) {
	tcp4 := flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]")
	udp4 := flow.MustParsePacket("udp 10.0.1.10:5353 > 10.0.0.2:53")
	ping := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1")
	udp6 := flow.MustParsePacket("udp [2001:db8::7]:5353 > [2001:db8:1::10]:53")
	tests := []struct {
		name  string
		frame []byte
		fast  bool
	}{
		{"ipv4 tcp with options", unhex(t, frameSYN), true},
		{"ipv4 udp", first(serializePacket(t, udp4)), true},
		{"ipv4 tcp built", first(serializePacket(t, tcp4)), true},
		{"ipv4 icmp", first(serializePacket(t, ping)), false},
		{"ipv6 udp", first(serializePacket(t, udp6)), false},
		{"ipv4 tcp cut inside the tcp header", unhex(t, frameSYN)[:40], false},
		{"802.1q tagged", vlanTagged(unhex(t, frameSYN)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(layers.LayerTypeEthernet)
			var p flow.Packet
			assert.Equal(t, tt.fast, d.fast(tt.frame, &p))
			// Either way, Decode agrees with the parser alone.
			slow := NewDecoder(layers.LayerTypeEthernet)
			slow.slowOnly = true
			var pf, ps flow.Packet
			ef, es := d.Decode(tt.frame, &pf), slow.Decode(tt.frame, &ps)
			assert.Equal(t, ps, pf)
			assert.Equal(t, fmt.Sprint(es), fmt.Sprint(ef))
		})
	}
}

func first(b []byte, _ flow.Packet) []byte { return b }

// vlanTagged inserts an 802.1Q tag (VLAN 7) after the MAC addresses.
func vlanTagged(frame []byte) []byte {
	out := append([]byte(nil), frame[:12]...)
	out = append(out, 0x81, 0x00, 0x00, 0x07)
	return append(out, frame[12:]...)
}
