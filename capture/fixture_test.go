package capture

import (
	"encoding/hex"
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
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
