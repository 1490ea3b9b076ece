package pfsimtest

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// TestingT is what the assertions report failures to: *testing.T,
// *testing.B, *rapid.T and testify's mocks all have Errorf. When it also
// has Helper, the assertions call it, so that a failure points at the
// test's line rather than at pfsimtest's.
type TestingT interface {
	Errorf(format string, args ...any)
}

type helper interface{ Helper() }

// System is what the assertions judge packets in. A *vpc.VPC is a running
// simulation: packets sent to it change its connection tables, as real
// traffic would, so a test can open a connection with [Allows] and then
// check its replies. A vpc.Config is a configuration: each assertion
// builds a fresh VPC from it, with empty tables, so that every packet is
// judged as the first of its flow.
type System interface {
	*vpc.VPC | vpc.Config
}

// Epoch is the simulated time the assertions use when the test gives none:
// 2026-01-01 00:00:00 UTC, the start of every scenario's timeline.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Allows asserts that packet p, sent through s at time now (at most one;
// [Epoch] when none is given), reaches its destination: every filter on
// its path lets it through, or no filter sees it (traffic to or from an
// AWS service, NOT-10). It reports a failure to t and returns false
// otherwise, showing the packet and the words of every filter it met,
// the one that dropped it last:
//
//	Allows: the packet was dropped
//	    packet:  tcp 198.51.100.7:40000 > 10.0.1.10:22 [S]
//	    between: outside and eni-web
//	    path:    allowed by network ACL default ingress rule 100 (...)
//	             then dropped by security group sg-web ingress: no rule of sg-web allows ...
//
// A packet whose addresses are of no interface of s, or of one interface
// at both ends, fails the assertion with the reason.
func Allows[S System](t TestingT, s S, p flow.Packet, now ...time.Time) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	path, err := send(s, p, now)
	switch {
	case err != nil:
		return failed(t, "Allows", "cannot send the packet: "+err.Error(), line("packet", p.String()))
	case !path.Allowed():
		return failed(t, "Allows", "the packet was dropped", pathLines(&path)...)
	}
	return true
}

// Drops asserts that packet p, sent through s at time now (at most one;
// [Epoch] when none is given), is dropped by a filter on its path. It
// reports a failure to t and returns false otherwise, showing the packet
// and the words of every filter that let it through (or the AWS service
// no filter sees). A packet whose addresses are of no interface of s, or
// of one interface at both ends, fails the assertion with the reason.
func Drops[S System](t TestingT, s S, p flow.Packet, now ...time.Time) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	path, err := send(s, p, now)
	switch {
	case err != nil:
		return failed(t, "Drops", "cannot send the packet: "+err.Error(), line("packet", p.String()))
	case path.Allowed():
		return failed(t, "Drops", "the packet was allowed", pathLines(&path)...)
	}
	return true
}

// Connects asserts that the connection attempt d, played through s at
// time now (at most one; [Epoch] when none is given) by
// [vpc.VPC.Connect], ends connected as the client sees it: the TCP
// handshake completes, or the echo reply comes back. It reports a failure
// to t and returns false otherwise, showing every packet of the attempt
// with the words of the filters it met: for a timeout, the packet a
// filter dropped and the rule that dropped it; for a refusal, the RST of
// a host that listens on no such port.
func Connects[S System](t TestingT, s S, d vpc.Dial, now ...time.Time) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	a, err := connect(s, d, now)
	switch {
	case err != nil:
		return failed(t, "Connects", "cannot play "+DialString(d)+": "+err.Error())
	case a.Outcome == vpc.Connected:
		return true
	}
	why := "timed out: a filter dropped a packet of the exchange, and filters never answer (NOT-1)"
	if a.Outcome == vpc.Refused {
		why = fmt.Sprintf("was refused: the host at %s answered with a RST, for nothing listens on %s/%d there; the filters let the packets through",
			d.Dst, d.Proto, d.DstPort)
	}
	return failed(t, "Connects", DialString(d)+" "+why, exchangeLines(&a)...)
}

// Outcome plays the connection attempt d through s at time now (at most
// one; [Epoch] when none is given), as [Connects] does, and returns how it
// ended without asserting anything; 0 when it cannot be played (an
// address of no interface, a protocol other than tcp, icmp and icmpv6).
// It lets a property say "what connected before still connects":
//
//	if pfsimtest.Outcome(before, d) == vpc.Connected {
//		pfsimtest.Connects(t, after, d)
//	}
func Outcome[S System](s S, d vpc.Dial, now ...time.Time) vpc.Outcome {
	a, err := connect(s, d, now)
	if err != nil {
		return 0
	}
	return a.Outcome
}

// Exempt reports whether p goes to or comes from an AWS service whose
// traffic no security group or network ACL sees (NOT-10): the instance
// metadata service, the Amazon DNS server (also at the VPC's base + 2),
// Amazon Time Sync, the VPC router and the other addresses AWS reserves
// in each subnet, as [vpc.VPC.Send] judges them for s. A property such as
// "only tcp/443 gets in" must leave such packets out, or expect them
// allowed. It is false when p cannot be sent through s at all.
func Exempt[S System](s S, p flow.Packet) bool {
	path, err := send(s, p, nil)
	return err == nil && path.Exempt != ""
}

// DialString renders a connection attempt as scenario files write one:
// "tcp 198.51.100.7 > 10.0.1.10:443", "tcp 198.51.100.7:50000 >
// 10.0.1.10:443" when the client port is given, "icmp 198.51.100.7 >
// 10.0.1.10" for a ping.
func DialString(d vpc.Dial) string {
	var b strings.Builder
	b.WriteString(d.Proto.String())
	b.WriteByte(' ')
	if d.Proto == flow.TCP && d.SrcPort != 0 {
		b.WriteString(netip.AddrPortFrom(d.Src, d.SrcPort).String())
	} else {
		b.WriteString(d.Src.String())
	}
	b.WriteString(" > ")
	if d.Proto == flow.TCP {
		b.WriteString(netip.AddrPortFrom(d.Dst, d.DstPort).String())
	} else {
		b.WriteString(d.Dst.String())
	}
	return b.String()
}

// resolve returns the VPC s stands for: s itself, or a fresh one built
// from the configuration.
func resolve[S System](s S) (*vpc.VPC, error) {
	switch x := any(s).(type) {
	case *vpc.VPC:
		if x == nil {
			return nil, errors.New("the *vpc.VPC is nil")
		}
		return x, nil
	case vpc.Config:
		return fresh(x, false)
	}
	return nil, fmt.Errorf("cannot judge packets in a %T", s)
}

// fresh builds a VPC of cfg for one assertion: its tables are each of one
// shard, which changes no verdict (shards only divide the locking) and
// makes the build about three times cheaper, for one goroutine uses it.
// unlimited lifts the tables' capacities as well, for callers that
// send many first packets through one VPC.
func fresh(cfg vpc.Config, unlimited bool) (*vpc.VPC, error) {
	cfg.Interfaces = slices.Clone(cfg.Interfaces)
	for i := range cfg.Interfaces {
		tr := &cfg.Interfaces[i].Tracking
		if tr.Shards == 0 {
			tr.Shards = 1
		}
		if unlimited {
			tr.Capacity = 0
		}
	}
	v, err := vpc.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("the configuration is invalid: %w", err)
	}
	return v, nil
}

// when returns the time a call gives, or Epoch.
func when(now []time.Time) (time.Time, error) {
	switch len(now) {
	case 0:
		return Epoch, nil
	case 1:
		return now[0], nil
	}
	return time.Time{}, fmt.Errorf("%d times given: give at most one", len(now))
}

func send[S System](s S, p flow.Packet, now []time.Time) (vpc.Path, error) {
	at, err := when(now)
	if err != nil {
		return vpc.Path{}, err
	}
	v, err := resolve(s)
	if err != nil {
		return vpc.Path{}, err
	}
	return v.Send(&p, at)
}

func connect[S System](s S, d vpc.Dial, now []time.Time) (vpc.Attempt, error) {
	at, err := when(now)
	if err != nil {
		return vpc.Attempt{}, err
	}
	v, err := resolve(s)
	if err != nil {
		return vpc.Attempt{}, err
	}
	return v.Connect(d, at)
}

// failed reports a failure of assertion name to t: a headline, then the
// lines that show why. It returns false.
func failed(t TestingT, name, headline string, lines ...string) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	var b strings.Builder
	b.WriteString(name + ": " + headline)
	for _, l := range lines {
		b.WriteString("\n    " + l)
	}
	t.Errorf("%s", b.String())
	return false
}

// line renders one labelled line of a failure message; further lines of
// the value are indented under its first.
func line(label, value string) string {
	const width = len("between: ")
	pad := strings.Repeat(" ", width)
	head := label + ":" + strings.Repeat(" ", max(1, width-len(label)-1))
	return head + strings.ReplaceAll(value, "\n", "\n    "+pad)
}

// pathLines shows a path: the packet, the interfaces at its ends, and the
// words of every filter it met (those of vpc.Path.Explain, one filter a
// line).
func pathLines(path *vpc.Path) []string {
	return []string{
		line("packet", path.Packet.String()),
		line("between", endName(path.From)+" and "+endName(path.To)),
		line("path", explain(path)),
	}
}

func endName(id string) string {
	if id == "" {
		return "outside"
	}
	return id
}

// explain renders vpc.Path.Explain with one filter a line.
func explain(path *vpc.Path) string {
	if path.Exempt != "" || len(path.Hops) == 0 {
		return path.Explain()
	}
	var b strings.Builder
	for i := range path.Hops {
		if i > 0 {
			b.WriteString("\nthen ")
		}
		b.WriteString(path.Hops[i].Explain(&path.Packet))
	}
	return b.String()
}

// exchangeLines shows every packet of an attempt with its path.
func exchangeLines(a *vpc.Attempt) []string {
	var out []string
	for i := range a.Exchanges {
		x := &a.Exchanges[i]
		out = append(out, line(strconv.Itoa(i+1), x.Packet.String()+"\n"+explain(&x.Path)))
	}
	return out
}
