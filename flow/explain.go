package flow

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Detail is what the words of a [Decision] need besides the decision: the
// packet, and the names and rule texts that the compiled rule set which
// decided holds. The rule sets fill it (nacl.Compiled.Describe,
// sg.Set.Describe), and a vpc.Path does so for each hop it keeps. It is
// built only when words are wanted, never on the packet path.
type Detail struct {
	// Packet is the packet decided on; its protocol, addresses and ports
	// go into the words.
	Packet Packet
	// ACL is the network ACL's id (Stage == StageNACL).
	ACL string
	// RuleText is the deciding rule as text, when a rule decided.
	RuleText string
	// Group is, for a security-group rule, the group the rule belongs to;
	// for a security-group drop, the interface's groups joined with ", ";
	// for exempt traffic, the AWS service.
	Group string
	// GroupRule is the position of a security-group rule among its
	// group's rules of the direction, counted from 1; 0 when unknown.
	GroupRule int
}

// Explain renders d as one plain-English sentence for teachers and
// learners: which filter decided, in which direction, by which rule, and
// what connection tracking had to do with it. For example:
//
//	dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)
//	allowed by security group sg-web ingress rule #1 (tcp 80 from 0.0.0.0/0); the connection is now tracked (SYN_SENT)
//	allowed by security group connection tracking: part of a connection opened 2s ago (ESTABLISHED), whatever the rules say
//
// The names, rule texts and packet come from x (nil: none are known, and
// the sentence says less). The words depend only on d and x, so they are
// deterministic.
func (d Decision) Explain(x *Detail) string {
	if x == nil {
		x = &Detail{}
	}
	var b strings.Builder
	switch {
	case d.Stage == StageExempt || d.Reason == ReasonExempt ||
		(d.Stage == StageNone && d.Conntrack == CTExempt):
		explainExempt(&b, &d, x)
	case d.Stage == StageNACL:
		explainNACL(&b, &d, x)
	case d.Stage == StageSG:
		explainSG(&b, &d, x)
	default:
		switch d.Verdict {
		case Allow:
			b.WriteString("allowed: no filter stands on this path")
		case Drop:
			b.WriteString("dropped")
		default:
			b.WriteString("no decision")
		}
	}
	return b.String()
}

func verdictWord(v Verdict) string {
	switch v {
	case Allow:
		return "allowed"
	case Drop:
		return "dropped"
	}
	return "judged"
}

func explainNACL(b *strings.Builder, d *Decision, x *Detail) {
	b.WriteString(verdictWord(d.Verdict))
	b.WriteString(" by ")
	if x.ACL != "" {
		b.WriteString("network ACL ")
		b.WriteString(x.ACL)
	} else {
		b.WriteString("the network ACL")
	}
	b.WriteByte(' ')
	b.WriteString(d.Direction.String())
	b.WriteString(" rule ")
	if d.Reason == ReasonDefaultDeny {
		b.WriteString("* (default deny)")
	} else {
		b.WriteString(d.RuleLabel())
		if x.RuleText != "" {
			b.WriteString(" (")
			b.WriteString(x.RuleText)
			b.WriteByte(')')
		}
	}
	if d.Reason == ReasonDefaultDeny && d.Verdict == Drop {
		b.WriteString(": no rule allows ")
		writeTraffic(b, &x.Packet, d.Direction)
		if hint := replyHint(&x.Packet); hint != "" {
			b.WriteString("; network ACLs are stateless, so the reply to a request needs a rule of its own (")
			b.WriteString(hint)
			b.WriteByte(')')
		}
	}
	// A path's final decision carries what an earlier security
	// group stage did with the packet (egress: the SG sits before the
	// NACL, MODEL-6).
	switch d.Conntrack {
	case CTNew:
		b.WriteString("; the security groups had let it through and now track its connection")
		writeConnState(b, d, false)
	case CTEstablished:
		b.WriteString("; the security groups had let it through as part of a tracked connection")
		writeConnState(b, d, true)
	case CTUntracked:
		b.WriteString("; the security groups had let it through without tracking it")
	}
}

func explainSG(b *strings.Builder, d *Decision, x *Detail) {
	if d.Verdict == Drop {
		b.WriteString("dropped by ")
		writeGroups(b, x.Group)
		b.WriteString(" on ")
		b.WriteString(d.Direction.String())
		b.WriteString(": ")
		if d.Reason == ReasonTableFull {
			b.WriteString("the connection table is full (connection tracking allowance exceeded), so no new connection can start")
			return
		}
		b.WriteString("no rule allows ")
		writeTraffic(b, &x.Packet, d.Direction)
		if d.Note == NoteExpired {
			b.WriteString(", and its tracked connection had expired")
		} else {
			b.WriteString(", and no tracked connection admits it")
		}
		if p := &x.Packet; p.Proto.IsICMP() {
			if _, query := ICMPQuery(p.Proto, p.ICMPType); !query {
				// NOT-9, CT-11: the lesson learners most often miss.
				b.WriteString(" (an ICMP error is never admitted as related to a tracked connection: messages such as path MTU discovery need an ICMP rule of their own)")
			}
		}
		return
	}

	if d.Reason == ReasonTracked || (d.Reason != ReasonRule && d.Conntrack == CTEstablished) {
		b.WriteString(verdictWord(d.Verdict))
		b.WriteString(" by security group connection tracking: part of a ")
		if d.Age <= 0 {
			b.WriteString("tracked connection")
		} else {
			b.WriteString("connection opened ")
			b.WriteString(formatDuration(d.Age))
			b.WriteString(" ago")
		}
		if d.ConnState != StateNone {
			b.WriteString(" (")
			b.WriteString(d.ConnState.String())
			b.WriteByte(')')
		}
		b.WriteString(", whatever the rules say")
		return
	}

	b.WriteString(verdictWord(d.Verdict))
	b.WriteString(" by security group ")
	if x.Group != "" {
		b.WriteString(x.Group)
		b.WriteByte(' ')
	}
	b.WriteString(d.Direction.String())
	b.WriteString(" rule")
	if x.GroupRule > 0 {
		b.WriteString(" #")
		b.WriteString(strconv.Itoa(x.GroupRule))
	}
	if x.RuleText != "" {
		b.WriteString(" (")
		b.WriteString(x.RuleText)
		b.WriteByte(')')
	}

	switch d.Conntrack {
	case CTNew:
		if d.Note == NoteExpired {
			b.WriteString("; its earlier tracked connection had expired, so the connection is tracked anew")
		} else {
			b.WriteString("; the connection is now tracked")
		}
		writeConnState(b, d, false)
	case CTEstablished:
		b.WriteString("; it belongs to a tracked connection")
		writeConnState(b, d, true)
	case CTUntracked:
		switch d.Note {
		case NoteOpenBothWays:
			b.WriteString("; the flow is untracked: this rule is open to the whole internet (")
			b.WriteString(anyPrefix(&x.Packet))
			b.WriteString(") and an ")
			b.WriteString(d.Direction.Reverse().String())
			b.WriteString(" rule allows all ports back to it, so nothing is tracked and every packet, replies included, needs a rule of its own direction (removing the rule cuts the flow at once)")
		case NoteAnswersUntracked:
			b.WriteString("; the flow is untracked: this packet answers an untracked flow, so it gets no reply privilege and needed this ")
			b.WriteString(d.Direction.String())
			b.WriteString(" rule of its own; nothing is tracked")
		case NoteCannotStart:
			b.WriteString("; nothing is tracked: ")
			b.WriteString(packetKind(&x.Packet))
			b.WriteString(" cannot start a tracked connection, so the rules alone judged it")
		default:
			b.WriteString("; the flow is untracked")
		}
	}
}

func explainExempt(b *strings.Builder, d *Decision, x *Detail) {
	b.WriteString("not filtered: traffic ")
	p := &x.Packet
	var addr netip.Addr
	var name string
	toward := "to"
	switch {
	case awsService(p.Dst) != "":
		addr, name = p.Dst, awsService(p.Dst)
	case awsService(p.Src) != "":
		addr, name, toward = p.Src, awsService(p.Src), "from"
	case d.Direction == Ingress && p.Src.IsValid():
		addr, toward = p.Src, "from"
	default:
		addr = p.Dst
	}
	b.WriteString(toward)
	b.WriteString(" an AWS service")
	switch {
	case x.RuleText != "":
		b.WriteString(" (")
		b.WriteString(x.RuleText)
		b.WriteByte(')')
	case name != "":
		b.WriteString(" (")
		b.WriteString(name)
		b.WriteString(" at ")
		b.WriteString(addr.String())
		b.WriteByte(')')
	case addr.IsValid():
		b.WriteString(" (")
		b.WriteString(addr.String())
		b.WriteByte(')')
	}
	b.WriteString(" is never seen by security groups or network ACLs")
}

// awsService names the AWS services whose fixed addresses NOT-10 lists;
// "" for any other address.
func awsService(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is4() {
		b := a.As4()
		if b[0] != 169 || b[1] != 254 || b[2] != 169 {
			return ""
		}
		switch b[3] {
		case 254:
			return "instance metadata"
		case 253:
			return "Amazon DNS"
		case 123:
			return "Amazon Time Sync"
		}
		return ""
	}
	b := a.As16()
	// fd00:ec2::/64 with a final group of 0x254, 0x253 or 0x123.
	if b[0] != 0xfd || b[1] != 0 || b[2] != 0x0e || b[3] != 0xc2 {
		return ""
	}
	for i := 4; i < 14; i++ {
		if b[i] != 0 {
			return ""
		}
	}
	switch uint16(b[14])<<8 | uint16(b[15]) {
	case 0x254:
		return "instance metadata"
	case 0x253:
		return "Amazon DNS"
	case 0x123:
		return "Amazon Time Sync"
	}
	return ""
}

// writeGroups writes "security groups sg-a, sg-b" from the
// comma-separated list of a security-group drop.
func writeGroups(b *strings.Builder, groups string) {
	if strings.TrimSpace(groups) == "" {
		b.WriteString("the security groups")
		return
	}
	b.WriteString("security groups ")
	first := true
	for g := range strings.SplitSeq(groups, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(g)
	}
}

// writeConnState writes " (STATE, opened AGE ago)" with the parts known.
func writeConnState(b *strings.Builder, d *Decision, withAge bool) {
	age := withAge && d.Age > 0
	if d.ConnState == StateNone && !age {
		return
	}
	b.WriteString(" (")
	if d.ConnState != StateNone {
		b.WriteString(d.ConnState.String())
	}
	if age {
		if d.ConnState != StateNone {
			b.WriteString(", ")
		}
		b.WriteString("opened ")
		b.WriteString(formatDuration(d.Age))
		b.WriteString(" ago")
	}
	b.WriteByte(')')
}

// writeTraffic describes the packet as a rule of direction dir would
// have to match it: "tcp from 198.51.100.7 to port 443" (ingress rules
// look at the source), "tcp to port 51234 on 198.51.100.7" (egress rules
// look at the destination), "icmp echo-reply to 203.0.113.12", "gre from
// 10.0.0.1".
func writeTraffic(b *strings.Builder, p *Packet, dir Direction) {
	if !p.Src.IsValid() || !p.Dst.IsValid() {
		b.WriteString("this packet")
		return
	}
	b.WriteString(p.Proto.String())
	if p.Proto.IsICMP() {
		b.WriteByte(' ')
		writeICMPType(b, p)
	}
	switch {
	case p.Proto.HasPorts() && dir == Ingress:
		b.WriteString(" from ")
		b.WriteString(p.Src.String())
		b.WriteString(" to port ")
		b.WriteString(strconv.Itoa(int(p.DstPort)))
	case p.Proto.HasPorts():
		b.WriteString(" to port ")
		b.WriteString(strconv.Itoa(int(p.DstPort)))
		b.WriteString(" on ")
		b.WriteString(p.Dst.String())
	case dir == Ingress:
		b.WriteString(" from ")
		b.WriteString(p.Src.String())
	default:
		b.WriteString(" to ")
		b.WriteString(p.Dst.String())
	}
}

func writeICMPType(b *strings.Builder, p *Packet) {
	if name := icmpName(p.Proto, p.ICMPType, p.ICMPCode); name != "" {
		b.WriteString(name)
		return
	}
	b.WriteString("type ")
	b.WriteString(strconv.Itoa(int(p.ICMPType)))
	b.WriteString(" code ")
	b.WriteString(strconv.Itoa(int(p.ICMPCode)))
}

// looksLikeReply guesses whether p answers a request, from the packet
// alone: a TCP segment with ACK or RST, or a UDP datagram, going from a
// well-known port (below 1024) to an ephemeral one (1024 and up), or the
// reply type of an ICMP query (echo reply, ...). Network ACLs cannot know
// (NACL-19); the guess only chooses the words of an explanation.
func looksLikeReply(p *Packet) bool {
	switch p.Proto {
	case TCP:
		return p.Flags&(ACK|RST) != 0 && p.SrcPort < 1024 && p.DstPort >= 1024
	case UDP:
		return p.SrcPort < 1024 && p.DstPort >= 1024
	case ICMP, ICMPv6:
		req, ok := ICMPQuery(p.Proto, p.ICMPType)
		return ok && !req
	}
	return false
}

// replyHint says what rule a reply needs, or "" when p does not look like
// a reply.
func replyHint(p *Packet) string {
	if !looksLikeReply(p) {
		return ""
	}
	if p.Proto.HasPorts() {
		return "ephemeral ports 1024-65535"
	}
	h := "an " + p.Proto.String() + " rule for type " + strconv.Itoa(int(p.ICMPType))
	if name := icmpName(p.Proto, p.ICMPType, 0); name != "" {
		h += ", " + name
	}
	return h
}

// packetKind names the kind of packet that cannot start a tracked
// connection (CT-10, CT-17k).
func packetKind(p *Packet) string {
	switch p.Proto {
	case TCP:
		f := p.Flags
		switch {
		case f.Has(SYN | ACK):
			return "a lone SYN-ACK"
		case f&RST != 0:
			return "an RST"
		case f&FIN != 0:
			return "a FIN"
		}
		return "a tcp segment with flags [" + f.String() + "]"
	case ICMP, ICMPv6:
		if req, ok := ICMPQuery(p.Proto, p.ICMPType); ok && !req {
			if name := icmpName(p.Proto, p.ICMPType, 0); name == "echo-reply" {
				return "an echo reply"
			}
			return "a query reply"
		}
		return "an " + p.Proto.String() + " message that is not a query (an error or a router message)"
	}
	return "this packet"
}

// anyPrefix returns the prefix that stands for the whole internet in the
// packet's family.
func anyPrefix(p *Packet) string {
	switch {
	case p.Src.Is4():
		return "0.0.0.0/0"
	case p.Src.Is6():
		return "::/0"
	}
	return "0.0.0.0/0 or ::/0"
}

// formatDuration renders a duration as a person would say it: "2s",
// "1m30s", "1h", "5d", "1.5s", "250ms", without the zero parts that
// time.Duration.String keeps ("1h0m0s").
func formatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + formatDuration(-d)
	}
	if d < time.Second {
		return d.String()
	}
	var b []byte
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	if days > 0 {
		b = strconv.AppendInt(b, int64(days), 10)
		b = append(b, 'd')
	}
	if h > 0 {
		b = strconv.AppendInt(b, int64(h), 10)
		b = append(b, 'h')
	}
	if m > 0 {
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, 'm')
	}
	if d > 0 {
		s := d / time.Second
		frac := d % time.Second
		b = strconv.AppendInt(b, int64(s), 10)
		if frac > 0 {
			// Up to nanoseconds, trailing zeros dropped: 1.5s, 0.25s.
			digits := strconv.AppendInt(nil, int64(frac)+int64(time.Second), 10)[1:]
			for len(digits) > 0 && digits[len(digits)-1] == '0' {
				digits = digits[:len(digits)-1]
			}
			b = append(b, '.')
			b = append(b, digits...)
		}
		b = append(b, 's')
	}
	return string(b)
}
