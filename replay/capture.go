package replay

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/vpc"
)

// The defaults of Options.
const (
	DefaultExplain          = 10
	DefaultBusiest          = 10
	DefaultMaxRecordPackets = 1000
)

const (
	// progressEvery is how often, in packets, Options.Progress is told.
	progressEvery = 1 << 14
	// busiestMax bounds the flows counted for Summary.Busiest.
	busiestMax = 1 << 14
	// skipExamples is how many skipped frames a Summary keeps the words of.
	skipExamples = 5
)

// Options tune a replay. The zero Options are the defaults.
type Options struct {
	// FlowLog, when set, is given every packet that meets an interface's
	// filters, with the action there, to write the flow log AWS would.
	FlowLog *flowlog.Aggregator
	// Explain is how many drops a Summary explains, the first ones:
	// 0 means DefaultExplain, a negative number none.
	Explain int
	// Busiest is how many of the busiest flows a Summary lists: 0 means
	// DefaultBusiest, a negative number none.
	Busiest int
	// Progress, when set, is called now and then with the number of
	// packets (or flow log records) read so far.
	Progress func(n int)
	// MaxRecordPackets is the most packets a flow log record is played
	// as: 0 means DefaultMaxRecordPackets. See FlowLogs.
	MaxRecordPackets int
}

func (o *Options) explain() int {
	switch {
	case o.Explain < 0:
		return 0
	case o.Explain == 0:
		return DefaultExplain
	}
	return o.Explain
}

func (o *Options) busiest() int {
	switch {
	case o.Busiest < 0:
		return 0
	case o.Busiest == 0:
		return DefaultBusiest
	}
	return o.Busiest
}

// Summary is what a capture's replay found.
type Summary struct {
	// File names the capture; Format is "pcap" or "pcapng".
	File, Format string
	// Packets counts the capture's packets read, whatever became of them.
	Packets int
	// First and Last are the times of the first and the last packet
	// replayed.
	First, Last time.Time

	// NotIP counts frames without an IP packet (ARP, LLDP, ...) and
	// Malformed frames cut short or malformed: both are skipped, and
	// Skipped holds the words of the first few.
	NotIP, Malformed int
	Skipped          []string
	// NoInterface counts packets with no interface's address at either
	// end, or the same interface's at both: no filter of the VPC sees
	// them, and they are skipped.
	NoInterface int
	// NoTime counts packets without a timestamp (pcapng simple packet
	// blocks) and OutOfOrder those stamped earlier than a packet before
	// them: both are replayed at the latest time seen, since the tables'
	// clock does not go back.
	NoTime, OutOfOrder int

	// Exempt counts packets to or from an AWS service that no filter
	// sees (NOT-10); they are neither allowed nor dropped by a filter.
	Exempt int
	// Allowed and Dropped count the verdicts of the other packets.
	Allowed, Dropped int
	// Drops groups the drops by the filter and rule that dropped them,
	// most first.
	Drops []DropGroup
	// FirstDrops explains the first drops.
	FirstDrops []Drop
	// Busiest lists the flows with the most packets, both directions
	// together, most first.
	Busiest []Flow
}

// DropGroup is the packets one filter dropped for one reason.
type DropGroup struct {
	// Interface is the interface whose groups, or whose subnet's network
	// ACL, dropped the packets.
	Interface string
	Stage     flow.StageKind
	Direction flow.Direction
	Reason    flow.Reason
	// Filter names the network ACL, or the interface's security groups.
	Filter string
	// Rule is the network ACL rule ("100", or "*" for the default deny);
	// RuleText the rule itself, when a rule decided.
	Rule, RuleText string
	// Packets counts the drops; Example is the first packet dropped.
	Packets int
	Example string
}

// String says which filter dropped the packets and why, as in
//
//	network ACL acl-web egress rule * (default deny)
//	security groups sg-web ingress: no rule allows the packet
func (g DropGroup) String() string {
	switch g.Stage {
	case flow.StageNACL:
		s := "network ACL " + g.Filter + " " + g.Direction.String() + " rule " + g.Rule
		switch {
		case g.Reason == flow.ReasonDefaultDeny:
			s += " (default deny)"
		case g.RuleText != "":
			s += " (" + g.RuleText + ")"
		}
		return s
	case flow.StageSG:
		s := "security groups " + g.Filter + " " + g.Direction.String() + ": "
		if g.Reason == flow.ReasonTableFull {
			return s + "connection table full"
		}
		return s + "no rule allows the packet"
	}
	return g.Stage.String() + " " + g.Direction.String()
}

// Drop is one dropped packet and why.
type Drop struct {
	// Packet is the packet's number in the capture, from 1.
	Packet int
	Time   time.Time
	// Text is the packet in pfsim's packet syntax.
	Text string
	// Why is the path's explanation: every filter met, in plain words.
	Why string
}

// Flow is one of the busiest flows.
type Flow struct {
	// Flow names both directions: "tcp 10.0.1.10:80 <> 198.51.100.7:49152".
	Flow             string
	Packets, Bytes   uint64
	Allowed, Dropped uint64
	// Error is how many of the flow's packets may not have been counted:
	// 0 when its counts are exact. Only a capture with more flows than a
	// replay counts at once (16384) can make it more.
	Error uint64
}

// Capture replays every packet of rd through the filters of v, at the
// capture's own times, and sums up what happened.
//
// A packet whose source or destination is an interface's address goes
// through that interface's filters with vpc.ENI.Cross: as egress when the
// interface sent it, as ingress when it receives it. When both ends are
// interfaces of the VPC, the packet takes the whole path between them,
// with vpc.VPC.Send: the sender's security groups, the network ACLs when
// the subnets differ, then the receiver's groups, each end with its own
// connection table (MODEL-7). Packets with no interface at either end are
// counted and skipped; so are frames that are not IP packets or are
// malformed.
//
// With Options.FlowLog set, each packet is logged at each interface it
// met: ACCEPT if it passed that interface's filters, REJECT if one of
// them dropped it; a packet dropped by the sender is not logged at the
// receiver, which never saw it. Traffic to AWS services is not logged
// (FL-7), as AWS does not.
//
// Capture streams: it holds one packet at a time and a bounded count of
// flows, so its memory does not grow with the capture's length (the
// VPC's connection tables hold what the traffic opened, as AWS's do). It
// returns the summary and, if the capture ended on an error (a file cut
// short or malformed, or a packet stamped outside the times a connection
// table holds, [conntrack.CheckTime]), that error; the summary then
// covers the packets before it.
func Capture(v *vpc.VPC, rd *capture.Reader, opt Options) (*Summary, error) {
	e, err := newEnds(v)
	if err != nil {
		return nil, err
	}
	r := &capReplay{
		v: v, e: e, opt: opt, explain: opt.explain(),
		sum:   &Summary{File: rd.Name(), Format: rd.Format().String()},
		top:   newTopFlows(busiestMax),
		drops: make(map[dropKey]int),
		path:  vpc.Path{Hops: make([]vpc.Hop, 0, 4)},
	}
	s := r.sum
	var p flow.Packet
	var now time.Time
	for {
		ts, err := rd.Next(&p)
		if err == io.EOF {
			break
		}
		s.Packets = rd.Packets()
		if opt.Progress != nil && s.Packets%progressEvery == 0 {
			opt.Progress(s.Packets)
		}
		if err != nil {
			var de *capture.DecodeError
			if !errors.As(err, &de) {
				return s, errors.Join(err, r.finish())
			}
			if errors.Is(err, capture.ErrNotIP) {
				s.NotIP++
			} else {
				s.Malformed++
			}
			if len(s.Skipped) < skipExamples {
				s.Skipped = append(s.Skipped, err.Error())
			}
			continue
		}
		if !ts.IsZero() {
			if err := conntrack.CheckTime(ts); err != nil {
				// A timestamp no simulated clock can hold (a pcapng
				// one far in the future): the file is at fault.
				err = &capture.Error{File: rd.Name(), Packet: s.Packets, Err: err}
				return s, errors.Join(err, r.finish())
			}
		}
		switch {
		case ts.IsZero():
			s.NoTime++
			if now.IsZero() {
				now = time.Unix(0, 0)
			}
		case ts.Before(now):
			s.OutOfOrder++
		default:
			now = ts
		}
		if err := r.packet(&p, now, s.Packets); err != nil {
			return s, errors.Join(err, r.finish())
		}
	}
	if opt.Progress != nil {
		opt.Progress(s.Packets)
	}
	return s, r.finish()
}

// capReplay is the state of one Capture.
type capReplay struct {
	v       *vpc.VPC
	e       *ends
	opt     Options
	explain int
	sum     *Summary
	top     *topFlows
	drops   map[dropKey]int // index in sum.Drops
	path    vpc.Path
	logged  flow.Packet // the packet as the flow log shows it
}

type dropKey struct {
	iface      string
	stage      flow.StageKind
	dir        flow.Direction
	reason     flow.Reason
	ruleNumber uint16
	rule       int32
}

// packet replays one packet, number n of the capture, at time now.
func (r *capReplay) packet(p *flow.Packet, now time.Time, n int) error {
	s := r.sum
	src, dst := r.e.byAddr[p.Src], r.e.byAddr[p.Dst]
	var err error
	switch {
	case src == nil && dst == nil, src == dst:
		s.NoInterface++
		return nil
	case src != nil && dst != nil:
		err = r.v.SendInto(p, now, &r.path)
	case src != nil:
		err = src.eni.Cross(p, flow.Egress, now, &r.path)
	default:
		err = dst.eni.Cross(p, flow.Ingress, now, &r.path)
	}
	if err != nil {
		// The decoder gives packets of one family with valid addresses,
		// and the interfaces exist: this is a bug, not bad input.
		return fmt.Errorf("packet %d: %w", n, err)
	}
	if s.First.IsZero() {
		s.First = now
	}
	s.Last = now
	path := &r.path
	if path.Exempt != "" {
		s.Exempt++
		return nil
	}
	allowed := path.Allowed()
	r.top.add(p, allowed)
	if allowed {
		s.Allowed++
	} else {
		s.Dropped++
		r.drop(p, now, n)
	}
	if r.opt.FlowLog != nil {
		return r.log(p, now)
	}
	return nil
}

// drop counts a dropped packet under the filter and rule that dropped it,
// and explains it if it is one of the first.
func (r *capReplay) drop(p *flow.Packet, now time.Time, n int) {
	s := r.sum
	h := &r.path.Hops[len(r.path.Hops)-1]
	d := &h.Decision
	k := dropKey{iface: h.Interface(), stage: d.Stage, dir: d.Direction, reason: d.Reason, ruleNumber: d.RuleNumber, rule: d.Rule}
	i, ok := r.drops[k]
	if !ok {
		x := h.Detail(p)
		g := DropGroup{Interface: k.iface, Stage: d.Stage, Direction: d.Direction, Reason: d.Reason, Example: p.String()}
		switch d.Stage {
		case flow.StageNACL:
			g.Filter, g.Rule = x.ACL, d.RuleLabel()
			if d.Reason == flow.ReasonRule {
				g.RuleText = x.RuleText
			}
		case flow.StageSG:
			g.Filter = x.Group
		}
		i = len(s.Drops)
		r.drops[k] = i
		s.Drops = append(s.Drops, g)
	}
	s.Drops[i].Packets++
	if len(s.FirstDrops) < r.explain {
		s.FirstDrops = append(s.FirstDrops, Drop{Packet: n, Time: now, Text: p.String(), Why: r.path.Explain()})
	}
}

// log gives the packet to the flow log at each interface it met.
func (r *capReplay) log(p *flow.Packet, now time.Time) error {
	hops := r.path.Hops
	for i := 0; i < len(hops); {
		id := hops[i].Interface()
		action := flowlog.Accept
		j := i
		for ; j < len(hops) && hops[j].Interface() == id; j++ {
			if hops[j].Decision.Verdict != flow.Allow {
				action = flowlog.Reject
			}
		}
		r.logged = *p
		if f := r.e.byID[id]; f != nil {
			r.logged.Src, r.logged.Dst = f.logged(p.Src), f.logged(p.Dst)
		}
		if err := r.opt.FlowLog.Add(id, &r.logged, action, now); err != nil {
			return fmt.Errorf("flow log: %w", err)
		}
		i = j
	}
	return nil
}

// finish sorts what is listed, fills the busiest flows, and writes the
// flow log's last interval.
func (r *capReplay) finish() error {
	s := r.sum
	slices.SortStableFunc(s.Drops, func(a, b DropGroup) int { return cmp.Compare(b.Packets, a.Packets) })
	for _, f := range r.top.top(r.opt.busiest()) {
		s.Busiest = append(s.Busiest, Flow{
			Flow:    strings.Replace(f.key.String(), " > ", " <> ", 1),
			Packets: f.packets, Bytes: f.bytes, Allowed: f.allowed, Dropped: f.dropped, Error: f.err,
		})
	}
	if r.opt.FlowLog != nil {
		if err := r.opt.FlowLog.Flush(); err != nil {
			return fmt.Errorf("flow log: %w", err)
		}
	}
	return nil
}
