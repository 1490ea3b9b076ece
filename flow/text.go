package flow

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// This file holds the packet text syntax that scenario files use:
//
//	PROTO SRC > DST [FLAGS] [extra]
//
// Tokens are separated by white space. The grammar, token by token:
//
//	PROTO   tcp | udp | icmp | icmpv6 | an IANA keyword (gre, esp, sctp, ...)
//	        | a number 0..255 | proto N (two tokens; N a number or keyword)
//	SRC DST tcp, udp:  ADDR:PORT, IPv6 in brackets: [2001:db8::1]:443
//	        others:    ADDR (an IPv6 address may be written [ADDR])
//	FLAGS   tcp only, and required: [S] [S.] [.] [P.] [F.] [R] [R.] [FP.] ...,
//	        the letters of ParseTCPFlags inside brackets, or [none]
//	ICMP    icmp and icmpv6 only, and required: echo-request | echo-reply
//	        | type T [code C]    (T, C 0..255; code defaults to 0)
//	extra   id N    icmp and icmpv6 only: the query identifier (0..65535,
//	                default 0)
//	        len N   the IP packet's length in bytes (Packet.Length, 0..65535,
//	                default 0 = unknown)
//	        in any order, each at most once.
//
// Keywords (echo-request, type, code, id, len, proto, protocol names) are
// case-insensitive; TCP flag letters are upper case, as tcpdump prints them.
// Both addresses must be of one family; icmp needs IPv4 and icmpv6 IPv6.
// Addresses with a zone and IPv4-mapped IPv6 addresses are rejected.
//
// [Packet.String] prints the canonical form: lower-case keywords, no
// leading zeros, echo types by name when their code is 0, `id` only when
// not 0, `len` only when not 0.

// ParseError reports a packet text that does not parse. It says which
// token is wrong and where: Index counts tokens from 1, Offset is the
// token's byte offset in Input. An error about something missing at the
// end of the input has Index 0 and Offset len(Input).
type ParseError struct {
	// Input is the whole text given to ParsePacket.
	Input string
	// Offset is the byte offset of Token in Input, or len(Input) when the
	// input ended too early.
	Offset int
	// Index is the 1-based number of Token among the input's tokens, or 0
	// when the error is about the end of the input.
	Index int
	// Token is the offending token, "" at the end of the input.
	Token string
	// Err says what is wrong with it.
	Err error
}

// Error renders the error as
//
//	packet "tcp 1.2.3.4:x > 5.6.7.8:80 [S]": token 2 "1.2.3.4:x": bad port "x"
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("packet ")
	b.WriteString(strconv.Quote(e.Input))
	b.WriteString(": ")
	switch {
	case e.Index > 0:
		b.WriteString("token ")
		b.WriteString(strconv.Itoa(e.Index))
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(e.Token))
		b.WriteString(": ")
	case strings.TrimSpace(e.Input) != "":
		b.WriteString("at end: ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// ParsePacket reads a packet in the scenario format's packet text, such as
//
//	tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]
//	udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 72
//	icmp 203.0.113.12 > 172.31.16.139 echo-request id 1
//	icmpv6 2001:db8::1 > 2001:db8::2 type 2 code 0
//	gre 10.0.0.1 > 10.0.0.2
//
// (the full grammar is at the top of text.go).
// Errors are *ParseError values naming the token at fault. Every packet
// that ParsePacket returns passes [Packet.Validate], and
// ParsePacket(p.String()) returns p again.
func ParsePacket(s string) (Packet, error) {
	pp := packetParser{in: s, toks: tokenize(s)}
	return pp.parse()
}

// MustParsePacket is like ParsePacket but panics on error. It is meant for
// literals in tests and examples only.
func MustParsePacket(s string) Packet {
	p, err := ParsePacket(s)
	if err != nil {
		panic("flow: MustParsePacket: " + err.Error())
	}
	return p
}

// String renders p in the packet text syntax, canonically (see
// [ParsePacket]). A packet that fails [Packet.Validate] is rendered as
// well as it goes, and may not parse back.
func (p Packet) String() string {
	return string(appendPacket(make([]byte, 0, 64), &p))
}

// AppendText implements [encoding.TextAppender]: it appends the text of
// [Packet.String] to b. It fails for a packet that does not pass
// [Packet.Validate], which could not be read back.
func (p Packet) AppendText(b []byte) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return b, err
	}
	return appendPacket(b, &p), nil
}

// MarshalText implements [encoding.TextMarshaler] with [Packet.AppendText].
func (p Packet) MarshalText() ([]byte, error) { return p.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParsePacket].
func (p *Packet) UnmarshalText(b []byte) error {
	v, err := ParsePacket(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Validate reports whether p is a well-formed packet, one that the packet
// text can express exactly: both addresses valid, of one family, without
// zone and not IPv4-mapped; icmp only over IPv4 and icmpv6 only over IPv6;
// ports set only for tcp and udp, flags only for tcp, ICMP fields only
// for icmp and icmpv6. Any Proto and Length are fine.
func (p *Packet) Validate() error {
	if err := checkAddr(p.Src); err != nil {
		return fmt.Errorf("invalid packet: source: %w", err)
	}
	if err := checkAddr(p.Dst); err != nil {
		return fmt.Errorf("invalid packet: destination: %w", err)
	}
	if p.Src.Is4() != p.Dst.Is4() {
		return fmt.Errorf("invalid packet: source %s and destination %s are of different families", p.Src, p.Dst)
	}
	if err := checkProtoFamily(p.Proto, p.Src); err != nil {
		return fmt.Errorf("invalid packet: %w", err)
	}
	if !p.Proto.HasPorts() && (p.SrcPort != 0 || p.DstPort != 0) {
		return fmt.Errorf("invalid packet: %s has no ports", p.Proto)
	}
	if p.Proto != TCP && p.Flags != 0 {
		return fmt.Errorf("invalid packet: tcp flags on %s", p.Proto)
	}
	if !p.Proto.IsICMP() && (p.ICMPType != 0 || p.ICMPCode != 0 || p.ICMPID != 0) {
		return fmt.Errorf("invalid packet: icmp fields on %s", p.Proto)
	}
	return nil
}

func checkAddr(a netip.Addr) error {
	switch {
	case !a.IsValid():
		return errors.New("no address")
	case a.Zone() != "":
		return fmt.Errorf("address %s has a zone; zones are not allowed", a)
	case a.Is4In6():
		return fmt.Errorf("%s is an IPv4-mapped IPv6 address; write %s", a, a.Unmap())
	}
	return nil
}

func checkProtoFamily(p Proto, a netip.Addr) error {
	switch {
	case p == ICMP && a.Is6():
		return errors.New("icmp is for IPv4; IPv6 uses icmpv6")
	case p == ICMPv6 && a.Is4():
		return errors.New("icmpv6 is for IPv6; IPv4 uses icmp")
	}
	return nil
}

// appendPacket appends the canonical text of p to b.
func appendPacket(b []byte, p *Packet) []byte {
	b = append(b, p.Proto.String()...)
	b = append(b, ' ')
	b = appendEndpoint(b, p.Proto, p.Src, p.SrcPort)
	b = append(b, " > "...)
	b = appendEndpoint(b, p.Proto, p.Dst, p.DstPort)
	switch {
	case p.Proto == TCP:
		b = append(b, " ["...)
		b = append(b, p.Flags.String()...)
		b = append(b, ']')
	case p.Proto.IsICMP():
		b = append(b, ' ')
		if name := icmpName(p.Proto, p.ICMPType, p.ICMPCode); name != "" {
			b = append(b, name...)
		} else {
			b = append(b, "type "...)
			b = strconv.AppendUint(b, uint64(p.ICMPType), 10)
			b = append(b, " code "...)
			b = strconv.AppendUint(b, uint64(p.ICMPCode), 10)
		}
		if p.ICMPID != 0 {
			b = append(b, " id "...)
			b = strconv.AppendUint(b, uint64(p.ICMPID), 10)
		}
	}
	if p.Length != 0 {
		b = append(b, " len "...)
		b = strconv.AppendUint(b, uint64(p.Length), 10)
	}
	return b
}

func appendEndpoint(b []byte, proto Proto, a netip.Addr, port uint16) []byte {
	if !a.IsValid() {
		b = append(b, "invalid-ip"...)
		if proto.HasPorts() {
			b = append(b, ':')
			b = strconv.AppendUint(b, uint64(port), 10)
		}
		return b
	}
	if proto.HasPorts() {
		return netip.AddrPortFrom(a, port).AppendTo(b)
	}
	return a.AppendTo(b)
}

// icmpName returns the keyword of the ICMP types the packet text names
// (echo request and reply with code 0), or "".
func icmpName(proto Proto, typ, code uint8) string {
	if code != 0 {
		return ""
	}
	switch {
	case proto == ICMP && typ == ICMPEchoRequest, proto == ICMPv6 && typ == ICMPv6EchoRequest:
		return "echo-request"
	case proto == ICMP && typ == ICMPEchoReply, proto == ICMPv6 && typ == ICMPv6EchoReply:
		return "echo-reply"
	}
	return ""
}

// ParseTCPFlags reads TCP flags in tcpdump's notation: the letters F (FIN),
// S (SYN), R (RST), P (PSH), U (URG), E (ECE), W (CWR) and "." for ACK,
// each at most once and in any order ("S.", ".", "FP.", "R"), or "none"
// for no flag at all. The letters are upper case, as tcpdump prints them.
// Surrounding brackets are accepted: "[S.]" is read as "S.".
// [TCPFlags.String] prints the canonical form.
func ParseTCPFlags(s string) (TCPFlags, error) {
	t := s
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && len(t) >= 2 {
		t = t[1 : len(t)-1]
	}
	if t == "" {
		return 0, fmt.Errorf("no tcp flags in %q: write letters such as S, S. or R., or none", s)
	}
	if t == "none" {
		return 0, nil
	}
	var f TCPFlags
	for i := 0; i < len(t); i++ {
		c := t[i]
		var bit TCPFlags
		if c == '.' {
			bit = ACK
		} else {
			for _, x := range flagLetters {
				if x.c == c {
					bit = x.bit
					break
				}
			}
		}
		if bit == 0 {
			if c < 0x80 {
				return 0, fmt.Errorf("bad tcp flags %q: %q is not a flag letter (F S R P U E W, . for ACK)", s, c)
			}
			return 0, fmt.Errorf("bad tcp flags %q: want the letters F S R P U E W, . for ACK", s)
		}
		if f&bit != 0 {
			return 0, fmt.Errorf("bad tcp flags %q: %q appears twice", s, c)
		}
		f |= bit
	}
	return f, nil
}

// MarshalText implements [encoding.TextMarshaler] with [TCPFlags.String].
func (f TCPFlags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseTCPFlags].
func (f *TCPFlags) UnmarshalText(b []byte) error {
	v, err := ParseTCPFlags(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// token is one white-space separated word of a packet text and its
// byte offset.
type token struct {
	s   string
	off int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		if isSpace(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		toks = append(toks, token{s: s[i:j], off: i})
		i = j
	}
	return toks
}

type packetParser struct {
	in   string
	toks []token
	i    int // next token
}

// errAt blames token i (0-based).
func (pp *packetParser) errAt(i int, err error) *ParseError {
	t := pp.toks[i]
	return &ParseError{Input: pp.in, Offset: t.off, Index: i + 1, Token: t.s, Err: err}
}

// errEnd reports that the input ended too early.
func (pp *packetParser) errEnd(err error) *ParseError {
	return &ParseError{Input: pp.in, Offset: len(pp.in), Err: err}
}

// next returns the next token's index, or -1 at the end.
func (pp *packetParser) next() int {
	if pp.i >= len(pp.toks) {
		return -1
	}
	pp.i++
	return pp.i - 1
}

func (pp *packetParser) parse() (Packet, error) {
	var p Packet
	if len(pp.toks) == 0 {
		return p, pp.errEnd(errors.New("empty: want PROTO SRC > DST, e.g. tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]"))
	}

	// PROTO, or "proto N".
	i := pp.next()
	if strings.EqualFold(pp.toks[i].s, "proto") {
		j := pp.next()
		if j < 0 {
			return p, pp.errEnd(errors.New("missing protocol number after proto"))
		}
		i = j
	}
	proto, err := ParseProto(pp.toks[i].s)
	if err != nil {
		return p, pp.errAt(i, err)
	}
	p.Proto = proto

	// SRC > DST.
	i = pp.next()
	if i < 0 {
		return p, pp.errEnd(errors.New("missing source address"))
	}
	if p.Src, p.SrcPort, err = parseEndpoint(proto, pp.toks[i].s); err != nil {
		return p, pp.errAt(i, err)
	}
	if err := checkProtoFamily(proto, p.Src); err != nil {
		return p, pp.errAt(i, err)
	}
	srcTok := i
	i = pp.next()
	if i < 0 {
		return p, pp.errEnd(errors.New(`missing ">" and destination`))
	}
	if pp.toks[i].s != ">" {
		return p, pp.errAt(i, errors.New(`want ">" between source and destination`))
	}
	i = pp.next()
	if i < 0 {
		return p, pp.errEnd(errors.New("missing destination address"))
	}
	if p.Dst, p.DstPort, err = parseEndpoint(proto, pp.toks[i].s); err != nil {
		return p, pp.errAt(i, err)
	}
	if p.Dst.Is4() != p.Src.Is4() {
		return p, pp.errAt(i, fmt.Errorf("destination is %s but source %s is %s", family(p.Dst), pp.toks[srcTok].s, family(p.Src)))
	}

	// The part each protocol requires.
	switch {
	case proto == TCP:
		i = pp.next()
		if i < 0 {
			return p, pp.errEnd(errors.New("missing tcp flags: want [S], [S.], [.], [P.], [F.], [R] or [R.]"))
		}
		t := pp.toks[i].s
		if !strings.HasPrefix(t, "[") || !strings.HasSuffix(t, "]") || len(t) < 2 {
			return p, pp.errAt(i, errors.New("want tcp flags in brackets: [S], [S.], [.], [P.], [F.], [R] or [R.]"))
		}
		if p.Flags, err = ParseTCPFlags(t); err != nil {
			return p, pp.errAt(i, err)
		}
	case proto.IsICMP():
		if err := pp.parseICMPType(&p); err != nil {
			return p, err
		}
	}

	// Extras: id N, len N.
	var seenID, seenLen bool
	for {
		i = pp.next()
		if i < 0 {
			break
		}
		t := pp.toks[i].s
		switch kw := strings.ToLower(t); {
		case kw == "id":
			if !proto.IsICMP() {
				return p, pp.errAt(i, fmt.Errorf("id is for icmp and icmpv6 queries, not %s", proto))
			}
			if seenID {
				return p, pp.errAt(i, errors.New("id given twice"))
			}
			seenID = true
			n, err := pp.number("id", 16)
			if err != nil {
				return p, err
			}
			p.ICMPID = uint16(n)
		case kw == "len":
			if seenLen {
				return p, pp.errAt(i, errors.New("len given twice"))
			}
			seenLen = true
			n, err := pp.number("len", 16)
			if err != nil {
				return p, err
			}
			p.Length = uint16(n)
		case strings.HasPrefix(t, "[") && proto == TCP:
			return p, pp.errAt(i, errors.New("tcp flags given twice"))
		case strings.HasPrefix(t, "["):
			return p, pp.errAt(i, fmt.Errorf("tcp flags on a %s packet", proto))
		default:
			want := "len N"
			if proto.IsICMP() {
				want = "id N or len N"
			}
			return p, pp.errAt(i, fmt.Errorf("unexpected token: want %s or the end", want))
		}
	}
	return p, nil
}

// parseICMPType reads echo-request, echo-reply or type T [code C].
func (pp *packetParser) parseICMPType(p *Packet) error {
	i := pp.next()
	if i < 0 {
		return pp.errEnd(fmt.Errorf("missing %s type: want echo-request, echo-reply or type T code C", p.Proto))
	}
	switch strings.ToLower(pp.toks[i].s) {
	case "echo-request":
		p.ICMPType = ICMPEchoRequest
		if p.Proto == ICMPv6 {
			p.ICMPType = ICMPv6EchoRequest
		}
		return nil
	case "echo-reply":
		p.ICMPType = ICMPEchoReply
		if p.Proto == ICMPv6 {
			p.ICMPType = ICMPv6EchoReply
		}
		return nil
	case "type":
		n, err := pp.number("type", 8)
		if err != nil {
			return err
		}
		p.ICMPType = uint8(n)
		if pp.i < len(pp.toks) && strings.EqualFold(pp.toks[pp.i].s, "code") {
			pp.i++
			n, err := pp.number("code", 8)
			if err != nil {
				return err
			}
			p.ICMPCode = uint8(n)
		}
		return nil
	}
	return pp.errAt(i, fmt.Errorf("want %s type: echo-request, echo-reply or type T code C", p.Proto))
}

// number reads the decimal number that follows keyword kw.
func (pp *packetParser) number(kw string, bits int) (uint64, error) {
	i := pp.next()
	if i < 0 {
		return 0, pp.errEnd(fmt.Errorf("missing number after %s", kw))
	}
	t := pp.toks[i].s
	n, err := strconv.ParseUint(t, 10, bits)
	if err != nil {
		return 0, pp.errAt(i, fmt.Errorf("bad %s %q: want a number 0..%d", kw, t, uint64(1)<<bits-1))
	}
	return n, nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// parseEndpoint reads SRC or DST: ADDR:PORT for protocols with ports,
// ADDR otherwise.
func parseEndpoint(proto Proto, s string) (netip.Addr, uint16, error) {
	if strings.Contains(s, ">") {
		return netip.Addr{}, 0, errors.New(`put spaces around ">"`)
	}
	if proto.HasPorts() {
		return parseAddrPort(proto, s)
	}
	host := s
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	} else if _, err := netip.ParseAddrPort(s); err == nil {
		return netip.Addr{}, 0, fmt.Errorf("%s has no ports: write the address alone", proto)
	}
	a, err := parseAddr(host)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	if host != s && !a.Is6() {
		return netip.Addr{}, 0, fmt.Errorf("brackets are for IPv6 addresses: write %s", a)
	}
	return a, 0, nil
}

func parseAddrPort(proto Proto, s string) (netip.Addr, uint16, error) {
	var host, port string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, 0, errors.New(`missing "]" after the IPv6 address`)
		}
		host, port = s[1:end], s[end+1:]
		if port == "" {
			return netip.Addr{}, 0, fmt.Errorf("missing port: %s needs [ADDR]:PORT", proto)
		}
		if port[0] != ':' {
			return netip.Addr{}, 0, errors.New(`want ":" and a port after "]"`)
		}
		port = port[1:]
		a, err := parseAddr(host)
		if err != nil {
			return netip.Addr{}, 0, err
		}
		if !a.Is6() {
			return netip.Addr{}, 0, fmt.Errorf("brackets are for IPv6 addresses: write %s:%s", a, port)
		}
		n, err := parsePort(port)
		return a, n, err
	}
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 {
		return netip.Addr{}, 0, fmt.Errorf("missing port: %s needs ADDR:PORT", proto)
	}
	if strings.IndexByte(s[:colon], ':') >= 0 {
		if a, err := netip.ParseAddr(s); err == nil {
			return netip.Addr{}, 0, fmt.Errorf("missing port: %s needs [ADDR]:PORT, e.g. [%s]:443", proto, a)
		}
		return netip.Addr{}, 0, errors.New("an IPv6 address with a port needs brackets, e.g. [2001:db8::1]:443")
	}
	host, port = s[:colon], s[colon+1:]
	a, err := parseAddr(host)
	if err != nil {
		return netip.Addr{}, 0, err
	}
	n, err := parsePort(port)
	return a, n, err
}

func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, errors.New(`missing port after ":"`)
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad port %q: want a number 0..65535", s)
	}
	return uint16(n), nil
}

func parseAddr(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, errors.New("missing address")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q", s)
	}
	if err := checkAddr(a); err != nil {
		return netip.Addr{}, err
	}
	return a, nil
}
