// Package pcaptest writes captures for tests and benchmarks: IP packets
// built from flow.Packet values, wrapped in the link-layer headers pfsim
// reads (Ethernet with or without 802.1Q/QinQ tags, Linux cooked captures
// SLL and SLL2, raw IP), in pcap or pcapng files of either byte order.
//
// The writers are pfsim's own, not pcapgo's, because pcapgo's hold a link
// type in a byte and cannot write LINUX_SLL2 (276), and write only one
// byte order. Only tests and benchmarks use this package.
package pcaptest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/pfsim/pfsim/flow"
)

// Link types (pcap's LINKTYPE_ numbers).
const (
	Ethernet uint16 = 1
	RawIP    uint16 = 101
	SLL      uint16 = 113
	IPv4     uint16 = 228
	IPv6     uint16 = 229
	SLL2     uint16 = 276
)

// IP returns the IP packet p describes, checksums computed: the IP
// header, the transport header (TCP with the packet's flags, UDP, ICMP or
// ICMPv6 with its type, code and, for queries, identifier) and zero bytes
// up to p.Length when that is longer. Ports, flags and ICMP fields that
// p's protocol does not have are ignored; another protocol gets its
// number and no transport header. It fails only when gopacket cannot
// serialize the layers.
func IP(p flow.Packet) ([]byte, error) {
	var (
		net6  gopacket.NetworkLayer
		ls    []gopacket.SerializableLayer
		hdrs  = 20
		proto = layers.IPProtocol(p.Proto)
	)
	if p.Src.Is4() {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, Flags: layers.IPv4DontFragment,
			SrcIP: net.IP(p.Src.AsSlice()), DstIP: net.IP(p.Dst.AsSlice())}
		net6, ls = ip, append(ls, ip)
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: net.IP(p.Src.AsSlice()), DstIP: net.IP(p.Dst.AsSlice())}
		net6, ls, hdrs = ip, append(ls, ip), 40
	}
	switch {
	case p.Proto == flow.TCP:
		f := p.Flags
		t := &layers.TCP{SrcPort: layers.TCPPort(p.SrcPort), DstPort: layers.TCPPort(p.DstPort), Seq: 1, Window: 65535,
			FIN: f.Has(flow.FIN), SYN: f.Has(flow.SYN), RST: f.Has(flow.RST), PSH: f.Has(flow.PSH),
			ACK: f.Has(flow.ACK), URG: f.Has(flow.URG), ECE: f.Has(flow.ECE), CWR: f.Has(flow.CWR)}
		if f.Has(flow.ACK) {
			t.Ack = 1
		}
		_ = t.SetNetworkLayerForChecksum(net6)
		ls, hdrs = append(ls, t), hdrs+20
	case p.Proto == flow.UDP:
		u := &layers.UDP{SrcPort: layers.UDPPort(p.SrcPort), DstPort: layers.UDPPort(p.DstPort)}
		_ = u.SetNetworkLayerForChecksum(net6)
		ls, hdrs = append(ls, u), hdrs+8
	case p.Proto == flow.ICMP && p.Src.Is4():
		ls, hdrs = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(p.ICMPType, p.ICMPCode), Id: p.ICMPID, Seq: 1}), hdrs+8
	case p.Proto == flow.ICMPv6 && p.Src.Is6():
		c := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(p.ICMPType, p.ICMPCode)}
		_ = c.SetNetworkLayerForChecksum(net6)
		ls, hdrs = append(ls, c), hdrs+4
		if p.ICMPType == flow.ICMPv6EchoRequest || p.ICMPType == flow.ICMPv6EchoReply {
			ls, hdrs = append(ls, &layers.ICMPv6Echo{Identifier: p.ICMPID, SeqNumber: 1}), hdrs+4
		} else {
			ls, hdrs = append(ls, gopacket.Payload{0, 0, 0, 0}), hdrs+4
		}
	}
	if n := int(p.Length) - hdrs; n > 0 {
		ls = append(ls, gopacket.Payload(make([]byte, n)))
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return nil, fmt.Errorf("pcaptest: %v: %w", p, err)
	}
	return buf.Bytes(), nil
}

// Frame wraps the IP packet ip in the link-layer header of link type
// link. For Ethernet, each of vlans adds a tag, the outer first: one is
// 802.1Q, two are QinQ (an 802.1ad outer tag). Raw IP types take ip as
// it is. Another link type is an error.
func Frame(link uint16, ip []byte, vlans ...uint16) ([]byte, error) {
	etype := uint16(layers.EthernetTypeIPv4)
	if len(ip) > 0 && ip[0]>>4 == 6 {
		etype = uint16(layers.EthernetTypeIPv6)
	}
	var h []byte
	switch link {
	case Ethernet:
		h = []byte{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}
		for i, v := range vlans {
			tpid := uint16(layers.EthernetTypeDot1Q)
			if i == 0 && len(vlans) > 1 {
				tpid = uint16(layers.EthernetTypeQinQ)
			}
			h = binary.BigEndian.AppendUint16(h, tpid)
			h = binary.BigEndian.AppendUint16(h, v&0x0fff)
		}
		h = binary.BigEndian.AppendUint16(h, etype)
	case SLL:
		// Packet type (0: to us), ARPHRD_ETHER, address length 6, the
		// address in 8 bytes, protocol.
		h = []byte{0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0}
		h = binary.BigEndian.AppendUint16(h, etype)
	case SLL2:
		// Protocol, reserved, interface index 2, ARPHRD_ETHER, packet
		// type 0, address length 6, the address in 8 bytes.
		h = binary.BigEndian.AppendUint16(nil, etype)
		h = append(h, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0)
	case RawIP, IPv4, IPv6:
	default:
		return nil, fmt.Errorf("pcaptest: link type %d is not one pcaptest writes", link)
	}
	return append(h, ip...), nil
}

// FrameOf returns the frame of link type link that carries the IP packet p
// describes, as [IP] and [Frame] build them; a packet or link type they
// refuse fails the test tb.
func FrameOf(tb testing.TB, link uint16, p flow.Packet, vlans ...uint16) []byte {
	tb.Helper()
	ip, err := IP(p)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	f, err := Frame(link, ip, vlans...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return f
}

// byteOrder is what the writers need of a byte order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// Record is one packet of a capture: when it was seen and its frame.
type Record struct {
	Time  time.Time
	Frame []byte
	// Iface is the pcapng interface the packet was seen on, an index
	// into PCAPNG.Links; pcap files have one.
	Iface int
	// Orig is the packet's length on the wire, when the frame was cut
	// (a snap length); 0 means len(Frame).
	Orig int
}

// PCAP writes libpcap's format.
type PCAP struct {
	Link      uint16
	Nano      bool // nanosecond timestamps (magic a1b23c4d)
	BigEndian bool
	Snaplen   uint32 // 0 writes 262144
}

func (c PCAP) order() byteOrder {
	if c.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Header appends the 24-byte file header to b.
func (c PCAP) Header(b []byte) []byte {
	o := c.order()
	magic := uint32(0xa1b2c3d4)
	if c.Nano {
		magic = 0xa1b23c4d
	}
	snap := c.Snaplen
	if snap == 0 {
		snap = 262144
	}
	b = o.AppendUint32(b, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, snap)
	return o.AppendUint32(b, uint32(c.Link))
}

// Record appends one record to b.
func (c PCAP) Record(b []byte, r Record) []byte {
	o := c.order()
	frac := uint32(r.Time.Nanosecond() / 1000)
	if c.Nano {
		frac = uint32(r.Time.Nanosecond())
	}
	orig := r.Orig
	if orig == 0 {
		orig = len(r.Frame)
	}
	b = o.AppendUint32(b, uint32(r.Time.Unix()))
	b = o.AppendUint32(b, frac)
	b = o.AppendUint32(b, uint32(len(r.Frame)))
	b = o.AppendUint32(b, uint32(orig))
	return append(b, r.Frame...)
}

// Write writes a whole file.
func (c PCAP) Write(w io.Writer, recs []Record) error {
	b := c.Header(nil)
	for _, r := range recs {
		b = c.Record(b, r)
	}
	_, err := w.Write(b)
	return err
}

// PCAPNG writes the pcapng format: one section, an interface block for
// each of Links (microsecond timestamps), and an enhanced packet block
// for each record (a simple packet block, which has no timestamp, when
// Simple is set).
type PCAPNG struct {
	Links     []uint16
	BigEndian bool
	Simple    bool
}

func (c PCAPNG) order() byteOrder {
	if c.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Header appends the section header and interface blocks to b.
func (c PCAPNG) Header(b []byte) []byte {
	o := c.order()
	b = block(o, b, 0x0A0D0D0A, func(b []byte) []byte {
		b = o.AppendUint32(b, 0x1A2B3C4D)
		b = o.AppendUint16(b, 1)
		b = o.AppendUint16(b, 0)
		return o.AppendUint64(b, ^uint64(0)) // section length not given
	})
	for _, l := range c.Links {
		b = block(o, b, 1, func(b []byte) []byte {
			b = o.AppendUint16(b, l)
			b = o.AppendUint16(b, 0)
			return o.AppendUint32(b, 262144)
		})
	}
	return b
}

// Record appends one packet block to b.
func (c PCAPNG) Record(b []byte, r Record) []byte {
	o := c.order()
	orig := r.Orig
	if orig == 0 {
		orig = len(r.Frame)
	}
	if c.Simple {
		return block(o, b, 3, func(b []byte) []byte {
			b = o.AppendUint32(b, uint32(orig))
			return appendPadded(b, r.Frame)
		})
	}
	return block(o, b, 6, func(b []byte) []byte {
		us := uint64(r.Time.UnixMicro())
		b = o.AppendUint32(b, uint32(r.Iface))
		b = o.AppendUint32(b, uint32(us>>32))
		b = o.AppendUint32(b, uint32(us))
		b = o.AppendUint32(b, uint32(len(r.Frame)))
		b = o.AppendUint32(b, uint32(orig))
		return appendPadded(b, r.Frame)
	})
}

// Write writes a whole file.
func (c PCAPNG) Write(w io.Writer, recs []Record) error {
	b := c.Header(nil)
	for _, r := range recs {
		b = c.Record(b, r)
	}
	_, err := w.Write(b)
	return err
}

// block appends a pcapng block of type typ whose body body appends.
func block(o byteOrder, b []byte, typ uint32, body func([]byte) []byte) []byte {
	start := len(b)
	b = o.AppendUint32(b, typ)
	b = o.AppendUint32(b, 0) // length, set below
	b = body(b)
	b = o.AppendUint32(b, 0)
	n := uint32(len(b) - start)
	o.PutUint32(b[start+4:], n)
	o.PutUint32(b[len(b)-4:], n)
	return b
}

// appendPadded appends data and zeros up to a multiple of 4 bytes.
func appendPadded(b, data []byte) []byte {
	b = append(b, data...)
	return append(b, make([]byte, (4-len(data)%4)%4)...)
}
