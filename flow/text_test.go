package flow

import (
	"encoding"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ encoding.TextMarshaler   = Packet{}
	_ encoding.TextAppender    = Packet{}
	_ encoding.TextUnmarshaler = (*Packet)(nil)
	_ encoding.TextMarshaler   = TCPFlags(0)
	_ encoding.TextUnmarshaler = (*TCPFlags)(nil)
)

// TestParsePacketCanonical: canonical texts parse to the expected packet
// and print back unchanged.
func TestParsePacketCanonical(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		text string
		want Packet
	}{
		// The packets of the spec's traces (TRACE-A, B, C, D, F).
		{"tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]",
			Packet{Proto: TCP, Src: a("198.51.100.7"), Dst: a("10.0.1.10"), SrcPort: 50000, DstPort: 80, Flags: SYN}},
		{"tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]",
			Packet{Proto: TCP, Src: a("10.0.1.10"), Dst: a("198.51.100.7"), SrcPort: 80, DstPort: 50000, Flags: SYN | ACK}},
		{"tcp 198.51.100.7:50000 > 10.0.1.10:80 [.]",
			Packet{Proto: TCP, Src: a("198.51.100.7"), Dst: a("10.0.1.10"), SrcPort: 50000, DstPort: 80, Flags: ACK}},
		{"tcp 10.0.1.10:8443 > 198.51.100.7:50011 [R.]",
			Packet{Proto: TCP, Src: a("10.0.1.10"), Dst: a("198.51.100.7"), SrcPort: 8443, DstPort: 50011, Flags: RST | ACK}},
		{"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1",
			Packet{Proto: ICMP, Src: a("203.0.113.12"), Dst: a("172.31.16.139"), ICMPType: 8, ICMPID: 1}},
		{"icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1",
			Packet{Proto: ICMP, Src: a("172.31.16.139"), Dst: a("203.0.113.12"), ICMPType: 0, ICMPID: 1}},
		// IPv6, with ports in brackets and without.
		{"tcp [2001:db8::1]:443 > [2001:db8:1::10]:50000 [P.]",
			Packet{Proto: TCP, Src: a("2001:db8::1"), Dst: a("2001:db8:1::10"), SrcPort: 443, DstPort: 50000, Flags: PSH | ACK}},
		{"udp [::1]:53 > [::2]:0",
			Packet{Proto: UDP, Src: a("::1"), Dst: a("::2"), SrcPort: 53}},
		{"icmpv6 2001:db8::1 > 2001:db8::2 echo-request id 9",
			Packet{Proto: ICMPv6, Src: a("2001:db8::1"), Dst: a("2001:db8::2"), ICMPType: 128, ICMPID: 9}},
		{"icmpv6 2001:db8::2 > 2001:db8::1 echo-reply",
			Packet{Proto: ICMPv6, Src: a("2001:db8::2"), Dst: a("2001:db8::1"), ICMPType: 129}},
		// ICMP by number (CT-11 errors), echo types with a code.
		{"icmpv6 2001:db8::1 > 2001:db8::2 type 2 code 0",
			Packet{Proto: ICMPv6, Src: a("2001:db8::1"), Dst: a("2001:db8::2"), ICMPType: 2}},
		{"icmp 192.0.2.1 > 10.0.1.10 type 3 code 4 len 576",
			Packet{Proto: ICMP, Src: a("192.0.2.1"), Dst: a("10.0.1.10"), ICMPType: 3, ICMPCode: 4, Length: 576}},
		{"icmp 192.0.2.1 > 10.0.1.10 type 8 code 1",
			Packet{Proto: ICMP, Src: a("192.0.2.1"), Dst: a("10.0.1.10"), ICMPType: 8, ICMPCode: 1}},
		{"icmp 192.0.2.1 > 10.0.1.10 type 3 code 1 id 5",
			Packet{Proto: ICMP, Src: a("192.0.2.1"), Dst: a("10.0.1.10"), ICMPType: 3, ICMPCode: 1, ICMPID: 5}},
		// Other protocols: by name, or "proto N" when IANA has no keyword
		// pfsim knows.
		{"gre 10.0.0.1 > 10.0.0.2",
			Packet{Proto: 47, Src: a("10.0.0.1"), Dst: a("10.0.0.2")}},
		{"esp 2001:db8::1 > 2001:db8::2 len 1400",
			Packet{Proto: 50, Src: a("2001:db8::1"), Dst: a("2001:db8::2"), Length: 1400}},
		{"proto 200 10.0.0.1 > 10.0.0.2",
			Packet{Proto: 200, Src: a("10.0.0.1"), Dst: a("10.0.0.2")}},
		{"hopopt 10.0.0.1 > 10.0.0.2",
			Packet{Proto: 0, Src: a("10.0.0.1"), Dst: a("10.0.0.2")}},
		// Length, and the extremes of each number.
		{"udp 0.0.0.0:0 > 255.255.255.255:65535 len 65535",
			Packet{Proto: UDP, Src: a("0.0.0.0"), Dst: a("255.255.255.255"), DstPort: 65535, Length: 65535}},
		{"tcp 10.0.0.1:1 > 10.0.0.2:2 [none]",
			Packet{Proto: TCP, Src: a("10.0.0.1"), Dst: a("10.0.0.2"), SrcPort: 1, DstPort: 2}},
		{"icmp 10.0.0.1 > 10.0.0.2 type 255 code 255 id 65535",
			Packet{Proto: ICMP, Src: a("10.0.0.1"), Dst: a("10.0.0.2"), ICMPType: 255, ICMPCode: 255, ICMPID: 65535}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, err := ParsePacket(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
			assert.Equal(t, tt.text, p.String())
			assert.NoError(t, p.Validate())
		})
	}
}

// TestParsePacketNonCanonical: accepted spellings and what String makes
// of them.
func TestParsePacketNonCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		// Protocols by number, upper case, "proto NAME".
		{"6 10.0.0.1:1 > 10.0.0.2:2 [S]", "tcp 10.0.0.1:1 > 10.0.0.2:2 [S]"},
		{"TCP 10.0.0.1:1 > 10.0.0.2:2 [S]", "tcp 10.0.0.1:1 > 10.0.0.2:2 [S]"},
		{"proto 6 10.0.0.1:1 > 10.0.0.2:2 [S]", "tcp 10.0.0.1:1 > 10.0.0.2:2 [S]"},
		{"proto gre 10.0.0.1 > 10.0.0.2", "gre 10.0.0.1 > 10.0.0.2"},
		{"PROTO 47 10.0.0.1 > 10.0.0.2", "gre 10.0.0.1 > 10.0.0.2"},
		{"ipv6-icmp fe80::1 > fe80::2 echo-request", "icmpv6 fe80::1 > fe80::2 echo-request"},
		// White space.
		{"  tcp\t10.0.0.1:1   >  10.0.0.2:2 [S]\n", "tcp 10.0.0.1:1 > 10.0.0.2:2 [S]"},
		// Flags in another order than tcpdump's.
		{"tcp 10.0.0.1:1 > 10.0.0.2:2 [.S]", "tcp 10.0.0.1:1 > 10.0.0.2:2 [S.]"},
		{"tcp 10.0.0.1:1 > 10.0.0.2:2 [.PF]", "tcp 10.0.0.1:1 > 10.0.0.2:2 [FP.]"},
		// Leading zeros in numbers, long IPv6 forms.
		{"udp 10.0.0.1:0053 > 10.0.0.2:00 len 007", "udp 10.0.0.1:53 > 10.0.0.2:0 len 7"},
		{"udp [2001:0db8:0000::0001]:1 > [2001:db8::2]:2", "udp [2001:db8::1]:1 > [2001:db8::2]:2"},
		// ICMP: type and code by number for the named types, code
		// optional, keywords in any case, id 0 and len 0 dropped,
		// extras in any order.
		{"icmp 10.0.0.1 > 10.0.0.2 type 8 code 0", "icmp 10.0.0.1 > 10.0.0.2 echo-request"},
		{"icmp 10.0.0.1 > 10.0.0.2 type 3", "icmp 10.0.0.1 > 10.0.0.2 type 3 code 0"},
		{"icmpv6 ::1 > ::2 TYPE 129 CODE 0", "icmpv6 ::1 > ::2 echo-reply"},
		{"icmp 10.0.0.1 > 10.0.0.2 Echo-Request ID 0 LEN 0", "icmp 10.0.0.1 > 10.0.0.2 echo-request"},
		{"icmp 10.0.0.1 > 10.0.0.2 echo-request len 84 id 7", "icmp 10.0.0.1 > 10.0.0.2 echo-request id 7 len 84"},
		// Brackets around an IPv6 address without a port.
		{"gre [2001:db8::1] > [2001:db8::2]", "gre 2001:db8::1 > 2001:db8::2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePacket(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.String())
			q, err := ParsePacket(p.String())
			require.NoError(t, err)
			assert.Equal(t, p, q)
		})
	}
}

// TestParseTCPFlags covers every flag form: tcpdump's usual ones, each
// single letter, all of them, brackets, none, and the errors.
func TestParseTCPFlags(t *testing.T) {
	// Canonical forms round-trip.
	for _, tt := range []struct {
		s string
		f TCPFlags
	}{
		{"S", SYN}, {"S.", SYN | ACK}, {".", ACK}, {"P.", PSH | ACK}, {"F.", FIN | ACK},
		{"R", RST}, {"R.", RST | ACK}, {"FP.", FIN | PSH | ACK}, {"F", FIN}, {"P", PSH},
		{"U", URG}, {"E", ECE}, {"W", CWR}, {"SEW", SYN | ECE | CWR}, {"SE.", SYN | ECE | ACK},
		{"FSRPUEW.", 0xff}, {"none", 0},
	} {
		f, err := ParseTCPFlags(tt.s)
		require.NoError(t, err, tt.s)
		assert.Equal(t, tt.f, f, tt.s)
		assert.Equal(t, tt.s, f.String(), tt.s)
	}

	// Every one of the 256 flag sets round-trips.
	for i := 0; i < 256; i++ {
		f := TCPFlags(i)
		g, err := ParseTCPFlags(f.String())
		require.NoError(t, err, f.String())
		assert.Equal(t, f, g)
	}

	// Other accepted spellings.
	for s, f := range map[string]TCPFlags{"[S.]": SYN | ACK, ".S": SYN | ACK, "[none]": 0, "[.]": ACK} {
		g, err := ParseTCPFlags(s)
		require.NoError(t, err, s)
		assert.Equal(t, f, g, s)
	}

	// Errors name what is wrong.
	for s, msg := range map[string]string{
		"":     `no tcp flags in "": write letters such as S, S. or R., or none`,
		"[]":   `no tcp flags in "[]": write letters such as S, S. or R., or none`,
		"s":    `bad tcp flags "s": 's' is not a flag letter (F S R P U E W, . for ACK)`,
		"SA":   `bad tcp flags "SA": 'A' is not a flag letter (F S R P U E W, . for ACK)`,
		"SS":   `bad tcp flags "SS": 'S' appears twice`,
		"S..":  `bad tcp flags "S..": '.' appears twice`,
		"NONE": `bad tcp flags "NONE": 'N' is not a flag letter (F S R P U E W, . for ACK)`,
		"S é":  `bad tcp flags "S é": ' ' is not a flag letter (F S R P U E W, . for ACK)`,
		"é":    `bad tcp flags "é": want the letters F S R P U E W, . for ACK`,
	} {
		_, err := ParseTCPFlags(s)
		require.Error(t, err, s)
		assert.Equal(t, msg, err.Error(), s)
	}

	// Text marshalling.
	var f TCPFlags
	require.NoError(t, f.UnmarshalText([]byte("S.")))
	assert.Equal(t, SYN|ACK, f)
	b, err := f.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "S.", string(b))
	assert.Error(t, f.UnmarshalText([]byte("x")))
}

// TestParsePacketErrors: every error names the offending token, its
// number and offset, and says what is wrong.
func TestParsePacketErrors(t *testing.T) {
	tests := []struct {
		in    string
		index int    // 1-based token number, 0 = at end
		token string // the token blamed
		msg   string // the whole error text
	}{
		// Empty input and missing parts at the end.
		{"", 0, "", `packet "": empty: want PROTO SRC > DST, e.g. tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]`},
		{"   ", 0, "", `packet "   ": empty: want PROTO SRC > DST, e.g. tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]`},
		{"tcp", 0, "", `packet "tcp": at end: missing source address`},
		{"proto", 0, "", `packet "proto": at end: missing protocol number after proto`},
		{"tcp 1.2.3.4:1", 0, "", `packet "tcp 1.2.3.4:1": at end: missing ">" and destination`},
		{"tcp 1.2.3.4:1 >", 0, "", `packet "tcp 1.2.3.4:1 >": at end: missing destination address`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:2", 0, "", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2": at end: missing tcp flags: want [S], [S.], [.], [P.], [F.], [R] or [R.]`},
		{"icmp 1.2.3.4 > 5.6.7.8", 0, "", `packet "icmp 1.2.3.4 > 5.6.7.8": at end: missing icmp type: want echo-request, echo-reply or type T code C`},
		{"icmp 1.2.3.4 > 5.6.7.8 type", 0, "", `packet "icmp 1.2.3.4 > 5.6.7.8 type": at end: missing number after type`},
		{"icmp 1.2.3.4 > 5.6.7.8 type 3 code", 0, "", `packet "icmp 1.2.3.4 > 5.6.7.8 type 3 code": at end: missing number after code`},
		{"icmp 1.2.3.4 > 5.6.7.8 echo-request id", 0, "", `packet "icmp 1.2.3.4 > 5.6.7.8 echo-request id": at end: missing number after id`},
		{"gre 1.2.3.4 > 5.6.7.8 len", 0, "", `packet "gre 1.2.3.4 > 5.6.7.8 len": at end: missing number after len`},

		// PROTO.
		{"tpc 1.2.3.4:1 > 5.6.7.8:2 [S]", 1, "tpc", `packet "tpc 1.2.3.4:1 > 5.6.7.8:2 [S]": token 1 "tpc": unknown protocol "tpc": want a name such as tcp, udp, icmp, icmpv6, gre or a number 0..255`},
		{"256 1.2.3.4 > 5.6.7.8", 1, "256", `packet "256 1.2.3.4 > 5.6.7.8": token 1 "256": protocol number 256 out of range 0..255`},
		{"proto x 1.2.3.4 > 5.6.7.8", 2, "x", `packet "proto x 1.2.3.4 > 5.6.7.8": token 2 "x": unknown protocol "x": want a name such as tcp, udp, icmp, icmpv6, gre or a number 0..255`},
		{"all 1.2.3.4 > 5.6.7.8", 1, "all", `packet "all 1.2.3.4 > 5.6.7.8": token 1 "all": unknown protocol "all": want a name such as tcp, udp, icmp, icmpv6, gre or a number 0..255`},

		// Ports: bad, missing, out of range, on a protocol without ports.
		{"tcp 1.2.3.4:x > 5.6.7.8:80 [S]", 2, "1.2.3.4:x", `packet "tcp 1.2.3.4:x > 5.6.7.8:80 [S]": token 2 "1.2.3.4:x": bad port "x": want a number 0..65535`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:65536 [S]", 4, "5.6.7.8:65536", `packet "tcp 1.2.3.4:1 > 5.6.7.8:65536 [S]": token 4 "5.6.7.8:65536": bad port "65536": want a number 0..65535`},
		{"tcp 1.2.3.4:-1 > 5.6.7.8:1 [S]", 2, "1.2.3.4:-1", `packet "tcp 1.2.3.4:-1 > 5.6.7.8:1 [S]": token 2 "1.2.3.4:-1": bad port "-1": want a number 0..65535`},
		{"tcp 1.2.3.4:+1 > 5.6.7.8:1 [S]", 2, "1.2.3.4:+1", `packet "tcp 1.2.3.4:+1 > 5.6.7.8:1 [S]": token 2 "1.2.3.4:+1": bad port "+1": want a number 0..65535`},
		{"tcp 1.2.3.4: > 5.6.7.8:1 [S]", 2, "1.2.3.4:", `packet "tcp 1.2.3.4: > 5.6.7.8:1 [S]": token 2 "1.2.3.4:": missing port after ":"`},
		{"tcp 1.2.3.4 > 5.6.7.8:1 [S]", 2, "1.2.3.4", `packet "tcp 1.2.3.4 > 5.6.7.8:1 [S]": token 2 "1.2.3.4": missing port: tcp needs ADDR:PORT`},
		{"udp [2001:db8::1] > [::2]:1", 2, "[2001:db8::1]", `packet "udp [2001:db8::1] > [::2]:1": token 2 "[2001:db8::1]": missing port: udp needs [ADDR]:PORT`},
		{"udp 2001:db8::1 > [::2]:1", 2, "2001:db8::1", `packet "udp 2001:db8::1 > [::2]:1": token 2 "2001:db8::1": missing port: udp needs [ADDR]:PORT, e.g. [2001:db8::1]:443`},
		{"udp 2001:db8::1:53 > [::2]:1", 2, "2001:db8::1:53", `packet "udp 2001:db8::1:53 > [::2]:1": token 2 "2001:db8::1:53": missing port: udp needs [ADDR]:PORT, e.g. [2001:db8::1:53]:443`},
		{"udp 2001:db8:::53 > [::2]:1", 2, "2001:db8:::53", `packet "udp 2001:db8:::53 > [::2]:1": token 2 "2001:db8:::53": an IPv6 address with a port needs brackets, e.g. [2001:db8::1]:443`},
		{"udp [2001:db8::1:53 > [::2]:1", 2, "[2001:db8::1:53", `packet "udp [2001:db8::1:53 > [::2]:1": token 2 "[2001:db8::1:53": missing "]" after the IPv6 address`},
		{"udp [2001:db8::1]53 > [::2]:1", 2, "[2001:db8::1]53", `packet "udp [2001:db8::1]53 > [::2]:1": token 2 "[2001:db8::1]53": want ":" and a port after "]"`},
		{"udp [1.2.3.4]:53 > 5.6.7.8:1", 2, "[1.2.3.4]:53", `packet "udp [1.2.3.4]:53 > 5.6.7.8:1": token 2 "[1.2.3.4]:53": brackets are for IPv6 addresses: write 1.2.3.4:53`},
		{"icmp 1.2.3.4:1 > 5.6.7.8 echo-request", 2, "1.2.3.4:1", `packet "icmp 1.2.3.4:1 > 5.6.7.8 echo-request": token 2 "1.2.3.4:1": icmp has no ports: write the address alone`},
		{"gre 1.2.3.4 > [::1]:5", 4, "[::1]:5", `packet "gre 1.2.3.4 > [::1]:5": token 4 "[::1]:5": gre has no ports: write the address alone`},
		{"gre [1.2.3.4] > 5.6.7.8", 2, "[1.2.3.4]", `packet "gre [1.2.3.4] > 5.6.7.8": token 2 "[1.2.3.4]": brackets are for IPv6 addresses: write 1.2.3.4`},

		// Addresses: bad, zone, IPv4-mapped, families.
		{"tcp 1.2.3:1 > 5.6.7.8:2 [S]", 2, "1.2.3:1", `packet "tcp 1.2.3:1 > 5.6.7.8:2 [S]": token 2 "1.2.3:1": bad address "1.2.3"`},
		{"tcp :1 > 5.6.7.8:2 [S]", 2, ":1", `packet "tcp :1 > 5.6.7.8:2 [S]": token 2 ":1": missing address`},
		{"gre 1.2.3.999 > 5.6.7.8", 2, "1.2.3.999", `packet "gre 1.2.3.999 > 5.6.7.8": token 2 "1.2.3.999": bad address "1.2.3.999"`},
		{"gre 01.2.3.4 > 5.6.7.8", 2, "01.2.3.4", `packet "gre 01.2.3.4 > 5.6.7.8": token 2 "01.2.3.4": bad address "01.2.3.4"`},
		{"udp [fe80::1%eth0]:1 > [fe80::2]:2", 2, "[fe80::1%eth0]:1", `packet "udp [fe80::1%eth0]:1 > [fe80::2]:2": token 2 "[fe80::1%eth0]:1": address fe80::1%eth0 has a zone; zones are not allowed`},
		{"gre ::1 > fe80::2%1", 4, "fe80::2%1", `packet "gre ::1 > fe80::2%1": token 4 "fe80::2%1": address fe80::2%1 has a zone; zones are not allowed`},
		{"udp [::ffff:1.2.3.4]:1 > [::1]:2", 2, "[::ffff:1.2.3.4]:1", `packet "udp [::ffff:1.2.3.4]:1 > [::1]:2": token 2 "[::ffff:1.2.3.4]:1": ::ffff:1.2.3.4 is an IPv4-mapped IPv6 address; write 1.2.3.4`},
		{"tcp 1.2.3.4:1 > [::1]:2 [S]", 4, "[::1]:2", `packet "tcp 1.2.3.4:1 > [::1]:2 [S]": token 4 "[::1]:2": destination is IPv6 but source 1.2.3.4:1 is IPv4`},
		{"gre ::1 > 1.2.3.4", 4, "1.2.3.4", `packet "gre ::1 > 1.2.3.4": token 4 "1.2.3.4": destination is IPv4 but source ::1 is IPv6`},
		{"icmp ::1 > ::2 echo-request", 2, "::1", `packet "icmp ::1 > ::2 echo-request": token 2 "::1": icmp is for IPv4; IPv6 uses icmpv6`},
		{"icmpv6 1.2.3.4 > 5.6.7.8 echo-request", 2, "1.2.3.4", `packet "icmpv6 1.2.3.4 > 5.6.7.8 echo-request": token 2 "1.2.3.4": icmpv6 is for IPv6; IPv4 uses icmp`},

		// The ">" separator.
		{"tcp 1.2.3.4:1 < 5.6.7.8:2 [S]", 3, "<", `packet "tcp 1.2.3.4:1 < 5.6.7.8:2 [S]": token 3 "<": want ">" between source and destination`},
		{"tcp 1.2.3.4:1>5.6.7.8:2 [S]", 2, "1.2.3.4:1>5.6.7.8:2", `packet "tcp 1.2.3.4:1>5.6.7.8:2 [S]": token 2 "1.2.3.4:1>5.6.7.8:2": put spaces around ">"`},
		{"tcp 1.2.3.4:1 >5.6.7.8:2 [S]", 3, ">5.6.7.8:2", `packet "tcp 1.2.3.4:1 >5.6.7.8:2 [S]": token 3 ">5.6.7.8:2": want ">" between source and destination`},

		// TCP flags: missing brackets, bad letters, on another protocol.
		{"tcp 1.2.3.4:1 > 5.6.7.8:2 S", 5, "S", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2 S": token 5 "S": want tcp flags in brackets: [S], [S.], [.], [P.], [F.], [R] or [R.]`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:2 [SA]", 5, "[SA]", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2 [SA]": token 5 "[SA]": bad tcp flags "[SA]": 'A' is not a flag letter (F S R P U E W, . for ACK)`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:2 []", 5, "[]", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2 []": token 5 "[]": no tcp flags in "[]": write letters such as S, S. or R., or none`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:2 [S] [.]", 6, "[.]", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2 [S] [.]": token 6 "[.]": tcp flags given twice`},
		{"udp 1.2.3.4:1 > 5.6.7.8:2 [S]", 5, "[S]", `packet "udp 1.2.3.4:1 > 5.6.7.8:2 [S]": token 5 "[S]": tcp flags on a udp packet`},

		// ICMP type, code, id.
		{"icmp 1.2.3.4 > 5.6.7.8 ping", 5, "ping", `packet "icmp 1.2.3.4 > 5.6.7.8 ping": token 5 "ping": want icmp type: echo-request, echo-reply or type T code C`},
		{"icmp 1.2.3.4 > 5.6.7.8 type 256", 6, "256", `packet "icmp 1.2.3.4 > 5.6.7.8 type 256": token 6 "256": bad type "256": want a number 0..255`},
		{"icmp 1.2.3.4 > 5.6.7.8 type 3 code x", 8, "x", `packet "icmp 1.2.3.4 > 5.6.7.8 type 3 code x": token 8 "x": bad code "x": want a number 0..255`},
		{"icmp 1.2.3.4 > 5.6.7.8 echo-request id 65536", 7, "65536", `packet "icmp 1.2.3.4 > 5.6.7.8 echo-request id 65536": token 7 "65536": bad id "65536": want a number 0..65535`},
		{"icmp 1.2.3.4 > 5.6.7.8 echo-request id 1 id 2", 8, "id", `packet "icmp 1.2.3.4 > 5.6.7.8 echo-request id 1 id 2": token 8 "id": id given twice`},
		{"icmp 1.2.3.4 > 5.6.7.8 echo-request code 1", 6, "code", `packet "icmp 1.2.3.4 > 5.6.7.8 echo-request code 1": token 6 "code": unexpected token: want id N or len N or the end`},
		{"udp 1.2.3.4:1 > 5.6.7.8:2 id 7", 5, "id", `packet "udp 1.2.3.4:1 > 5.6.7.8:2 id 7": token 5 "id": id is for icmp and icmpv6 queries, not udp`},
		{"udp 1.2.3.4:1 > 5.6.7.8:2 echo-request", 5, "echo-request", `packet "udp 1.2.3.4:1 > 5.6.7.8:2 echo-request": token 5 "echo-request": unexpected token: want len N or the end`},

		// len, and trailing garbage.
		{"gre 1.2.3.4 > 5.6.7.8 len 70000", 6, "70000", `packet "gre 1.2.3.4 > 5.6.7.8 len 70000": token 6 "70000": bad len "70000": want a number 0..65535`},
		{"gre 1.2.3.4 > 5.6.7.8 len 1 len 2", 7, "len", `packet "gre 1.2.3.4 > 5.6.7.8 len 1 len 2": token 7 "len": len given twice`},
		{"tcp 1.2.3.4:1 > 5.6.7.8:2 [S] extra", 6, "extra", `packet "tcp 1.2.3.4:1 > 5.6.7.8:2 [S] extra": token 6 "extra": unexpected token: want len N or the end`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePacket(tt.in)
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "a *ParseError")
			assert.Equal(t, tt.in, pe.Input)
			assert.Equal(t, tt.index, pe.Index, "token number")
			assert.Equal(t, tt.token, pe.Token, "token")
			if tt.index > 0 {
				assert.Equal(t, tt.token, tt.in[pe.Offset:pe.Offset+len(pe.Token)], "offset points at the token")
			} else {
				assert.Equal(t, len(tt.in), pe.Offset, "offset at the end")
			}
			assert.Equal(t, tt.msg, err.Error())
			assert.NotNil(t, errors.Unwrap(err))
		})
	}
}

// TestPacketValidate: what String can express exactly, and what it can
// not.
func TestPacketValidate(t *testing.T) {
	a := netip.MustParseAddr
	good := Packet{Proto: TCP, Src: a("10.0.0.1"), Dst: a("10.0.0.2"), SrcPort: 1, DstPort: 2, Flags: SYN}
	require.NoError(t, good.Validate())

	tests := []struct {
		name string
		edit func(p *Packet)
		msg  string
	}{
		{"no source", func(p *Packet) { p.Src = netip.Addr{} }, "invalid packet: source: no address"},
		{"no destination", func(p *Packet) { p.Dst = netip.Addr{} }, "invalid packet: destination: no address"},
		{"zone", func(p *Packet) { p.Src, p.Dst = a("fe80::1%eth0"), a("fe80::2") }, "invalid packet: source: address fe80::1%eth0 has a zone; zones are not allowed"},
		{"mapped", func(p *Packet) { p.Src, p.Dst = a("::ffff:10.0.0.1"), a("::2") }, "invalid packet: source: ::ffff:10.0.0.1 is an IPv4-mapped IPv6 address; write 10.0.0.1"},
		{"families", func(p *Packet) { p.Dst = a("::2") }, "invalid packet: source 10.0.0.1 and destination ::2 are of different families"},
		{"icmp over ipv6", func(p *Packet) { *p = Packet{Proto: ICMP, Src: a("::1"), Dst: a("::2")} }, "invalid packet: icmp is for IPv4; IPv6 uses icmpv6"},
		{"icmpv6 over ipv4", func(p *Packet) { *p = Packet{Proto: ICMPv6, Src: a("10.0.0.1"), Dst: a("10.0.0.2")} }, "invalid packet: icmpv6 is for IPv6; IPv4 uses icmp"},
		{"ports on gre", func(p *Packet) { p.Proto, p.Flags = 47, 0 }, "invalid packet: gre has no ports"},
		{"flags on udp", func(p *Packet) { p.Proto = UDP }, "invalid packet: tcp flags on udp"},
		{"icmp fields on tcp", func(p *Packet) { p.ICMPID = 3 }, "invalid packet: icmp fields on tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.edit(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Equal(t, tt.msg, err.Error())
			_, err = p.MarshalText()
			assert.Error(t, err, "MarshalText refuses what would not read back")
			assert.NotPanics(t, func() { _ = p.String() })
		})
	}
}

// TestPacketText: MarshalText / UnmarshalText, also through JSON.
func TestPacketText(t *testing.T) {
	p := MustParsePacket("udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75")
	b, err := json.Marshal(map[string]Packet{"packet": p})
	require.NoError(t, err)
	assert.JSONEq(t, `{"packet":"udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75"}`, string(b))

	var back map[string]Packet
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, back["packet"])

	var q Packet
	err = q.UnmarshalText([]byte("udp 1.2.3.4 > 5.6.7.8:1"))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, pe.Index)

	buf, err := p.AppendText([]byte("packet: "))
	require.NoError(t, err)
	assert.Equal(t, "packet: udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75", string(buf))

	assert.Panics(t, func() { MustParsePacket("nonsense") })
}

// TestPacketStringInvalid: String never panics, whatever the packet.
func TestPacketStringInvalid(t *testing.T) {
	assert.Equal(t, "hopopt invalid-ip > invalid-ip", Packet{}.String())
	assert.Equal(t, "tcp invalid-ip:1 > invalid-ip:0 [none]", Packet{Proto: TCP, SrcPort: 1}.String())
}
