package conntrack

import "github.com/pfsim/pfsim/flow"

// State is the state of a tracked connection. The states are named in
// package flow, so that a [flow.Decision] can carry one; see
// [flow.ConnState] for what each means.
type State = flow.ConnState

// The states. TCP follows Linux nf_conntrack's machine in outline; AWS
// publishes none (CT-17). UDP has two (CT-17n), ICMP queries and other
// protocols one each.
const (
	StateNone   = flow.StateNone
	SynSent     = flow.StateSynSent     // CT-17a
	SynRecv     = flow.StateSynRecv     // CT-17b
	Established = flow.StateEstablished // CT-17c, CT-17k
	FinWait     = flow.StateFinWait     // CT-17d
	CloseWait   = flow.StateCloseWait   // CT-17e
	LastAck     = flow.StateLastAck     // CT-17f
	TimeWait    = flow.StateTimeWait    // CT-17g
	Close       = flow.StateClose       // CT-17h
	UDPSingle   = flow.StateUDP         // CT-16b
	UDPStream   = flow.StateUDPStream   // CT-16c, CT-17n
	ICMPQuery   = flow.StateICMP        // CT-10
	Generic     = flow.StateGeneric     // CT-12
)

// startState returns the state a new entry created by p starts in, or
// StateNone if p cannot start a tracked connection: a TCP segment that is
// neither a SYN nor a plain ACK/data segment (a SYN-ACK, FIN or RST from
// no state, CT-17k), or an ICMP message that is not a query request
// (CT-10).
func startState(p *flow.Packet) State {
	switch p.Proto {
	case flow.TCP:
		f := p.Flags
		switch {
		case f&(flow.SYN|flow.ACK|flow.FIN|flow.RST) == flow.SYN:
			return SynSent
		case f&(flow.SYN|flow.FIN|flow.RST) == 0 && f&flow.ACK != 0:
			return Established
		}
		return StateNone
	case flow.UDP:
		return UDPSingle
	case flow.ICMP, flow.ICMPv6:
		if req, ok := flow.ICMPQuery(p.Proto, p.ICMPType); ok && req {
			return ICMPQuery
		}
		return StateNone
	}
	return Generic
}

// Entry flag bits.
const (
	seenReply  uint8 = 1 << iota // a reply-direction packet was seen
	finOrig                      // the original side sent a FIN
	finReply                     // the reply side sent a FIN
	lastOrig                     // the last packet went in the original direction
	origCanon                    // the original key is the canonical key
	closeOrigF                   // the first FIN came from the original side
)

// step advances e with packet p going in the original (orig) or reply
// direction. It reports kill=true when the entry must be deleted at once
// after admitting p: an RST before any reply (CT-17h). The caller holds
// the lock of e's shard, as for every use of an entry.
func (e *entry) step(p *flow.Packet, orig bool) (kill bool) {
	switch p.Proto {
	case flow.TCP:
		kill = e.stepTCP(p.Flags, orig)
	case flow.UDP:
		// One transaction is counted whenever a packet going the reply
		// way comes after one going the original way; the second
		// transaction makes the flow a stream, for good (CT-17n).
		if !orig && e.flags&lastOrig != 0 {
			if e.transactions < 255 {
				e.transactions++
			}
			if e.transactions >= 2 {
				e.state = UDPStream
			}
		}
	}
	if orig {
		e.flags |= lastOrig
	} else {
		e.flags &^= lastOrig
		e.flags |= seenReply
	}
	return kill
}

func (e *entry) stepTCP(f flow.TCPFlags, orig bool) (kill bool) {
	switch {
	case f&flow.RST != 0:
		// An RST that comes before anything went the reply way (a
		// refused connection's RST-ACK, say) removes the entry, like Linux; otherwise
		// the connection closes (CT-17h). Either way the RST is admitted,
		// and the state it leaves is CLOSE, as Linux reports it.
		e.state = Close
		if e.flags&seenReply == 0 {
			return true
		}
	case f&flow.SYN != 0 && f&flow.ACK == 0:
		// A new SYN on a closed or closing connection opens it again.
		if orig && (e.state == TimeWait || e.state == Close) {
			e.state = SynSent
			e.flags &^= seenReply | finOrig | finReply | closeOrigF
			return false
		}
	case f&flow.SYN != 0: // SYN-ACK
		if !orig && e.state == SynSent {
			e.state = SynRecv
		}
	case f&flow.FIN != 0:
		if orig {
			e.flags |= finOrig
		} else {
			e.flags |= finReply
		}
		switch {
		case e.flags&finOrig != 0 && e.flags&finReply != 0:
			e.state = LastAck
		case e.state != CloseWait:
			if orig {
				e.flags |= closeOrigF
			}
			e.state = FinWait
		}
	case f&flow.ACK != 0:
		switch e.state {
		case SynRecv:
			if orig {
				e.state = Established
			}
		case FinWait:
			// The side that did not send the FIN acknowledges it.
			if orig != (e.flags&closeOrigF != 0) {
				e.state = CloseWait
			}
		case LastAck:
			e.state = TimeWait
		}
	}
	return false
}
