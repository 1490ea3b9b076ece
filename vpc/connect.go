package vpc

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// Outcome is how a connection attempt ends, as the client sees it.
type Outcome uint8

// The outcomes.
const (
	// Connected: the handshake completed (TCP), or the echo reply came
	// back (ping).
	Connected Outcome = iota + 1
	// Refused: the destination host replied to the SYN with a RST, which
	// got back to the client: "connection refused", immediately. The filters
	// let the packets through; nothing listens on the port.
	Refused
	// Timeout: one of the exchange's packets was dropped by a filter. Filters never
	// answer (NOT-1), so the client hears nothing and gives up.
	Timeout
)

// String returns "connected", "refused" or "timeout".
func (o Outcome) String() string {
	switch o {
	case Connected:
		return "connected"
	case Refused:
		return "refused"
	case Timeout:
		return "timeout"
	}
	return "none"
}

// MarshalText returns the name String gives; it refuses the zero Outcome.
func (o Outcome) MarshalText() ([]byte, error) {
	if o < Connected || o > Timeout {
		return nil, fmt.Errorf("outcome %d: not an outcome", o)
	}
	return []byte(o.String()), nil
}

// UnmarshalText reads "connected", "refused" or "timeout".
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err == nil {
		*o = v
	}
	return err
}

// ParseOutcome reads "connected", "refused" or "timeout".
func ParseOutcome(s string) (Outcome, error) {
	for _, o := range []Outcome{Connected, Refused, Timeout} {
		if s == o.String() {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q: want connected, refused or timeout", s)
}

// Dial describes a connection attempt: a TCP connect or a ping.
type Dial struct {
	// Proto is flow.TCP, or flow.ICMP / flow.ICMPv6 for a ping.
	Proto flow.Proto
	// Src is the client's address; SrcPort its port, 0 to pick one from the
	// Linux ephemeral range 32768..60999 (NACL-20). For a ping, SrcPort is
	// the echo identifier (0 picks one).
	Src     netip.Addr
	SrcPort uint16
	// Dst and DstPort are the server's address and port (no port for a ping).
	Dst     netip.Addr
	DstPort uint16
}

// Exchange is one packet of an attempt and its path.
type Exchange struct {
	Packet flow.Packet
	Path   Path
}

// Attempt is the story of a connection attempt.
type Attempt struct {
	Outcome Outcome
	// Exchanges are the packets sent, in order, with their paths.
	Exchanges []Exchange
	// Cause is the path of the packet a filter dropped, which made the
	// attempt time out (Outcome == Timeout): the last of Exchanges.
	Cause *Path
}

// Ephemeral port range of a Linux client: ip_local_port_range's default
// (NACL-20, [LNX] ip-sysctl).
const (
	EphemeralFirst = 32768
	EphemeralLast  = 60999
)

// Connect plays both ends of a connection attempt at time now, with real
// packets through the filters: for TCP the client's SYN, then the
// server's SYN-ACK if its host listens on the port (outside the VPC every
// port of every host is open) or a RST-ACK if it does not, then the client's
// ACK; for a ping an echo request and its reply. Every packet is tracked
// as real traffic would be, so the connection stays in the tables.
//
// The attempt times out at the first packet a filter drops. A completed
// handshake is Connected; a RST that reaches the client is Refused. It
// returns an error for a time the connection tables refuse
// ([conntrack.CheckTime]), as [VPC.Send] does.
func (v *VPC) Connect(d Dial, now time.Time) (Attempt, error) {
	if err := conntrack.CheckTime(now); err != nil {
		return Attempt{}, fmt.Errorf("connect: %w", err)
	}
	v.mu.Lock() // the port sequence changes; one configuration throughout
	defer v.mu.Unlock()
	st := v.cur.Load()
	if d.SrcPort == 0 {
		v.ports++
		span := uint32(EphemeralLast - EphemeralFirst + 1)
		d.SrcPort = uint16(EphemeralFirst + (v.ports*4099)%span)
	}
	var a Attempt
	send := func(p flow.Packet) bool {
		var path Path
		if err := st.send(&p, now, &path); err != nil {
			return false
		}
		a.Exchanges = append(a.Exchanges, Exchange{Packet: p, Path: path})
		if !path.Allowed() {
			a.Outcome = Timeout
			a.Cause = &a.Exchanges[len(a.Exchanges)-1].Path
			return false
		}
		return true
	}
	switch d.Proto {
	case flow.TCP:
		syn := flow.Packet{Proto: flow.TCP, Src: d.Src, Dst: d.Dst, SrcPort: d.SrcPort, DstPort: d.DstPort, Flags: flow.SYN}
		if _, _, err := st.endpoints(&syn); err != nil {
			return a, err
		}
		if !send(syn) {
			return a, nil
		}
		back := syn.Reverse()
		if !st.listens(d.Dst, Port{flow.TCP, d.DstPort}) {
			back.Flags = flow.RST | flow.ACK
			if send(back) {
				a.Outcome = Refused
			}
			return a, nil
		}
		back.Flags = flow.SYN | flow.ACK
		if !send(back) {
			return a, nil
		}
		ack := syn
		ack.Flags = flow.ACK
		if send(ack) {
			a.Outcome = Connected
		}
		return a, nil
	case flow.ICMP, flow.ICMPv6:
		req := flow.Packet{Proto: d.Proto, Src: d.Src, Dst: d.Dst, ICMPType: flow.ICMPEchoRequest, ICMPID: d.SrcPort}
		if d.Proto == flow.ICMPv6 {
			req.ICMPType = flow.ICMPv6EchoRequest
		}
		if _, _, err := st.endpoints(&req); err != nil {
			return a, err
		}
		if send(req) && send(req.Reverse()) {
			a.Outcome = Connected
		}
		return a, nil
	}
	return a, fmt.Errorf("connect: protocol %s: want tcp, icmp or icmpv6", d.Proto)
}

// listens reports whether the host at a answers on port. Hosts outside the
// VPC answer on every port.
func (st *state) listens(a netip.Addr, port Port) bool {
	e, _ := st.addrs.get(a)
	is := e.iface
	return is == nil || is.listen[port]
}
