package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/google/gopacket/layers"
)

// pcapng block types (the pcapng specification, draft-ietf-opsawg-pcapng).
const (
	ngSectionHeader       = 0x0A0D0D0A
	ngInterfaceDesc       = 1
	ngPacket              = 2 // obsolete, still read
	ngSimplePacket        = 3
	ngInterfaceStats      = 5
	ngEnhancedPacket      = 6
	ngByteOrderMagic      = 0x1A2B3C4D
	ngOptEnd              = 0
	ngOptIfTSResol        = 9
	ngMaxBlock            = 16 << 20 // larger blocks are refused
	ngMaxLinkCodes        = 256      // distinct link types in one file
	maxSnaplen            = 262144   // tcpdump's MAXIMUM_SNAPLEN
	ngMinSectionHeaderLen = 28
)

// ngGuard stands between a pcapng file and gopacket's pcapgo.NgReader. It
// reads the file a block at a time, checks each block's framing and the
// fields pcapgo trusts, and hands the checked bytes on. pcapgo reads what
// a well-formed file holds, but on a malformed one it can panic (an
// if_tsresol of 64 or more divides by zero), allocate gigabytes (a
// captured length or snap length of 4 GiB is believed), or lose its place
// (an option longer than its block). The guard refuses such blocks with
// an error that says which block and what is wrong, and pcapgo returns
// that error in turn.
//
// It also keeps the link types whole: pcapgo holds a link type in a byte,
// which turns LINUX_SLL2 (276) into 20. The guard replaces each interface
// block's link type by a small code, the index of the real type in links,
// and the reader maps the code pcapgo reports back. Codes are never
// reused within a file, so pcapgo may read ahead of the packet the reader
// is at without the table changing under it.
type ngGuard struct {
	r     io.Reader
	buf   []byte // the current block, checked
	off   int    // how much of buf has been handed on
	order binary.ByteOrder
	block int // blocks read so far
	// ifaces counts the interface blocks of the current section, for the
	// interface ids of packet blocks; snap0 is the first one's snap
	// length, for simple packet blocks.
	ifaces int
	snap0  uint32
	links  []LinkType // by code
	err    error
	hdr    [12]byte // a block's first bytes; a field, so that reading them does not allocate
}

// ngBlockError reports a malformed pcapng block.
type ngBlockError struct {
	Block int    // from 1
	Type  uint32 // block type
	Msg   string
}

func (e *ngBlockError) Error() string {
	return fmt.Sprintf("pcapng block %d (%s): %s", e.Block, ngBlockName(e.Type), e.Msg)
}

func ngBlockName(t uint32) string {
	switch t {
	case ngSectionHeader:
		return "section header"
	case ngInterfaceDesc:
		return "interface description"
	case ngPacket:
		return "packet"
	case ngSimplePacket:
		return "simple packet"
	case ngInterfaceStats:
		return "interface statistics"
	case ngEnhancedPacket:
		return "enhanced packet"
	}
	return fmt.Sprintf("type 0x%x", t)
}

func (g *ngGuard) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.err != nil {
			return 0, g.err
		}
		if g.err = g.next(); g.err != nil {
			g.buf, g.off = g.buf[:0], 0 // nothing of a bad block is handed on
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// linkType returns the link type that code stands for.
func (g *ngGuard) linkType(code layers.LinkType) (LinkType, bool) {
	if int(code) < len(g.links) {
		return g.links[code], true
	}
	return 0, false
}

// next reads and checks the next block into g.buf. At the end of the
// file it returns io.EOF, or io.ErrUnexpectedEOF inside a block.
func (g *ngGuard) next() error {
	g.buf, g.off = g.buf[:0], 0
	hdr := &g.hdr
	if _, err := io.ReadFull(g.r, hdr[:8]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return g.fail(0, "file ends inside a block header")
	}
	g.block++
	typ := binary.LittleEndian.Uint32(hdr[:4]) // the section header's type reads the same both ways
	if typ == ngSectionHeader {
		if _, err := io.ReadFull(g.r, hdr[8:12]); err != nil {
			return g.fail(typ, "file ends inside the block")
		}
		switch uint32(ngByteOrderMagic) {
		case binary.LittleEndian.Uint32(hdr[8:12]):
			g.order = binary.LittleEndian
		case binary.BigEndian.Uint32(hdr[8:12]):
			g.order = binary.BigEndian
		default:
			return g.fail(typ, fmt.Sprintf("byte-order magic %x is not 1a2b3c4d in either order", hdr[8:12]))
		}
		g.ifaces, g.snap0 = 0, 0
	} else if g.order == nil {
		return g.fail(typ, "a pcapng file starts with a section header block")
	}
	typ = g.order.Uint32(hdr[:4])
	total := g.order.Uint32(hdr[4:8])
	min := uint32(12)
	switch typ {
	case ngSectionHeader:
		min = ngMinSectionHeaderLen
	case ngInterfaceDesc:
		min = 20
	case ngPacket, ngEnhancedPacket:
		min = 32
	case ngSimplePacket:
		min = 16
	case ngInterfaceStats:
		min = 24
	}
	switch {
	case total%4 != 0:
		return g.fail(typ, fmt.Sprintf("length %d is not a multiple of 4", total))
	case total < min:
		return g.fail(typ, fmt.Sprintf("length %d is less than the %d bytes of the block's fixed fields", total, min))
	case total > ngMaxBlock:
		return g.fail(typ, fmt.Sprintf("length %d is over pfsim's limit of %d bytes", total, ngMaxBlock))
	}
	have := 8
	if typ == ngSectionHeader {
		have = 12
	}
	if cap(g.buf) < int(total) {
		g.buf = make([]byte, 0, max(int(total), 2*cap(g.buf)))
	}
	g.buf = g.buf[:total]
	copy(g.buf, hdr[:have])
	if _, err := io.ReadFull(g.r, g.buf[have:]); err != nil {
		return g.fail(typ, fmt.Sprintf("file ends inside the block (%d bytes long)", total))
	}
	if trail := g.order.Uint32(g.buf[total-4:]); trail != total {
		return g.fail(typ, fmt.Sprintf("length %d at the end does not match %d at the start", trail, total))
	}
	body := g.buf[8 : total-4]
	switch typ {
	case ngSectionHeader:
		if err := g.options(typ, body[16:]); err != nil {
			return err
		}
	case ngInterfaceDesc:
		if err := g.options(typ, body[8:]); err != nil {
			return err
		}
		// Keep the real link type; give pcapgo its code.
		lt := LinkType(g.order.Uint16(body[0:2]))
		code := -1
		for i, l := range g.links {
			if l == lt {
				code = i
				break
			}
		}
		if code < 0 {
			if len(g.links) == ngMaxLinkCodes {
				return g.fail(typ, fmt.Sprintf("more than %d link types in one file", ngMaxLinkCodes))
			}
			g.links = append(g.links, lt)
			code = len(g.links) - 1
		}
		g.order.PutUint16(body[0:2], uint16(code))
		// A snap length is a promise about the packets, and pcapgo sizes
		// its buffer by it; pfsim checks each packet against its block
		// instead.
		snap := g.order.Uint32(body[4:8])
		if snap > maxSnaplen {
			snap = 0
			g.order.PutUint32(body[4:8], 0)
		}
		if g.ifaces == 0 {
			g.snap0 = snap // as pcapgo reads it, for simple packet blocks
		}
		g.ifaces++
	case ngEnhancedPacket, ngPacket:
		var id uint32
		if typ == ngEnhancedPacket {
			id = g.order.Uint32(body[0:4])
		} else {
			id = uint32(g.order.Uint16(body[0:2]))
		}
		capLen := g.order.Uint32(body[12:16])
		switch {
		case id >= uint32(g.ifaces):
			return g.fail(typ, fmt.Sprintf("interface %d, but the section has %d interface blocks before it", id, g.ifaces))
		case uint64(capLen) > uint64(len(body)-20):
			return g.fail(typ, fmt.Sprintf("captured length %d exceeds the %d bytes the block holds", capLen, len(body)-20))
		}
		if err := g.options(typ, body[20+pad4(int(capLen)):]); err != nil {
			return err
		}
	case ngSimplePacket:
		if g.ifaces == 0 {
			return g.fail(typ, "a simple packet block before any interface block")
		}
		capLen := g.order.Uint32(body[0:4])
		if g.snap0 != 0 && capLen > g.snap0 {
			capLen = g.snap0
		}
		if uint64(capLen) > uint64(len(body)-4) {
			return g.fail(typ, fmt.Sprintf("packet length %d exceeds the %d bytes the block holds", capLen, len(body)-4))
		}
	case ngInterfaceStats:
		if id := g.order.Uint32(body[0:4]); id >= uint32(g.ifaces) {
			return g.fail(typ, fmt.Sprintf("interface %d, but the section has %d interface blocks before it", id, g.ifaces))
		}
		if err := g.options(typ, body[12:]); err != nil {
			return err
		}
	}
	return nil
}

// options checks a block's options: each fits in the block, the end of
// options has no value, and a timestamp resolution is one whose units fit
// in 64 bits (pcapgo divides by them).
func (g *ngGuard) options(typ uint32, b []byte) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return g.fail(typ, fmt.Sprintf("%d stray bytes after the options", len(b)))
		}
		code, n := g.order.Uint16(b[0:2]), int(g.order.Uint16(b[2:4]))
		if code == ngOptEnd {
			if n != 0 {
				return g.fail(typ, fmt.Sprintf("end of options with a value of %d bytes", n))
			}
			return nil
		}
		if 4+pad4(n) > len(b) {
			return g.fail(typ, fmt.Sprintf("option %d of %d bytes runs past the end of the block", code, n))
		}
		if typ == ngInterfaceDesc && code == ngOptIfTSResol {
			if n != 1 {
				return g.fail(typ, fmt.Sprintf("if_tsresol of %d bytes, want 1", n))
			}
			v := b[4]
			if e := v & 0x7f; v&0x80 != 0 && e > 63 || v&0x80 == 0 && e > 19 {
				return g.fail(typ, fmt.Sprintf("if_tsresol 0x%02x: a unit finer than 64 bits can count", v))
			}
		}
		b = b[4+pad4(n):]
	}
	return nil
}

func (g *ngGuard) fail(typ uint32, msg string) error {
	return &ngBlockError{Block: g.block, Type: typ, Msg: msg}
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

var errNotCapture = errors.New("not a pcap or pcapng file")
