package pfsimtest

import (
	"fmt"
	"net/netip"
	"time"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// Step is one packet of a conversation that [Conversation] draws.
type Step struct {
	// Wait is the idle time before the packet: since the step before, or
	// since the conversation's start for the first step.
	Wait time.Duration
	// Packet is the packet sent.
	Packet flow.Packet
	// Reply is true for a packet of the responder (the first packet's
	// destination), false for one of the opener.
	Reply bool
	// What says what the packet is in the conversation's life ("SYN",
	// "SYN-ACK", "data", "FIN", "RST", "request", "echo reply", ...) and,
	// when Wait lies at a timeout's edge, which: "ACK, after the
	// SYN_RECV timeout (1m0s) plus 1ns".
	What string
}

// Conversation draws the life of one connection as a list of steps: its
// first packet placed as [Packet] places packets, then what follows.
//
//   - tcp: the SYN, sometimes sent again; then the handshake (SYN-ACK,
//     ACK), a refusal (RST-ACK) or silence; data segments both ways; then
//     a close by FIN from either side (FIN, ACK, FIN, ACK), a RST from
//     either side, or nothing; and sometimes one more packet after the
//     close (a late ACK, or a new SYN on the same ports);
//   - udp: requests and responses, often more than one transaction (which
//     makes the flow a stream, CT-17n), or traffic one way only;
//   - icmp and icmpv6: query requests (echo, now and then timestamp or
//     node information) and their replies, some missing;
//   - other protocols: packets both ways.
//
// The idle gaps lean to the edges of the timeouts that apply at each
// point of the conversation (CT-16a to CT-16d, CT-17): the timeout of the state the
// connection is in (SYN_SENT 120 s, ESTABLISHED as configured, UDP 30 s,
// ...) less 1 s, less 1 ns, exactly, plus 1 ns and plus 1 s, since a
// packet exactly at the timeout finds the entry gone. The timeouts are
// those of the tracking configuration of the responder's interface, or of
// the opener's when only it is an interface (see [FromInterface],
// [ToInterface] and [In]), and AWS's defaults otherwise.
//
// Replay a conversation with one clock:
//
//	now := pfsimtest.Epoch
//	for _, s := range steps {
//		now = now.Add(s.Wait)
//		path, err := v.Send(&s.Packet, now)
//		...
//	}
//
// Heeds the options [Packet] heeds.
func Conversation(opts ...Option) *rapid.Generator[[]Step] {
	o := newOptions(opts)
	pl, err := newPlan(o, "pfsimtest.Conversation")
	if err != nil {
		return refused[[]Step](err)
	}
	return rapid.Custom(func(t *rapid.T) []Step {
		fam, src, dst := pl.drawEnds(t)
		c := &conversation{t: t, timeouts: pl.timeouts(src, dst)}
		open := drawPacketFields(t, pl.pool, o, fam, src, dst)
		switch {
		case open.Proto == flow.TCP:
			c.tcp(open)
		case open.Proto == flow.UDP:
			c.udp(open)
		case open.Proto.IsICMP():
			c.icmp(open)
		default:
			c.other(open)
		}
		return c.steps
	})
}

// timeouts are the idle timeouts a conversation's gaps lean to.
type timeouts struct {
	tcpEstablished, udp, udpStream time.Duration
}

// timeouts returns the timeouts of the responder's interface, or the
// opener's, or AWS's defaults.
func (pl *plan) timeouts(src, dst netip.Addr) timeouts {
	c := conntrack.DefaultConfig()
	for _, a := range []netip.Addr{src, dst} {
		if i, ok := pl.pool.owner[a]; ok {
			c = pl.pool.ifaces[i].Tracking
		}
	}
	to := timeouts{c.TCPEstablishedTimeout, c.UDPTimeout, c.UDPStreamTimeout}
	if to.tcpEstablished == 0 {
		to.tcpEstablished = conntrack.DefaultTCPEstablishedTimeout
	}
	if to.udp == 0 {
		to.udp = conntrack.DefaultUDPTimeout
	}
	if to.udpStream == 0 {
		to.udpStream = conntrack.DefaultUDPStreamTimeout
	}
	return to
}

// conversation accumulates steps.
type conversation struct {
	t        *rapid.T
	steps    []Step
	timeouts timeouts
	// state and idle are the connection's state after the last step and
	// its idle timeout, which the next gap leans to.
	state flow.ConnState
	idle  time.Duration
}

// gapEdges are the offsets from a timeout the gaps lean to.
var gapEdges = []struct {
	d    time.Duration
	text string
}{{-time.Second, " less 1s"}, {-time.Nanosecond, " less 1ns"}, {0, ""}, {time.Nanosecond, " plus 1ns"}, {time.Second, " plus 1s"}}

// send appends a step: p goes the original way (reply false) or back,
// after a gap drawn here; then the connection is in state next with idle
// timeout idle.
func (c *conversation) send(p flow.Packet, reply bool, what string, next flow.ConnState, idle time.Duration) {
	s := Step{Packet: p, Reply: reply, What: what}
	if len(c.steps) > 0 {
		switch pick(c.t, "gap.kind", 6, 4) {
		case 0:
			s.Wait = rapid.SampledFrom([]time.Duration{0, time.Millisecond, time.Second, 5 * time.Second}).Draw(c.t, "gap.short")
		default:
			e := rapid.SampledFrom(gapEdges).Draw(c.t, "gap.edge")
			s.Wait = c.idle + e.d
			s.What = fmt.Sprintf("%s, after the %s timeout (%s)%s", what, c.state, c.idle, e.text)
		}
	}
	c.steps = append(c.steps, s)
	c.state, c.idle = next, idle
}

// tcp draws a TCP connection's life from its SYN.
func (c *conversation) tcp(open flow.Packet) {
	t := c.t
	syn := open
	syn.Flags = flow.SYN
	seg := func(from flow.Packet, flags flow.TCPFlags) flow.Packet { from.Flags = flags; return from }
	back := syn.Reverse()
	established := c.timeouts.tcpEstablished
	c.send(syn, false, "SYN", flow.StateSynSent, conntrack.SynSentTimeout)
	if pick(t, "tcp.retransmit", 8, 2) == 1 {
		c.send(syn, false, "SYN again", flow.StateSynSent, conntrack.SynSentTimeout)
	}
	switch pick(t, "tcp.answer", 70, 15, 15) {
	case 1:
		c.send(seg(back, flow.RST|flow.ACK), true, "RST-ACK (refused)", flow.StateNone, 0)
		return
	case 2:
		return // no answer: the client gives up
	}
	c.send(seg(back, flow.SYN|flow.ACK), true, "SYN-ACK", flow.StateSynRecv, conntrack.SynRecvTimeout)
	c.send(seg(syn, flow.ACK), false, "ACK", flow.StateEstablished, established)
	for range rapid.IntRange(0, 4).Draw(t, "tcp.data") {
		from, reply := syn, false
		if rapid.Bool().Draw(t, "tcp.data.back") {
			from, reply = back, true
		}
		flags := rapid.SampledFrom([]flow.TCPFlags{flow.PSH | flow.ACK, flow.ACK}).Draw(t, "tcp.data.flags")
		c.send(seg(from, flags), reply, "data", flow.StateEstablished, established)
	}
	closer, other, closerReply := syn, back, false
	if rapid.Bool().Draw(t, "tcp.close.back") {
		closer, other, closerReply = back, syn, true
	}
	switch pick(t, "tcp.close", 6, 2, 2) {
	case 0:
		c.send(seg(closer, flow.FIN|flow.ACK), closerReply, "FIN", flow.StateFinWait, conntrack.FinWaitTimeout)
		c.send(seg(other, flow.ACK), !closerReply, "ACK of the FIN", flow.StateCloseWait, conntrack.CloseWaitTimeout)
		c.send(seg(other, flow.FIN|flow.ACK), !closerReply, "FIN", flow.StateLastAck, conntrack.LastAckTimeout)
		c.send(seg(closer, flow.ACK), closerReply, "last ACK", flow.StateTimeWait, conntrack.TimeWaitTimeout)
	case 1:
		c.send(seg(closer, flow.RST|flow.ACK), closerReply, "RST", flow.StateClose, conntrack.CloseTimeout)
	default:
		// Left open: the next packet, if any, meets the established
		// timeout.
	}
	switch pick(t, "tcp.after", 6, 2, 2) {
	case 1:
		c.send(seg(syn, flow.ACK), false, "late ACK", c.state, c.idle)
	case 2:
		c.send(syn, false, "new SYN on the same ports", flow.StateSynSent, conntrack.SynSentTimeout)
	}
}

// udp draws a UDP flow: requests, responses, transactions.
func (c *conversation) udp(open flow.Packet) {
	t := c.t
	back := open.Reverse()
	state, idle := flow.StateUDP, c.timeouts.udp
	c.send(open, false, "request", state, idle)
	oneWay := pick(t, "udp.oneway", 8, 2) == 1
	transactions := 0
	for range rapid.IntRange(0, 5).Draw(t, "udp.more") {
		if !oneWay && rapid.Bool().Draw(t, "udp.back") && !c.steps[len(c.steps)-1].Reply {
			transactions++
			if transactions >= 2 { // the second transaction makes a stream (CT-17n)
				state, idle = flow.StateUDPStream, c.timeouts.udpStream
			}
			c.send(back, true, "response", state, idle)
			continue
		}
		c.send(open, false, "request", state, idle)
	}
}

// icmp draws ICMP queries and their replies.
func (c *conversation) icmp(open flow.Packet) {
	t := c.t
	req := open
	req.ICMPCode = 0
	req.ICMPType = flow.ICMPEchoRequest
	if req.Proto == flow.ICMPv6 {
		req.ICMPType = flow.ICMPv6EchoRequest
	}
	asked, answered := "echo request", "echo reply"
	if pick(t, "icmp.query", 8, 2) == 1 {
		req.ICMPType, asked, answered = 13, "timestamp request", "timestamp reply"
		if req.Proto == flow.ICMPv6 {
			req.ICMPType, asked, answered = 139, "node information query", "node information reply"
		}
	}
	reply, _ := Reply(req)
	for range rapid.IntRange(1, 4).Draw(t, "icmp.queries") {
		c.send(req, false, asked, flow.StateICMP, conntrack.ICMPTimeout)
		if pick(t, "icmp.answered", 8, 2) == 0 {
			c.send(reply, true, answered, flow.StateICMP, conntrack.ICMPTimeout)
		}
	}
}

// other draws packets of another protocol both ways.
func (c *conversation) other(open flow.Packet) {
	back := open.Reverse()
	c.send(open, false, "packet", flow.StateGeneric, conntrack.OtherTimeout)
	for range rapid.IntRange(0, 4).Draw(c.t, "other.more") {
		if rapid.Bool().Draw(c.t, "other.back") {
			c.send(back, true, "packet back", flow.StateGeneric, conntrack.OtherTimeout)
		} else {
			c.send(open, false, "packet", flow.StateGeneric, conntrack.OtherTimeout)
		}
	}
}
