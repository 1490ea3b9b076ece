package flow

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// FuzzParsePacket: ParsePacket never panics; its errors point at a real
// token; what it accepts is valid and round-trips through String.
func FuzzParsePacket(f *testing.F) {
	for _, s := range []string{
		"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]",
		"tcp [2001:db8::1]:443 > [2001:db8:1::10]:50000 [FP.] len 1500",
		"udp 10.0.1.10:53 > 198.51.100.7:33000",
		"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1",
		"icmpv6 2001:db8::1 > 2001:db8::2 type 2 code 0 len 1280",
		"proto 200 10.0.0.1 > 10.0.0.2",
		"gre [2001:db8::1] > 2001:db8::2",
		"tcp 1.2.3.4:x > 5.6.7.8:80 [S]",
		"udp [fe80::1%eth0]:1 > [::ffff:1.2.3.4]:2",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePacket(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("not a *ParseError: %v", err)
			}
			if pe.Input != s || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("bad position %d in %q", pe.Offset, s)
			}
			if pe.Index > 0 && s[pe.Offset:pe.Offset+len(pe.Token)] != pe.Token {
				t.Fatalf("token %q is not at offset %d of %q", pe.Token, pe.Offset, s)
			}
			_ = err.Error()
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePacket(%q) gave an invalid packet: %v", s, err)
		}
		text := p.String()
		q, err := ParsePacket(text)
		if err != nil {
			t.Fatalf("ParsePacket(%q) = %v, whose text %q does not parse: %v", s, p, text, err)
		}
		if q != p {
			t.Fatalf("round trip of %q: %v != %v", s, q, p)
		}
		if q.String() != text {
			t.Fatalf("text not canonical: %q then %q", text, q.String())
		}

		// The flags parser on the same input: no panic, and round trip.
		if fl, err := ParseTCPFlags(s); err == nil {
			if g, err := ParseTCPFlags(fl.String()); err != nil || g != fl {
				t.Fatalf("flags %q: %v then %v, %v", s, fl, g, err)
			}
		}
	})
}

// FuzzDecode: no decoder panics on any bytes; a decoded packet keeps the
// field invariants of Packet, and an error leaves the zero Packet.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{frameSYN, frameUDP6, framePing} {
		b := unhex(f, h)
		f.Add(b)
		f.Add(b[14:])
		f.Add(b[:len(b)/2])
	}
	f.Add(unhex(f, framePong6))
	f.Add([]byte{})
	f.Add([]byte{0x45})
	decoders := []*Decoder{
		NewDecoder(layers.LayerTypeEthernet),
		NewDecoder(layers.LayerTypeLinuxSLL),
		NewDecoder(layers.LayerTypeIPv4),
		NewDecoder(layers.LayerTypeIPv6),
		NewRawIPDecoder(),
	}
	// The parser alone: what the fast path of Ethernet frames must agree with.
	slow := NewDecoder(layers.LayerTypeEthernet)
	slow.slowOnly = true
	f.Fuzz(func(t *testing.T, frame []byte) {
		var pf, ps Packet
		ef, es := decoders[0].Decode(frame, &pf), slow.Decode(frame, &ps)
		if pf != ps || fmt.Sprint(ef) != fmt.Sprint(es) {
			t.Fatalf("fast path: %v, %v; parser: %v, %v", pf, ef, ps, es)
		}
		for _, d := range decoders {
			var p Packet
			if err := d.Decode(frame, &p); err != nil {
				var de *DecodeError
				if !errors.As(err, &de) || de.Len != len(frame) {
					t.Fatalf("error %v: not a *DecodeError with the frame's length", err)
				}
				if p != (Packet{}) {
					t.Fatalf("failed Decode left %v", p)
				}
				// DecodingLayerParser turns a layer's panic into an error
				// "panic: ..."; that is still a bug to fix.
				if strings.Contains(err.Error(), "panic") {
					t.Fatalf("a layer panicked: %v", err)
				}
				continue
			}
			checkDecoded(t, &p)
		}
	})
}

// checkDecoded checks what every decoded packet must satisfy.
func checkDecoded(t testing.TB, p *Packet) {
	t.Helper()
	if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4() || p.Src.Zone() != "" {
		t.Fatalf("bad addresses in %v", p)
	}
	if !p.Proto.HasPorts() && (p.SrcPort != 0 || p.DstPort != 0) {
		t.Fatalf("ports on %v", p)
	}
	if p.Proto != TCP && p.Flags != 0 {
		t.Fatalf("flags on %v", p)
	}
	if !p.Proto.IsICMP() && (p.ICMPType != 0 || p.ICMPCode != 0 || p.ICMPID != 0) {
		t.Fatalf("icmp fields on %v", p)
	}
	if _, q := ICMPQuery(p.Proto, p.ICMPType); !q && p.ICMPID != 0 {
		t.Fatalf("identifier on a non-query %v", p)
	}
	// What is valid prints and parses back.
	if p.Validate() == nil {
		q, err := ParsePacket(p.String())
		if err != nil || q != *p {
			t.Fatalf("%v does not round-trip: %v, %v", p, q, err)
		}
	}
}

// TestPropertyDecodeSerialized: a packet serialized with gopacket decodes
// to the same packet, for every protocol and both families.
func TestPropertyDecodeSerialized(t *testing.T) {
	eth := NewDecoder(layers.LayerTypeEthernet)
	raw := NewRawIPDecoder()
	rapid.Check(t, func(rt *rapid.T) {
		p := genPacket().Filter(func(p Packet) bool {
			// IPv6 extension-header numbers are not transports.
			return p.Src.Is4() || (p.Proto != 0 && p.Proto != 43 && p.Proto != 44 && p.Proto != 60)
		}).Draw(rt, "p")
		frame, want := serializePacket(t, p)

		var got Packet
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
func serializePacket(t testing.TB, p Packet) ([]byte, Packet) {
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
	_, query := ICMPQuery(p.Proto, p.ICMPType)
	switch p.Proto {
	case TCP:
		f := p.Flags
		tcp := &layers.TCP{SrcPort: layers.TCPPort(p.SrcPort), DstPort: layers.TCPPort(p.DstPort),
			FIN: f&FIN != 0, SYN: f&SYN != 0, RST: f&RST != 0, PSH: f&PSH != 0,
			ACK: f&ACK != 0, URG: f&URG != 0, ECE: f&ECE != 0, CWR: f&CWR != 0, Window: 1}
		_ = tcp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tcp)
	case UDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.SrcPort), DstPort: layers.UDPPort(p.DstPort)}
		_ = udp.SetNetworkLayerForChecksum(nl)
		ls = append(ls, udp)
	case ICMP:
		ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(p.ICMPType, p.ICMPCode), Id: p.ICMPID, Seq: 1})
	case ICMPv6:
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
		p := genPacket().Filter(func(p Packet) bool {
			return p.Src.Is4() || (p.Proto != 0 && p.Proto != 43 && p.Proto != 44 && p.Proto != 60)
		}).Draw(rt, "p")
		frame, _ := serializePacket(t, p)
		if rapid.Bool().Draw(rt, "cut") {
			frame = frame[:rapid.IntRange(0, len(frame)).Draw(rt, "len")]
		}
		if len(frame) > 0 && rapid.Bool().Draw(rt, "mutate") {
			frame[rapid.IntRange(0, len(frame)-1).Draw(rt, "at")] = rapid.Byte().Draw(rt, "byte")
		}
		var pf, ps Packet
		ef, es := fast.Decode(frame, &pf), slow.Decode(frame, &ps)
		require.Equal(rt, ps, pf, "packet")
		require.Equal(rt, fmt.Sprint(es), fmt.Sprint(ef), "error")
	})
}

// TestDecodeFastPathTaken: which frames the fast path decodes itself and
// which it leaves to the parser, so that the property test above compares
// both ways on frames of each kind.
func TestDecodeFastPathTaken(t *testing.T) {
	tcp4 := MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]")
	udp4 := MustParsePacket("udp 10.0.1.10:5353 > 10.0.0.2:53")
	ping := MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1")
	udp6 := MustParsePacket("udp [2001:db8::7]:5353 > [2001:db8:1::10]:53")
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
			var p Packet
			assert.Equal(t, tt.fast, d.fast(tt.frame, &p))
			// Either way, Decode agrees with the parser alone.
			slow := NewDecoder(layers.LayerTypeEthernet)
			slow.slowOnly = true
			var pf, ps Packet
			ef, es := d.Decode(tt.frame, &pf), slow.Decode(tt.frame, &ps)
			assert.Equal(t, ps, pf)
			assert.Equal(t, fmt.Sprint(es), fmt.Sprint(ef))
		})
	}
}

func first(b []byte, _ Packet) []byte { return b }

// vlanTagged inserts an 802.1Q tag (VLAN 7) after the MAC addresses.
func vlanTagged(frame []byte) []byte {
	out := append([]byte(nil), frame[:12]...)
	out = append(out, 0x81, 0x00, 0x00, 0x07)
	return append(out, frame[12:]...)
}
