package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/pfsim/pfsim/flow"
)

// ErrNotIP is wrapped by the error [Decoder.Decode] returns for a frame
// that carries no IP packet (ARP, LLDP, ...). A pcap reader can skip such
// frames with errors.Is(err, ErrNotIP).
var ErrNotIP = errors.New("not an IP packet")

// DecodeError reports a frame that [Decoder.Decode] cannot read: its
// length, the layer at fault and what is wrong, as in
//
//	frame 33 bytes: ipv4: truncated header (19 of 20 bytes)
type DecodeError struct {
	// Len is the frame's length in bytes.
	Len int
	// Layer names the layer at fault ("ethernet", "ipv4", "tcp", ...), or
	// is "" when the error is about the frame as a whole.
	Layer string
	// Err says what is wrong.
	Err error
}

// Error renders the error as "frame N bytes: LAYER: what is wrong".
func (e *DecodeError) Error() string {
	s := "frame " + strconv.Itoa(e.Len) + " bytes: "
	if e.Layer != "" {
		s += e.Layer + ": "
	}
	if e.Err == nil {
		return s + "invalid"
	}
	return s + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decoder turns raw frames into [flow.Packet] values with gopacket's
// DecodingLayerParser and layer structs the Decoder owns, so that decoding
// allocates nothing per frame (a test proves it). It reads Ethernet
// frames (with 802.1Q/QinQ tags), Linux "cooked" captures (SLL) and raw
// IPv4 or IPv6 packets; the transport headers it knows are TCP, UDP, ICMP
// and ICMPv6 (with echo identifiers). IPv6 routing, destination-options
// and fragment headers are skipped; a hop-by-hop header is read by
// gopacket, which allocates a little for each of its options.
//
// The commonest frame, untagged Ethernet carrying IPv4 and TCP or UDP, is
// decoded by calling the same gopacket layers directly, without the
// parser's dispatch; every other frame, and any frame one of those layers
// rejects, goes through the parser. Both ways give the same Packet and the
// same error for every frame (a property test and the fuzz test check it).
//
// Packet.Proto is the protocol the filters see: the IPv4 protocol field,
// or the IPv6 next header after the extension headers. Any other
// protocol (GRE, ESP, SCTP, IP-in-IP, ...) yields a Packet with Proto
// set and no ports; tunnels are not opened. A fragment other than the
// first carries no transport header: its ports, flags and ICMP fields
// are zero.
//
// Decode neither verifies checksums nor reassembles fragments: the
// filters do neither.
//
// A Decoder is not safe for concurrent use; give each goroutine its own.
type Decoder struct {
	first     gopacket.LayerType
	supported bool
	rawIP     bool
	slowOnly  bool // tests: always use the parser, never fast
	parser    *gopacket.DecodingLayerParser
	parser6   *gopacket.DecodingLayerParser // raw IP: used for version 6
	decoded   []gopacket.LayerType

	eth   layers.Ethernet
	vlan  layers.Dot1Q
	sll   sllLayer
	ip4   ip4Layer
	ip6   ip6Layer
	ext   ip6ExtLayer
	frag  ip6FragLayer
	tcp   tcpLayer
	udp   udpLayer
	icmp4 icmp4Layer
	icmp6 icmp6Layer
	echo6 layers.ICMPv6Echo
}

// NewDecoder returns a decoder for frames whose first layer is first:
// layers.LayerTypeEthernet for Ethernet frames (pcap link type 1),
// layers.LayerTypeLinuxSLL for Linux cooked captures (link type 113),
// layers.LayerTypeIPv4 or layers.LayerTypeIPv6 for raw IP of one version.
// For raw IP of either version use [NewRawIPDecoder]. With any other
// first layer, Decode returns an error.
func NewDecoder(first gopacket.LayerType) *Decoder {
	d := &Decoder{first: first, decoded: make([]gopacket.LayerType, 0, 16)}
	switch first {
	case layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeIPv4, layers.LayerTypeIPv6:
		d.supported = true
	}
	// Room for the most options a header can hold (40 bytes of options,
	// one byte each at least), so that gopacket never grows these slices:
	// a Linux SYN already carries 5 TCP options, one more than gopacket's
	// built-in array.
	d.tcp.Options = make([]layers.TCPOption, 0, 40)
	d.ip4.Options = make([]layers.IPv4Option, 0, 40)
	d.parser = d.newParser(first)
	return d
}

// NewRawIPDecoder returns a decoder for raw IP packets that reads the IP
// version from each packet's first byte (pcap link types 12 and 101,
// "raw IP", and a TUN device's packets).
func NewRawIPDecoder() *Decoder {
	d := NewDecoder(layers.LayerTypeIPv4)
	d.rawIP = true
	d.parser6 = d.newParser(layers.LayerTypeIPv6)
	return d
}

func (d *Decoder) newParser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	p := gopacket.NewDecodingLayerParser(first)
	// Layers past the ones pfsim needs (ARP, LLC, application protocols)
	// end decoding without an error; fill checks that an IP layer came.
	p.IgnoreUnsupported = true
	// The sparse container indexes decoders by layer type: the fastest of
	// gopacket's three, and small for these types (the largest is 132).
	dlc := gopacket.DecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for _, l := range []gopacket.DecodingLayer{
		&d.eth, &d.vlan, &d.sll, &d.ip4, &d.ip6, &d.ext, &d.frag,
		&d.tcp, &d.udp, &d.icmp4, &d.icmp6, &d.echo6,
	} {
		dlc = dlc.Put(l)
	}
	p.SetDecodingLayerContainer(dlc)
	return p
}

// Decode reads one frame into p, overwriting every field. Length is the
// IP packet's length from its header (IPv4 total length; IPv6 40 + payload
// length, 0 for a jumbogram), even when the capture holds fewer bytes. On
// error p is the zero Packet and the error is a *DecodeError that names
// the layer at fault; it wraps ErrNotIP for a frame without an IP packet.
//
// Decode does not allocate on success (except for IPv6 hop-by-hop
// options, see [Decoder]), and never panics, whatever the bytes. p does
// not alias frame.
func (d *Decoder) Decode(frame []byte, p *flow.Packet) error {
	// p is written once, on success; only a failure zeroes it.
	if err := d.decode(frame, p); err != nil {
		*p = flow.Packet{}
		return err
	}
	return nil
}

func (d *Decoder) decode(frame []byte, p *flow.Packet) error {
	if !d.supported {
		return &DecodeError{Len: len(frame), Err: fmt.Errorf("decoder cannot start at layer %v: want Ethernet, Linux SLL, IPv4 or IPv6", d.first)}
	}
	if len(frame) == 0 {
		return &DecodeError{Err: errors.New("empty frame")}
	}
	if d.first == layers.LayerTypeEthernet && !d.slowOnly && d.fast(frame, p) {
		return nil
	}
	parser, first := d.parser, d.first
	if d.rawIP {
		switch v := frame[0] >> 4; v {
		case 4:
		case 6:
			parser, first = d.parser6, layers.LayerTypeIPv6
		default:
			return &DecodeError{Len: len(frame), Layer: "ip", Err: fmt.Errorf("version %d, want 4 or 6", v)}
		}
	}
	if err := parser.DecodeLayers(frame, &d.decoded); err != nil {
		return d.layerError(frame, first, err)
	}
	return d.fill(frame, p)
}

// fast decodes the commonest frame, Ethernet II carrying IPv4 and TCP or
// UDP, with the same gopacket layers the parser uses, called directly in
// the order the parser would call them (no container lookups, no calls
// through interfaces), and writes p as fill would. It reports false,
// having written nothing to p, when the frame is anything else or a layer
// fails; the parser then decodes the frame from the start and reports
// what is wrong.
func (d *Decoder) fast(frame []byte, p *flow.Packet) bool {
	// The EtherType of an untagged IPv4 frame, before any decoding.
	if len(frame) < 14 || frame[12] != 0x08 || frame[13] != 0x00 {
		return false
	}
	df := gopacket.NilDecodeFeedback
	if d.eth.DecodeFromBytes(frame, df) != nil || d.eth.EthernetType != layers.EthernetTypeIPv4 || len(d.eth.Payload) == 0 {
		return false
	}
	ip := &d.ip4
	if ip.DecodeFromBytes(d.eth.Payload, df) != nil || ip.Version != 4 || len(ip.Payload) == 0 ||
		len(ip.SrcIP) != 4 || len(ip.DstIP) != 4 {
		return false
	}
	var sport, dport uint16
	var flags flow.TCPFlags
	// NextLayerType is LayerTypeZero for a fragment after the first.
	switch ip.NextLayerType() {
	case layers.LayerTypeTCP:
		if d.tcp.DecodeFromBytes(ip.Payload, df) != nil {
			return false
		}
		sport, dport, flags = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort), flow.TCPFlags(d.tcp.Contents[13])
	case layers.LayerTypeUDP:
		if d.udp.DecodeFromBytes(ip.Payload, df) != nil {
			return false
		}
		sport, dport = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
	default:
		return false
	}
	*p = flow.Packet{
		Proto: flow.Proto(ip.Protocol),
		Src:   netip.AddrFrom4([4]byte(ip.SrcIP)), Dst: netip.AddrFrom4([4]byte(ip.DstIP)),
		SrcPort: sport, DstPort: dport, Flags: flags, Length: ip.Length,
	}
	return true
}

// fill reads the decoded layers into p.
func (d *Decoder) fill(frame []byte, p *flow.Packet) error {
	var (
		q         flow.Packet
		ipType    gopacket.LayerType
		proto     layers.IPProtocol
		later     bool // a fragment after the first: no transport header
		transport bool
		echo      bool
	)
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			if d.ip4.Version != 4 {
				return &DecodeError{Len: len(frame), Layer: "ipv4", Err: fmt.Errorf("version field is %d, not 4", d.ip4.Version)}
			}
			if len(d.ip4.SrcIP) != 4 || len(d.ip4.DstIP) != 4 {
				return &DecodeError{Len: len(frame), Layer: "ipv4", Err: errors.New("bad address length")}
			}
			// The conversions copy the 4 bytes out of the frame.
			q.Src = netip.AddrFrom4([4]byte(d.ip4.SrcIP))
			q.Dst = netip.AddrFrom4([4]byte(d.ip4.DstIP))
			q.Length = d.ip4.Length
			proto = d.ip4.Protocol
			later = d.ip4.FragOffset != 0
			ipType = t
		case layers.LayerTypeIPv6:
			if d.ip6.Version != 6 {
				return &DecodeError{Len: len(frame), Layer: "ipv6", Err: fmt.Errorf("version field is %d, not 6", d.ip6.Version)}
			}
			if len(d.ip6.SrcIP) != 16 || len(d.ip6.DstIP) != 16 {
				return &DecodeError{Len: len(frame), Layer: "ipv6", Err: errors.New("bad address length")}
			}
			q.Src = netip.AddrFrom16([16]byte(d.ip6.SrcIP))
			q.Dst = netip.AddrFrom16([16]byte(d.ip6.DstIP))
			if n := 40 + int(d.ip6.Length); d.ip6.Length != 0 && n <= 0xffff {
				q.Length = uint16(n)
			}
			proto = d.ip6.next()
			ipType = t
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
			proto = d.ext.next
		case layers.LayerTypeIPv6Fragment:
			proto = d.frag.next
			later = d.frag.offset != 0
		case layers.LayerTypeTCP:
			q.SrcPort, q.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			// Byte 13 of the header holds the flags in the bit order of
			// TCPFlags (FIN = 1 ... CWR = 128).
			q.Flags = flow.TCPFlags(d.tcp.Contents[13])
			transport = true
		case layers.LayerTypeUDP:
			q.SrcPort, q.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			transport = true
		case layers.LayerTypeICMPv4:
			q.ICMPType, q.ICMPCode = d.icmp4.TypeCode.Type(), d.icmp4.TypeCode.Code()
			if _, ok := flow.ICMPQuery(flow.ICMP, q.ICMPType); ok {
				q.ICMPID = d.icmp4.Id
			}
			transport = true
		case layers.LayerTypeICMPv6:
			q.ICMPType, q.ICMPCode = d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code()
			transport = true
			if _, ok := flow.ICMPQuery(flow.ICMPv6, q.ICMPType); ok && !isEcho6(q.ICMPType) {
				// Node information queries (139, 140): the identifier
				// field sits where echo keeps its own, as Linux reads it.
				if pl := d.icmp6.Payload; len(pl) >= 2 {
					q.ICMPID = uint16(pl[0])<<8 | uint16(pl[1])
				} else {
					return &DecodeError{Len: len(frame), Layer: "icmpv6", Err: fmt.Errorf("truncated query header (%d of 2 bytes)", len(pl))}
				}
			}
		case layers.LayerTypeICMPv6Echo:
			q.ICMPID = d.echo6.Identifier
			echo = true
		}
	}
	if ipType == 0 {
		return d.notIP(frame)
	}
	q.Proto = flow.Proto(proto)
	if !transport && !later {
		need := 0
		switch {
		case q.Proto == flow.TCP:
			need = 20
		case q.Proto == flow.UDP, q.Proto == flow.ICMP && ipType == layers.LayerTypeIPv4:
			need = 8
		case q.Proto == flow.ICMPv6 && ipType == layers.LayerTypeIPv6:
			need = 4
		}
		if need > 0 {
			return &DecodeError{Len: len(frame), Layer: q.Proto.String(), Err: fmt.Errorf("truncated header (0 of %d bytes)", need)}
		}
	}
	if q.Proto == flow.ICMPv6 && transport && isEcho6(q.ICMPType) && !echo {
		return &DecodeError{Len: len(frame), Layer: "icmpv6 echo", Err: errors.New("truncated header (0 of 4 bytes)")}
	}
	*p = q
	return nil
}

func isEcho6(t uint8) bool { return t == flow.ICMPv6EchoRequest || t == flow.ICMPv6EchoReply }

// notIP builds the error for a frame whose link layer carries something
// other than IP.
func (d *Decoder) notIP(frame []byte) error {
	layer, et := "", -1
	if n := len(d.decoded); n > 0 {
		switch d.decoded[n-1] {
		case layers.LayerTypeEthernet:
			layer, et = "ethernet", int(d.eth.EthernetType)
		case layers.LayerTypeDot1Q:
			layer, et = "802.1q", int(d.vlan.Type)
		case layers.LayerTypeLinuxSLL:
			layer, et = d.layerName(layers.LayerTypeLinuxSLL), int(d.sll.etype)
		}
	}
	if et >= 0 {
		return &DecodeError{Len: len(frame), Layer: layer, Err: fmt.Errorf("%w: ethernet type 0x%04x (%v)", ErrNotIP, et, layers.EthernetType(et))}
	}
	return &DecodeError{Len: len(frame), Layer: layer, Err: ErrNotIP}
}

// layerError turns a parser error into a *DecodeError naming the layer
// that failed: the one after the last layer decoded.
func (d *Decoder) layerError(frame []byte, first gopacket.LayerType, err error) error {
	typ, data := first, frame
	if n := len(d.decoded); n > 0 {
		if last := d.layer(d.decoded[n-1]); last != nil {
			typ, data = last.NextLayerType(), last.LayerPayload()
		}
	}
	return &DecodeError{Len: len(frame), Layer: d.layerName(typ), Err: d.describeLayerError(typ, data, err)}
}

// layerName is the package's layerName, with SLL2 named as such.
func (d *Decoder) layerName(t gopacket.LayerType) string {
	if t == layers.LayerTypeLinuxSLL && d.sll.v2 {
		return "linux-sll2"
	}
	return layerName(t)
}

// describeLayerError is the package's describeLayerError, with the length
// of an SLL2 header.
func (d *Decoder) describeLayerError(t gopacket.LayerType, data []byte, err error) error {
	if t == layers.LayerTypeLinuxSLL && d.sll.v2 && len(data) < 20 {
		return fmt.Errorf("truncated header (%d of 20 bytes)", len(data))
	}
	return describeLayerError(t, data, err)
}

// layer returns the decoding layer of type t.
func (d *Decoder) layer(t gopacket.LayerType) gopacket.DecodingLayer {
	switch t {
	case layers.LayerTypeEthernet:
		return &d.eth
	case layers.LayerTypeDot1Q:
		return &d.vlan
	case layers.LayerTypeLinuxSLL:
		return &d.sll
	case layers.LayerTypeIPv4:
		return &d.ip4
	case layers.LayerTypeIPv6:
		return &d.ip6
	case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		return &d.ext
	case layers.LayerTypeIPv6Fragment:
		return &d.frag
	case layers.LayerTypeTCP:
		return &d.tcp
	case layers.LayerTypeUDP:
		return &d.udp
	case layers.LayerTypeICMPv4:
		return &d.icmp4
	case layers.LayerTypeICMPv6:
		return &d.icmp6
	case layers.LayerTypeICMPv6Echo:
		return &d.echo6
	}
	return nil
}

func layerName(t gopacket.LayerType) string {
	switch t {
	case layers.LayerTypeEthernet:
		return "ethernet"
	case layers.LayerTypeDot1Q:
		return "802.1q"
	case layers.LayerTypeLinuxSLL:
		return "linux-sll"
	case layers.LayerTypeIPv4:
		return "ipv4"
	case layers.LayerTypeIPv6:
		return "ipv6"
	case layers.LayerTypeIPv6Routing:
		return "ipv6 routing header"
	case layers.LayerTypeIPv6Destination:
		return "ipv6 destination options"
	case layers.LayerTypeIPv6Fragment:
		return "ipv6 fragment header"
	case layers.LayerTypeTCP:
		return "tcp"
	case layers.LayerTypeUDP:
		return "udp"
	case layers.LayerTypeICMPv4:
		return "icmp"
	case layers.LayerTypeICMPv6:
		return "icmpv6"
	case layers.LayerTypeICMPv6Echo:
		return "icmpv6 echo"
	}
	return "layer " + t.String()
}

// headerLen returns how many bytes the header of layer t needs, reading
// its length field when data holds it.
func headerLen(t gopacket.LayerType, data []byte) int {
	switch t {
	case layers.LayerTypeEthernet:
		return 14
	case layers.LayerTypeDot1Q:
		return 4
	case layers.LayerTypeLinuxSLL:
		return 16
	case layers.LayerTypeIPv4:
		if len(data) >= 1 && data[0]&0x0f > 5 {
			return int(data[0]&0x0f) * 4
		}
		return 20
	case layers.LayerTypeIPv6:
		return 40
	case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		if len(data) >= 2 {
			return (int(data[1]) + 1) * 8
		}
		return 2
	case layers.LayerTypeIPv6Fragment:
		return 8
	case layers.LayerTypeTCP:
		if len(data) >= 13 && data[12]>>4 > 5 {
			return int(data[12]>>4) * 4
		}
		return 20
	case layers.LayerTypeUDP, layers.LayerTypeICMPv4:
		return 8
	case layers.LayerTypeICMPv6, layers.LayerTypeICMPv6Echo:
		return 4
	}
	return 0
}

// describeLayerError says what is wrong with layer t's bytes: a
// truncated header in pfsim's words, anything else in gopacket's.
func describeLayerError(t gopacket.LayerType, data []byte, err error) error {
	if need := headerLen(t, data); len(data) < need {
		return fmt.Errorf("truncated header (%d of %d bytes)", len(data), need)
	}
	return lowerError{err}
}

// lowerError shows gopacket's messages in Go's error style: lower case
// first ("Invalid TCP data offset" becomes "invalid TCP data offset";
// "IPv6 length 0" stays).
type lowerError struct{ err error }

func (e lowerError) Error() string {
	s := e.err.Error()
	r, n := utf8.DecodeRuneInString(s)
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r) && !unicode.IsUpper(r2) {
		return string(unicode.ToLower(r)) + s[n:]
	}
	return s
}

func (e lowerError) Unwrap() error { return e.err }

// transportType returns the layer that follows an IP header whose
// protocol (IPv4) or next header (IPv6) is proto, or LayerTypeZero to stop
// decoding there: pfsim reads TCP, UDP and the family's ICMP, steps over
// IPv6 extension headers, and never decodes a tunnel's inner packet
// (IP-in-IP would overwrite the outer header, which the filters see).
func transportType(proto layers.IPProtocol, v6 bool) gopacket.LayerType {
	switch proto {
	case layers.IPProtocolTCP:
		return layers.LayerTypeTCP
	case layers.IPProtocolUDP:
		return layers.LayerTypeUDP
	case layers.IPProtocolICMPv4:
		if !v6 {
			return layers.LayerTypeICMPv4
		}
	case layers.IPProtocolICMPv6:
		if v6 {
			return layers.LayerTypeICMPv6
		}
	case layers.IPProtocolIPv6Routing:
		if v6 {
			return layers.LayerTypeIPv6Routing
		}
	case layers.IPProtocolIPv6Destination:
		if v6 {
			return layers.LayerTypeIPv6Destination
		}
	case layers.IPProtocolIPv6Fragment:
		if v6 {
			return layers.LayerTypeIPv6Fragment
		}
	}
	return gopacket.LayerTypeZero
}

// The layer wrappers below keep gopacket's decoding and change only where
// decoding goes next (transportType), so that the parser stops at the
// transport header instead of guessing application protocols from ports.

type ip4Layer struct{ layers.IPv4 }

func (l *ip4Layer) NextLayerType() gopacket.LayerType {
	if l.FragOffset != 0 {
		return gopacket.LayerTypeZero
	}
	return transportType(l.Protocol, false)
}

type ip6Layer struct{ layers.IPv6 }

// next returns the next header after the fixed header and, when there is
// one, the hop-by-hop header (gopacket reads that one with the fixed
// header).
func (l *ip6Layer) next() layers.IPProtocol {
	if l.HopByHop != nil {
		return l.HopByHop.NextHeader
	}
	return l.NextHeader
}

func (l *ip6Layer) NextLayerType() gopacket.LayerType { return transportType(l.next(), true) }

type tcpLayer struct{ layers.TCP }

func (l *tcpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

type udpLayer struct{ layers.UDP }

func (l *udpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

type icmp4Layer struct{ layers.ICMPv4 }

func (l *icmp4Layer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

type icmp6Layer struct{ layers.ICMPv6 }

func (l *icmp6Layer) NextLayerType() gopacket.LayerType {
	if isEcho6(l.TypeCode.Type()) {
		return layers.LayerTypeICMPv6Echo
	}
	return gopacket.LayerTypeZero
}

// errTruncated is returned by pfsim's own layers; layerError rewrites it
// with the byte counts.
var errTruncated = errors.New("truncated header")

// ip6ExtLayer steps over an IPv6 routing or destination-options header:
// next header, length in 8-octet units after the first 8.
type ip6ExtLayer struct {
	next    layers.IPProtocol
	payload []byte
}

var ip6ExtClass = gopacket.NewLayerClass([]gopacket.LayerType{layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination})

func (l *ip6ExtLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 2 || len(data) < (int(data[1])+1)*8 {
		df.SetTruncated()
		return errTruncated
	}
	l.next = layers.IPProtocol(data[0])
	l.payload = data[(int(data[1])+1)*8:]
	return nil
}

func (l *ip6ExtLayer) CanDecode() gopacket.LayerClass    { return ip6ExtClass }
func (l *ip6ExtLayer) NextLayerType() gopacket.LayerType { return transportType(l.next, true) }
func (l *ip6ExtLayer) LayerPayload() []byte              { return l.payload }

// sllLayer reads a Linux cooked-capture header. Version 1 (SLL, link
// type 113) has 16 bytes: packet type, address type, address length, 8
// address bytes, protocol. Version 2 (SLL2, link type 276, what tcpdump
// -i any writes since libpcap 1.10) has 20: protocol, reserved, interface
// index, address type, packet type, address length, 8 address bytes. It
// stands in for gopacket's LinuxSLL, which slices the address by its
// length field unchecked and panics on a length over the 8 bytes the
// header holds; gopacket has no SLL2 layer.
type sllLayer struct {
	v2      bool // the header is SLL2's; set once, by NewLinkDecoder
	etype   layers.EthernetType
	payload []byte
}

// size returns the length of the header.
func (l *sllLayer) size() int {
	if l.v2 {
		return 20
	}
	return 16
}

func (l *sllLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := l.size()
	if len(data) < n {
		df.SetTruncated()
		return errTruncated
	}
	at := 14 // the protocol field
	if l.v2 {
		at = 0
	}
	l.etype = layers.EthernetType(uint16(data[at])<<8 | uint16(data[at+1]))
	l.payload = data[n:]
	return nil
}

func (l *sllLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeLinuxSLL }
func (l *sllLayer) NextLayerType() gopacket.LayerType { return l.etype.LayerType() }
func (l *sllLayer) LayerPayload() []byte              { return l.payload }

// ip6FragLayer reads an IPv6 fragment header (8 bytes) and goes on to the
// transport header only in the first fragment.
type ip6FragLayer struct {
	next    layers.IPProtocol
	offset  uint16
	payload []byte
}

func (l *ip6FragLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		df.SetTruncated()
		return errTruncated
	}
	l.next = layers.IPProtocol(data[0])
	l.offset = (uint16(data[2])<<8 | uint16(data[3])) >> 3
	l.payload = data[8:]
	return nil
}

func (l *ip6FragLayer) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Fragment }

func (l *ip6FragLayer) NextLayerType() gopacket.LayerType {
	if l.offset != 0 {
		return gopacket.LayerTypeZero
	}
	return transportType(l.next, true)
}

func (l *ip6FragLayer) LayerPayload() []byte { return l.payload }
