package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/pfsim/pfsim/flow"
)

// Format is the file format of a capture.
type Format uint8

// The formats a Reader reads.
const (
	PCAP   Format = iota + 1 // libpcap's format, micro- or nanosecond timestamps, either byte order
	PCAPNG                   // pcapng, any number of sections and interfaces
)

// String returns "pcap" or "pcapng".
func (f Format) String() string {
	switch f {
	case PCAP:
		return "pcap"
	case PCAPNG:
		return "pcapng"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Error is a problem at one packet of a capture file, "FILE: packet N:
// what is wrong". Packets are counted from 1, as tcpdump and Wireshark
// number them; a problem with the file's header is at packet 0.
//
// When Err is a *DecodeError, only that packet's frame is at fault (it
// carries no IP packet, or is cut short or malformed) and the Reader goes
// on with the next packet; any other Err ends the capture.
type Error struct {
	File   string
	Packet int
	Err    error
}

// Error renders the error as "FILE: packet N: what is wrong", or
// "FILE: what is wrong" for the file's header.
func (e *Error) Error() string {
	if e.Packet == 0 {
		return e.File + ": " + e.Err.Error()
	}
	return e.File + ": packet " + strconv.Itoa(e.Packet) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Reader reads the packets of a pcap or pcapng capture one at a time,
// decoding each frame into a [flow.Packet] with the capture's timestamp.
// It holds one packet's bytes at a time, whatever the capture's length,
// and allocates nothing per packet once it is warm: the frame is read
// into a buffer the Reader owns and decoded in place.
//
// The files are read with gopacket's pcapgo (pure Go, no libpcap). A
// gzip-compressed capture (.pcap.gz) is recognised by its content and
// read through compress/gzip.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	name   string
	format Format
	link   LinkType

	pcap  *pcapgo.Reader
	ng    *pcapgo.NgReader
	guard *ngGuard

	dec  *Decoder   // pcap: the file's one decoder
	decs []*Decoder // pcapng: by link code, made when first needed

	n   int   // packets read
	err error // the error that ended the capture, returned again
}

// NewReader reads the header of the capture r holds, a pcap or pcapng
// file, possibly gzip-compressed, and returns a Reader positioned at its
// first packet. name is what errors call the file. The format is told by
// the content, not the name.
//
// A pcap file whose link type pfsim does not read is refused here, with
// a *LinkTypeError; a pcapng file can mix link types, and a packet of an
// interface pfsim does not read is a *DecodeError at that packet.
func NewReader(r io.Reader, name string) (*Reader, error) {
	rd := &Reader{name: name}
	if err := rd.open(r); err != nil {
		return nil, &Error{File: name, Err: err}
	}
	return rd, nil
}

// bufSize is the read buffer: large enough that reading a capture makes
// few system calls, small enough to stay in cache.
const bufSize = 64 << 10

func (rd *Reader) open(r io.Reader) error {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(4)
	if err != nil {
		return headerError(err, len(magic))
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, bufSize)
		if magic, err = br.Peek(4); err != nil {
			return headerError(err, len(magic))
		}
	}
	switch m := binary.LittleEndian.Uint32(magic); m {
	case ngSectionHeader:
		return rd.openNG(br)
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return rd.openPCAP(br)
	case 0xa1b2cd34, 0x34cdb2a1:
		return errors.New("a modified-libpcap (Kuznetzov) capture: not supported; convert it with editcap -F pcap")
	default:
		return fmt.Errorf("%w: starts with % x", errNotCapture, magic)
	}
}

// headerError describes a failure to read a capture's first n bytes.
func headerError(err error, n int) error {
	if err == io.EOF {
		if n == 0 {
			return errors.New("empty file")
		}
		return fmt.Errorf("%w: only %d bytes", errNotCapture, n)
	}
	return err
}

func (rd *Reader) openPCAP(br *bufio.Reader) error {
	hdr, err := br.Peek(24)
	if err != nil {
		return fmt.Errorf("pcap: file header cut short (%d of 24 bytes)", len(hdr))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if hdr[0] == 0xa1 { // a1b2c3d4 or a1b23c4d written big-endian
		order = binary.BigEndian
	}
	// The low 16 bits are the link type; the upper ones can say that
	// frames end with a frame check sequence, which decoding ignores.
	rd.link = LinkType(order.Uint32(hdr[20:24]))
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return fmt.Errorf("pcap: %s", lowerFirst(err.Error()))
	}
	// libpcap reads a packet up to its own maximum whatever snap length
	// the file claims (some writers put 0 there); pcapgo refuses packets
	// longer than the snap length and sizes its buffer by it, so it gets
	// that maximum.
	pr.SetSnaplen(maxSnaplen)
	rd.format, rd.pcap = PCAP, pr
	rd.dec, err = NewLinkDecoder(rd.link)
	return err
}

func (rd *Reader) openNG(br *bufio.Reader) error {
	g := &ngGuard{r: br}
	// The guard's reader is what pcapgo reads; its own bufio layer then
	// reads the guard a few kilobytes at a time.
	ng, err := pcapgo.NewNgReader(bufio.NewReaderSize(g, bufSize), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		return ngError(err)
	}
	rd.format, rd.ng, rd.guard = PCAPNG, ng, g
	return nil
}

// ngError words an error of pcapgo's NgReader, which may be the guard's.
func ngError(err error) error {
	var be *ngBlockError
	switch {
	case errors.As(err, &be):
		return err
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		return errors.New("pcapng: file ends inside a block")
	}
	return fmt.Errorf("pcapng: %s", lowerFirst(err.Error()))
}

// Name returns the name errors give the file.
func (rd *Reader) Name() string { return rd.name }

// Format returns the capture's file format.
func (rd *Reader) Format() Format { return rd.format }

// LinkType returns the capture's link type: for pcapng, that of its first
// interface (0 if the first packet comes before any).
func (rd *Reader) LinkType() LinkType {
	if rd.guard != nil && len(rd.guard.links) > 0 {
		return rd.guard.links[0]
	}
	return rd.link
}

// Packets returns how many packets have been read, the last one's number.
func (rd *Reader) Packets() int { return rd.n }

// Next reads the next packet into p and returns its timestamp, the
// capture's clock. At the end of the capture it returns io.EOF.
//
// Any other error is an *Error naming the file and the packet. If it
// wraps a *DecodeError, the packet's frame was read but is not an IP
// packet pfsim reads (errors.Is(err, ErrNotIP) for ARP and the like), p
// is the zero Packet, and the timestamp is the packet's: call Next again
// for the next one. Otherwise the file itself is at fault (cut short,
// malformed) and every later call returns the same error.
//
// A pcapng simple packet block has no timestamp; its packet comes with
// the zero time.Time.
//
// Next does not allocate once its buffers have grown to the largest
// packet.
func (rd *Reader) Next(p *flow.Packet) (time.Time, error) {
	if rd.err != nil {
		return time.Time{}, rd.err
	}
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
		dec  = rd.dec
	)
	if rd.pcap != nil {
		data, ci, err = rd.pcap.ZeroCopyReadPacketData()
	} else {
		data, ci, err = rd.ng.ZeroCopyReadPacketData()
	}
	if err != nil {
		*p = flow.Packet{}
		// pcapgo reports a file cut between a record's header and its
		// bytes as a clean end.
		if err == io.EOF && rd.pcap != nil && ci.CaptureLength > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err == io.EOF {
			rd.err = io.EOF
			return time.Time{}, io.EOF
		}
		rd.err = &Error{File: rd.name, Packet: rd.n + 1, Err: rd.readError(err)}
		return time.Time{}, rd.err
	}
	rd.n++
	if rd.ng != nil {
		if dec, err = rd.ngDecoder(ci); err != nil {
			*p = flow.Packet{}
			return ci.Timestamp, &Error{File: rd.name, Packet: rd.n, Err: &DecodeError{Len: len(data), Err: err}}
		}
	}
	if err := dec.Decode(data, p); err != nil {
		return ci.Timestamp, &Error{File: rd.name, Packet: rd.n, Err: err}
	}
	return ci.Timestamp, nil
}

// ngDecoder returns the decoder for the link type of a pcapng packet's
// interface, which the guard's code in the capture info names.
func (rd *Reader) ngDecoder(ci gopacket.CaptureInfo) (*Decoder, error) {
	if len(ci.AncillaryData) == 0 {
		return nil, errors.New("pcapng: no link type for the packet")
	}
	code, ok := ci.AncillaryData[0].(layers.LinkType)
	if !ok {
		return nil, errors.New("pcapng: no link type for the packet")
	}
	lt, ok := rd.guard.linkType(code)
	if !ok {
		return nil, errors.New("pcapng: no link type for the packet")
	}
	for int(code) >= len(rd.decs) {
		rd.decs = append(rd.decs, nil)
	}
	if d := rd.decs[code]; d != nil {
		return d, nil
	}
	d, err := NewLinkDecoder(lt)
	if err != nil {
		return nil, err
	}
	rd.decs[code] = d
	return d, nil
}

// readError words an error reading a record.
func (rd *Reader) readError(err error) error {
	if rd.ng != nil {
		return ngError(err)
	}
	if err == io.ErrUnexpectedEOF {
		return errors.New("pcap: file ends inside the packet (the capture was cut short)")
	}
	return fmt.Errorf("pcap: %s", lowerFirst(err.Error()))
}

// lowerFirst lowers the first letter of gopacket's messages ("Unknown
// magic" becomes "unknown magic") to read as Go errors do.
func lowerFirst(s string) string {
	return lowerError{errors.New(s)}.Error()
}
