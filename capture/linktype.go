package capture

import (
	"fmt"

	"github.com/google/gopacket/layers"
)

// LinkType is the link-layer header type of a capture (pcap's LINKTYPE_
// numbers): what each frame of the capture starts with. A pcap file gives
// it in its header, a pcapng file in each interface block. It has 16 bits,
// where gopacket's layers.LinkType has 8 and so cannot tell LINUX_SLL2
// (276) from 20.
type LinkType uint16

// The link types pfsim reads.
const (
	LinkEthernet  LinkType = 1   // Ethernet, with 802.1Q and QinQ tags
	LinkRawIP12   LinkType = 12  // raw IP, as some systems wrote it before 101
	LinkRawIP     LinkType = 101 // raw IP, either version
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture (tcpdump -i any, before libpcap 1.10)
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture, version 2 (tcpdump -i any)
)

// String returns the number and, when known, the name: "1 (ETHERNET)",
// "276 (LINUX_SLL2)", "105 (IEEE802_11)".
func (l LinkType) String() string {
	var name string
	switch l {
	case LinkEthernet:
		name = "ETHERNET"
	case LinkRawIP12, LinkRawIP:
		name = "RAW"
	case LinkLinuxSLL:
		name = "LINUX_SLL"
	case LinkIPv4:
		name = "IPV4"
	case LinkIPv6:
		name = "IPV6"
	case LinkLinuxSLL2:
		name = "LINUX_SLL2"
	default:
		// gopacket's table names the other types under 256.
		if l < 256 {
			if m := layers.LinkTypeMetadata[l]; m.Name != "" && m.Name != "UnknownLinkType" {
				name = m.Name
			}
		}
	}
	if name == "" {
		return fmt.Sprintf("%d", uint16(l))
	}
	return fmt.Sprintf("%d (%s)", uint16(l), name)
}

// NewLinkDecoder returns a decoder for the frames of a capture of link
// type lt:
//
//	1         Ethernet, with 802.1Q and QinQ (802.1ad) tags
//	113       Linux cooked capture (SLL)
//	276       Linux cooked capture, version 2 (SLL2)
//	12, 101   raw IP, either version (read from each packet's first byte)
//	228, 229  raw IPv4, raw IPv6
//
// Any other link type gives a *LinkTypeError.
func NewLinkDecoder(lt LinkType) (*Decoder, error) {
	switch lt {
	case LinkEthernet:
		return NewDecoder(layers.LayerTypeEthernet), nil
	case LinkLinuxSLL:
		return NewDecoder(layers.LayerTypeLinuxSLL), nil
	case LinkLinuxSLL2:
		d := NewDecoder(layers.LayerTypeLinuxSLL)
		d.sll.v2 = true
		return d, nil
	case LinkRawIP, LinkRawIP12:
		return NewRawIPDecoder(), nil
	case LinkIPv4:
		return NewDecoder(layers.LayerTypeIPv4), nil
	case LinkIPv6:
		return NewDecoder(layers.LayerTypeIPv6), nil
	}
	return nil, &LinkTypeError{LinkType: lt}
}

// LinkTypeError reports a capture, or an interface of a pcapng capture,
// whose link type pfsim does not read.
type LinkTypeError struct {
	LinkType LinkType
}

// Error names the link type and the ones pfsim reads.
func (e *LinkTypeError) Error() string {
	return "link type " + e.LinkType.String() + " not supported: pfsim reads Ethernet (1), Linux cooked captures (113, 276) and raw IP (12, 101, 228, 229)"
}
