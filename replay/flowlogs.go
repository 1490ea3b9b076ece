package replay

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// invalidExamples is how many invalid lines a Report keeps the words of.
const invalidExamples = 100

// Report is what a flow log's replay found.
type Report struct {
	// File names the flow log.
	File string
	// Records counts the records read.
	Records int
	// Invalid holds the errors of the first lines that are not records
	// (FILE:LINE:COL: ...), InvalidCount counts them all.
	Invalid      []string
	InvalidCount int
	// NoData and SkipData count the records with those statuses, which
	// have no flow to replay.
	NoData, SkipData int
	// UnknownInterface counts records of interfaces the VPC does not
	// have, NotInterface records whose addresses are not their
	// interface's (a NAT gateway's traffic, say), and Incomplete records
	// without a field the replay needs (srcaddr, dstaddr, protocol,
	// packets, start, end, action; ports for TCP and UDP) or whose
	// protocol cannot go with its addresses (ICMP over IPv6). All are
	// skipped.
	UnknownInterface, NotInterface, Incomplete int

	// Played counts the records replayed, and Packets the packets played
	// for them.
	Played  int
	Packets int64
	// Agree counts the records whose every packet got the verdict the
	// record's action says; Disagreements lists the others, in the
	// order of the file.
	Agree         int
	Disagreements []Disagreement

	// Flows counts the flows replayed: the records of one interface and
	// one connection, both directions together.
	Flows int
	// Durations is the spread of the flows' lengths in seconds, from
	// the start of their first record to the end of their last;
	// PacketsPerFlow the spread of their packet counts; Gaps the spread
	// of the idle gaps, in seconds, between one record of a flow and the
	// next.
	Durations, PacketsPerFlow, Gaps Distribution
	// GapsOverTimeout counts the gaps longer than the flow's idle timeout
	// at its interface (CT-16, CT-17): across such a gap the connection
	// table forgot the flow, and its next packet was judged anew.
	GapsOverTimeout int
}

// Disagreement is a record whose action pfsim does not reproduce.
type Disagreement struct {
	// Line is the record's line in the file; Record its text (default
	// format).
	Line   int
	Record string
	// Interface and Direction say where the packets were played.
	Interface string
	Direction flow.Direction
	// Logged is the record's action.
	Logged flowlog.Action
	// Played counts the packets played for the record, Allowed and
	// Dropped their verdicts.
	Played, Allowed, Dropped int
	// Packet is the first packet whose verdict differs from the
	// record's action, and Why the explanation of that verdict.
	Packet, Why string
}

// Distribution sums up a list of numbers.
type Distribution struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

// FlowLogs replays the records of a VPC flow log through v's filters and
// checks each record's action against pfsim's verdicts.
//
// # How a record is played
//
// A record counts the packets of one flow, in one direction, at one
// interface, over an aggregation interval; it has neither the packets'
// times nor their TCP flags or ICMP types. FlowLogs plays it as follows.
//
//   - Direction. The record is ingress when its destination is one of
//     the interface's addresses, egress when its source is (or as its
//     flow-direction field says, when the format has one). It goes
//     through that interface's filters alone, with vpc.ENI.Cross and the
//     interface's own connection table, as the record is that
//     interface's view.
//   - Time. The records are played in the order of their start times; a
//     record of n packets becomes n packets spread evenly from its start
//     to its end (the first at start, the last at end), and the packets
//     of records that overlap are interleaved in time. A record of more
//     than Options.MaxRecordPackets packets is played as that many, as
//     evenly spread: the spacing, well under the shortest idle timeout,
//     is what the connection table sees.
//   - Who opened the connection. The two directions of a connection are
//     two records. The opener of a TCP or UDP connection is the side
//     sending to the lower port (the service's), or, with equal ports,
//     the side whose record comes first; a tcp-flags field, when the
//     format has one, says it outright (SYN from the opener, SYN-ACK from
//     the other side). At equal times the opener's packets come first.
//   - TCP flags. The opener's first packet is a SYN and the other side's
//     first a SYN-ACK, unless the connection was already played (an
//     earlier interval's records) or the record's tcp-flags say there was
//     no SYN (a connection that began before the log); every other
//     packet is an ACK, and the last one a FIN or a RST when the
//     tcp-flags say so.
//   - ICMP. A record has no ICMP type. The opener's packets are echo
//     requests and the other side's echo replies (ICMPv6 128 and 129 over
//     IPv6), the commonest ICMP a flow log shows; an error message (such
//     as fragmentation needed) is therefore played as a ping, and may be
//     judged as one.
//   - Length. Each packet is bytes/packets long.
//
// # Agreement
//
// A record's action is an expectation: ACCEPT means every packet passed
// the interface's filters, REJECT that every one was dropped (AWS splits
// a flow's packets by action). A record disagrees when any packet's
// verdict differs; the Disagreement explains the first such packet.
// Traffic to or from an AWS service, which no filter sees (NOT-10), is
// allowed.
//
// NODATA and SKIPDATA records, records of interfaces v does not have,
// and records whose addresses are not their interface's are counted and
// skipped.
//
// FlowLogs reads the whole log before playing it, to put its records in
// time order: its memory grows with the number of records (some 150
// bytes each). It returns the report and, if the log ended on an error
// other than a bad line, that error.
func FlowLogs(v *vpc.VPC, rd *flowlog.Reader, file string, opt Options) (*Report, error) {
	e, err := newEnds(v)
	if err != nil {
		return nil, err
	}
	fr := &flReplay{e: e, opt: opt, rep: &Report{File: file}, convs: make(map[convKey]*conv)}
	fr.max = opt.MaxRecordPackets
	if fr.max <= 0 {
		fr.max = DefaultMaxRecordPackets
	}
	readErr := fr.read(rd)
	fr.prepare()
	fr.play()
	fr.summarise()
	return fr.rep, readErr
}

type flReplay struct {
	e     *ends
	opt   Options
	rep   *Report
	recs  []record
	convs map[convKey]*conv
	max   int
	path  vpc.Path
}

// record is a flow log record to play, and how its playing went.
type record struct {
	line             int
	f                *iface
	dir              flow.Direction
	proto            flow.Proto
	src, dst         netip.Addr
	sport, dport     uint16
	packets, bytes   uint64
	start, end       int64 // Unix seconds
	action           flowlog.Action
	flags            uint8
	hasFlags         bool
	text             string
	conv             *conv
	opener           bool
	played           int
	allowed, dropped int
	badPacket, why   string
}

// convKey names a connection at an interface: its canonical key, with
// ports only for TCP and UDP.
type convKey struct {
	f   *iface
	key flow.Key
}

// conv is a connection at an interface, as its records tell it.
type conv struct {
	f             *iface
	opener        flow.Key // the key of the opener's direction
	decided       bool     // the tcp-flags said who opened it
	both          bool     // records in both directions
	first, last   int64    // start of the first record, end of the last
	packets       uint64
	gaps          []float64
	synSent       bool
	synAckSent    bool
	lastPlayed    int64 // Unix nanoseconds
	timeout       time.Duration
	hasLastPlayed bool
}

// read reads every record, keeping those to play.
func (fr *flReplay) read(rd *flowlog.Reader) error {
	rep := fr.rep
	var r flowlog.Record
	for {
		err := rd.Next(&r)
		if err == io.EOF {
			return nil
		}
		if err == nil {
			err = fr.checkTimes(&r)
		}
		var se *source.Error
		if errors.As(err, &se) {
			rep.InvalidCount++
			if len(rep.Invalid) < invalidExamples {
				rep.Invalid = append(rep.Invalid, err.Error())
			}
			continue
		}
		if err != nil {
			return err
		}
		rep.Records++
		if fr.opt.Progress != nil && rep.Records%progressEvery == 0 {
			fr.opt.Progress(rep.Records)
		}
		fr.keep(&r)
	}
}

// checkTimes returns a *source.Error if r's start or end is a time no
// connection table holds ([conntrack.CheckTime]): such a record cannot
// be played, and is counted with the invalid lines.
func (fr *flReplay) checkTimes(r *flowlog.Record) error {
	for _, c := range []struct {
		f flowlog.Field
		t time.Time
	}{{flowlog.FieldStart, r.Start}, {flowlog.FieldEnd, r.End}} {
		if !r.Has.Has(c.f) || conntrack.CheckTime(c.t) == nil {
			continue
		}
		return &source.Error{Pos: source.Pos{File: fr.rep.File, Line: r.Line}, Resource: r.InterfaceID, Field: c.f.String(),
			Msg: fmt.Sprintf("%d (%s) is %v", c.t.Unix(), c.t.Format(time.RFC3339), conntrack.ErrTime)}
	}
	return nil
}

// needed are the fields a record must have to be played.
var needed = []flowlog.Field{flowlog.FieldSrcAddr, flowlog.FieldDstAddr, flowlog.FieldProtocol, flowlog.FieldPackets,
	flowlog.FieldStart, flowlog.FieldEnd, flowlog.FieldAction}

// keep checks a record and keeps it to play, or counts why not.
func (fr *flReplay) keep(r *flowlog.Record) {
	rep := fr.rep
	switch r.Status {
	case flowlog.NoData:
		rep.NoData++
		return
	case flowlog.SkipData:
		rep.SkipData++
		return
	}
	f := fr.e.byID[r.InterfaceID]
	if f == nil {
		rep.UnknownInterface++
		return
	}
	for _, fl := range needed {
		if !r.Has.Has(fl) {
			rep.Incomplete++
			return
		}
	}
	if r.Protocol.HasPorts() && (!r.Has.Has(flowlog.FieldSrcPort) || !r.Has.Has(flowlog.FieldDstPort)) ||
		r.Protocol == flow.ICMP && r.SrcAddr.Is6() || r.Protocol == flow.ICMPv6 && r.SrcAddr.Is4() {
		rep.Incomplete++
		return
	}
	var dir flow.Direction
	toMe, fromMe := f.addrs[r.DstAddr], f.addrs[r.SrcAddr]
	switch {
	case r.Has.Has(flowlog.FieldFlowDirection):
		dir = r.Direction
		if dir == flow.Ingress && !toMe || dir == flow.Egress && !fromMe {
			rep.NotInterface++
			return
		}
	case toMe && !fromMe:
		dir = flow.Ingress
	case fromMe && !toMe:
		dir = flow.Egress
	default:
		rep.NotInterface++
		return
	}
	rec := record{
		line: r.Line, f: f, dir: dir, proto: r.Protocol, src: r.SrcAddr, dst: r.DstAddr,
		packets: r.Packets, bytes: r.Bytes, start: r.Start.Unix(), end: r.End.Unix(), action: r.Action,
		flags: r.TCPFlags, hasFlags: r.Has.Has(flowlog.FieldTCPFlags), text: r.String(),
	}
	if r.Protocol.HasPorts() {
		rec.sport, rec.dport = r.SrcPort, r.DstPort
	}
	if rec.packets == 0 {
		// A flow of no packets has nothing to play; AWS writes none.
		rep.Incomplete++
		return
	}
	fr.recs = append(fr.recs, rec)
}

func (r *record) key() flow.Key { return flow.MakeKey(r.proto, r.src, r.dst, r.sport, r.dport) }

// prepare puts the records in time order, ties in the file's order, and
// finds each connection's opener and idle gaps.
func (fr *flReplay) prepare() {
	slices.SortStableFunc(fr.recs, func(a, b record) int { return cmp.Compare(a.start, b.start) })
	for i := range fr.recs {
		r := &fr.recs[i]
		k := r.key()
		ck, _ := k.Canonical()
		c := fr.convs[convKey{r.f, ck}]
		if c == nil {
			c = &conv{f: r.f, opener: k, first: r.start, last: r.end, timeout: idleTimeout(r.f.tracking, r.proto)}
			// The side that sends to the lower port is the client.
			if r.proto.HasPorts() && r.sport < r.dport {
				c.opener = k.Reverse()
			}
			fr.convs[convKey{r.f, ck}] = c
		} else if k != c.opener {
			c.both = true
		}
		if r.hasFlags && !c.decided && r.proto == flow.TCP {
			switch r.flags & flowlog.FlagSYNACK {
			case flowlog.FlagSYN:
				c.opener, c.decided = k, true
			case flowlog.FlagSYNACK:
				c.opener, c.decided = k.Reverse(), true
			}
		}
		if r.start > c.last {
			c.gaps = append(c.gaps, float64(r.start-c.last))
		}
		c.last = max(c.last, r.end)
		c.packets += r.packets
		r.conv = c
	}
	for i := range fr.recs {
		r := &fr.recs[i]
		r.opener = r.key() == r.conv.opener
	}
}

// idleTimeout is how long a connection of protocol p stays in a table of
// configuration c without packets, once established.
func idleTimeout(c conntrack.Config, p flow.Proto) time.Duration {
	switch p {
	case flow.TCP:
		return c.TCPEstablishedTimeout
	case flow.UDP:
		return c.UDPStreamTimeout
	case flow.ICMP, flow.ICMPv6:
		return conntrack.ICMPTimeout
	}
	return conntrack.OtherTimeout
}

// cursor is the next packet of a record being played.
type cursor struct {
	t    int64 // Unix nanoseconds
	rank uint8 // 0 for the opener's records: first at equal times
	rec  int32
	i    int32 // the packet's index in the record
	n    int32 // packets to play
}

type cursors []cursor

func (h cursors) Len() int { return len(h) }
func (h cursors) Less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.t != b.t {
		return a.t < b.t
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.rec != b.rec {
		return a.rec < b.rec
	}
	return a.i < b.i
}
func (h cursors) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursors) Push(x any)   { *h = append(*h, x.(cursor)) }
func (h *cursors) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// at returns the time of packet i of n of record r, in Unix nanoseconds.
func (r *record) at(i, n int32) int64 {
	start, end := r.start*1e9, r.end*1e9
	if n <= 1 {
		return start
	}
	return start + (end-start)*int64(i)/int64(n-1)
}

// play plays the records' packets in time order.
func (fr *flReplay) play() {
	var h cursors
	next := 0
	for next < len(fr.recs) || len(h) > 0 {
		for next < len(fr.recs) && (len(h) == 0 || fr.recs[next].start*1e9 <= h[0].t) {
			r := &fr.recs[next]
			n := int32(min(r.packets, uint64(fr.max)))
			c := cursor{t: r.at(0, n), rec: int32(next), n: n}
			if !r.opener {
				c.rank = 1
			}
			heap.Push(&h, c)
			next++
		}
		c := heap.Pop(&h).(cursor)
		fr.packet(&fr.recs[c.rec], c.i, c.n, c.t)
		if c.i++; c.i < c.n {
			c.t = fr.recs[c.rec].at(c.i, c.n)
			heap.Push(&h, c)
		}
	}
}

// packet plays packet i of n of record r at time t.
func (fr *flReplay) packet(r *record, i, n int32, t int64) {
	c := r.conv
	if c.hasLastPlayed && time.Duration(t-c.lastPlayed) >= c.timeout {
		// The table has forgotten the connection: it starts anew.
		c.synSent, c.synAckSent = false, false
	}
	c.lastPlayed, c.hasLastPlayed = t, true
	p := flow.Packet{Proto: r.proto, Src: r.src, Dst: r.dst, SrcPort: r.sport, DstPort: r.dport,
		Length: uint16(min(r.bytes/r.packets, 65535))}
	switch r.proto {
	case flow.TCP:
		p.Flags = fr.flags(r, i, n)
	case flow.ICMP:
		p.ICMPType = flow.ICMPEchoRequest
		if !r.opener {
			p.ICMPType = flow.ICMPEchoReply
		}
	case flow.ICMPv6:
		p.ICMPType = flow.ICMPv6EchoRequest
		if !r.opener {
			p.ICMPType = flow.ICMPv6EchoReply
		}
	}
	if i == 0 {
		fr.rep.Played++
	}
	fr.rep.Packets++
	r.played++
	if err := r.f.eni.Cross(&p, r.dir, time.Unix(0, t), &fr.path); err != nil {
		// keep has checked the addresses, and the interface exists; but
		// should Cross refuse the packet, the record says why.
		r.dropped++
		if r.why == "" {
			r.badPacket, r.why = p.String(), "cannot be played: "+err.Error()
		}
		return
	}
	allowed := fr.path.Allowed()
	if allowed {
		r.allowed++
	} else {
		r.dropped++
	}
	if allowed != (r.action == flowlog.Accept) && r.why == "" {
		r.badPacket, r.why = p.String(), fr.path.Explain()
	}
}

// flags returns the TCP flags of packet i of n of record r.
func (fr *flReplay) flags(r *record, i, n int32) flow.TCPFlags {
	c := r.conv
	// Whether the record's tcp-flags, when it has them, allow a SYN.
	syn := !r.hasFlags || r.flags&flowlog.FlagSYN != 0
	switch {
	case i == 0 && r.opener && !c.synSent && syn:
		c.synSent = true
		return flow.SYN
	case i == 0 && !r.opener && !c.synAckSent && syn && (c.synSent || r.hasFlags):
		c.synAckSent = true
		return flow.SYN | flow.ACK
	case i == n-1 && r.hasFlags && r.flags&flowlog.FlagRST != 0:
		return flow.RST | flow.ACK
	case i == n-1 && r.hasFlags && r.flags&flowlog.FlagFIN != 0:
		return flow.FIN | flow.ACK
	}
	// Packets of a connection picked up without its SYN are ACKs too: a
	// table that has no entry starts one from an ACK (CT-17k).
	return flow.ACK
}

// summarise counts the agreements and the flows' statistics.
func (fr *flReplay) summarise() {
	rep := fr.rep
	var lines []int
	for i := range fr.recs {
		r := &fr.recs[i]
		if r.why == "" {
			rep.Agree++
			continue
		}
		lines = append(lines, i)
	}
	// Disagreements in the file's order.
	slices.SortFunc(lines, func(a, b int) int { return cmp.Compare(fr.recs[a].line, fr.recs[b].line) })
	for _, i := range lines {
		r := &fr.recs[i]
		rep.Disagreements = append(rep.Disagreements, Disagreement{
			Line: r.line, Record: r.text, Interface: r.f.id, Direction: r.dir, Logged: r.action,
			Played: r.played, Allowed: r.allowed, Dropped: r.dropped, Packet: r.badPacket, Why: r.why,
		})
	}
	var durations, packets, gaps []float64
	for _, c := range fr.convs {
		durations = append(durations, float64(c.last-c.first))
		packets = append(packets, float64(c.packets))
		gaps = append(gaps, c.gaps...)
		timeout := c.timeout.Seconds()
		if c.opener.Proto() == flow.UDP && !c.both {
			// One way only: never a stream (CT-17n).
			timeout = c.f.tracking.UDPTimeout.Seconds()
		}
		for _, g := range c.gaps {
			if g >= timeout {
				rep.GapsOverTimeout++
			}
		}
	}
	rep.Flows = len(fr.convs)
	rep.Durations, rep.PacketsPerFlow, rep.Gaps = distribution(durations), distribution(packets), distribution(gaps)
}
