package scenario

import (
	"encoding"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

var (
	stepFields          = []string{"at", "packet", "connect", "change", "expect"}
	stepActions         = []string{"packet", "connect", "change"}
	packetExpectFields  = []string{"verdict", "stage", "acl", "direction", "rule", "conntrack"}
	connectExpectFields = []string{"outcome", "stage", "acl", "direction", "rule"}
	dropFields          = []string{"stage", "acl", "direction", "rule"}
)

// MaxAt is the latest time a step may be at: 100 years of 365 days after
// the start. Connection-tracking timeouts are at most days long, so no
// lesson needs more; the bound keeps every simulated time ([Epoch] + at)
// within what a time.Duration and a connection table hold.
const MaxAt = 100 * 365 * 24 * time.Hour

// maxAtText is MaxAt as the format writes it.
const maxAtText = "876000h"

// StepName names step i of File.Steps (from 0) in every message and
// output of pfsim: "step 1" for the first. Field paths such as
// steps[0].packet index the list from 0, as jq does.
func StepName(i int) string { return "step " + strconv.Itoa(i+1) }

// steps reads the timeline, walking st through its changes.
func (d *decoder) steps(o *obj, st *state) []Step {
	items, _ := o.list("steps")
	var out []Step
	var prev time.Duration
	var prevAt *yaml.Node
	for i, n := range items {
		ctx := StepName(i)
		if v := d.peek(n, "at"); v != nil && v.Kind == yaml.ScalarNode {
			if at, err := time.ParseDuration(strings.TrimSpace(v.Value)); err == nil && at >= 0 && at <= MaxAt {
				ctx += " (at " + at.String() + ")"
			}
		}
		so := d.object(n, o.elem("steps", i), ctx, stepFields)
		if so == nil {
			continue
		}
		s := Step{Pos: d.pos(so.n)}
		if at, an, ok := d.at(so); ok {
			if prevAt != nil && at < prev {
				so.fail("at", an, "goes back in time: the step before is at "+prev.String()+
					" (line "+strconv.Itoa(prevAt.Line)+"); steps are in the order of time")
			}
			s.At, prev, prevAt = at, at, an
		}

		var actions []string
		for _, k := range stepActions {
			if so.keys[k] != nil { // present, even if null
				actions = append(actions, k)
			}
		}
		switch len(actions) {
		case 0:
			so.d.failAt(s.Pos, so.path, prefix(so.ctx)+"no action: a step has one of packet, connect, change")
			continue
		case 1:
		default:
			for _, k := range actions[1:] {
				d.failAt(d.pos(so.keys[k]), so.field(k), prefix(so.ctx)+k+": a step has exactly one of packet, connect, change; this one also has "+actions[0])
			}
			continue
		}
		ok := true
		switch actions[0] {
		case "packet":
			s.Kind = StepPacket
			s.Packet, ok = d.packet(so, st)
		case "connect":
			s.Kind = StepConnect
			s.Connect, ok = d.connect(so, st)
		case "change":
			s.Kind = StepChange
			s.Change, ok = d.change(so, st)
		}
		if en := so.val("expect"); en != nil {
			if s.Kind == StepChange {
				so.fail("expect", en, "a change has no expectation; put it on a packet or connect step")
			} else {
				s.Expect = d.expect(so, en, s.Kind, st)
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// at reads a step's required time.
func (d *decoder) at(so *obj) (time.Duration, *yaml.Node, bool) {
	v, n, ok := so.str("at")
	if !ok {
		if so.val("at") == nil {
			so.missing("at", "a Go duration counted from the start, such as 0s, 1.5s or 2h")
		}
		return 0, nil, false
	}
	at, err := time.ParseDuration(strings.TrimSpace(v))
	switch {
	case err != nil:
		hint := "want a Go duration such as 0s, 1.5s, 31s or 2h"
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			hint = "a duration needs a unit: write " + strings.TrimSpace(v) + "s for seconds"
		}
		so.fail("at", n, hint)
		return 0, n, false
	case at < 0:
		so.fail("at", n, "must not be negative")
		return 0, n, false
	case at > MaxAt:
		so.fail("at", n, "more than "+maxAtText+" (100 years) after the start: a simulation goes no further")
		return 0, n, false
	}
	return at, n, true
}

// packet reads a packet step's text and checks its addresses against the
// VPC at this step.
func (d *decoder) packet(so *obj, st *state) (flow.Packet, bool) {
	v, n, ok := so.str("packet")
	if !ok {
		if !so.has("packet") {
			d.failAt(d.pos(so.keys["packet"]), so.field("packet"), prefix(so.ctx)+"packet: no packet text: want PROTO SRC > DST [FLAGS], such as tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]")
		}
		return flow.Packet{}, false
	}
	p, err := flow.ParsePacket(v)
	if err != nil {
		at := d.pos(n)
		var pe *flow.ParseError
		if errors.As(err, &pe) {
			at.Col += textOffset(n, pe.Offset)
		}
		d.failAt(at, so.field("packet"), prefix(so.ctx)+err.Error())
		return flow.Packet{}, false
	}
	return p, d.endpoints(so, "packet", n, st, p.Src, p.Dst)
}

// textOffset returns how many columns into a scalar's value the byte at
// offset off is, when the scalar is written on one line as is (plain, or
// quoted: one more for the quote); 0 for block scalars, whose text starts
// on a later line.
func textOffset(n *yaml.Node, off int) int {
	if off < 0 || off > len(n.Value) || strings.ContainsRune(n.Value[:off], '\n') {
		return 0
	}
	cols := utf8.RuneCountInString(n.Value[:off])
	switch n.Style {
	case 0, yaml.TaggedStyle:
		return cols
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return cols + 1
	}
	return 0
}

// endpoints checks that a packet or connect has an interface at one end
// at least, and not the same interface at both.
func (d *decoder) endpoints(so *obj, key string, n *yaml.Node, st *state, src, dst netip.Addr) bool {
	si, di := st.addrs[src], st.addrs[dst]
	switch {
	case si == nil && di == nil:
		so.fail(key, n, "neither "+src.String()+" nor "+dst.String()+" is an address of an interface at this step: one end must be in the VPC")
		return false
	case si == di:
		so.fail(key, n, "from interface "+si.ID+" to itself")
		return false
	}
	for _, a := range [2]netip.Addr{src, dst} {
		if st.addrs[a] != nil {
			continue
		}
		for _, id := range st.subnetOrder {
			s := st.subnets[id]
			if s.Contains(a) && !isReservedIn(s, a) {
				d.warnAt(d.pos(n), prefix(so.ctx)+key+": "+a.String()+" lies in subnet "+s.ID+" but belongs to no interface; it is treated as outside the VPC")
			}
		}
	}
	return true
}

// isReservedIn reports whether a is one of the addresses AWS reserves in
// s's block of a's family.
func isReservedIn(s *Subnet, a netip.Addr) bool {
	block := s.CIDR
	if a.Is6() {
		block = s.IPv6CIDR
	}
	_, ok := vpc.Reserved(block, a)
	return ok
}

// connect reads a connect step's text: "tcp A > B:PORT", "tcp A:PORT >
// B:PORT", "icmp A > B", "icmpv6 A > B".
func (d *decoder) connect(so *obj, st *state) (Connect, bool) {
	v, n, ok := so.str("connect")
	if !ok {
		if !so.has("connect") {
			d.failAt(d.pos(so.keys["connect"]), so.field("connect"), prefix(so.ctx)+"connect: no connect text: "+connectSyntax)
		}
		return Connect{}, false
	}
	c, err := ParseConnect(v)
	if err != nil {
		so.fail("connect", n, err.Error())
		return Connect{}, false
	}
	c.Pos = d.pos(n)
	return c, d.endpoints(so, "connect", n, st, c.Src, c.Dst)
}

// connectSyntax shows the connect syntax in messages.
const connectSyntax = "want PROTO CLIENT > HOST: tcp 198.51.100.7 > 10.0.1.10:80, tcp 198.51.100.7:50000 > 10.0.1.10:80, icmp 198.51.100.7 > 10.0.1.10"

// ParseConnect reads the text of a connect step:
//
//	tcp 198.51.100.7 > 10.0.1.10:8080
//	tcp 198.51.100.7:50000 > 10.0.1.10:8080     (the client's port given)
//	tcp [2001:db8::7]:50000 > [2001:db8:1::10]:443
//	icmp 198.51.100.7 > 10.0.1.10               (a ping)
//	icmpv6 2001:db8::7 > 2001:db8:1::10
//
// The protocol is tcp, icmp (IPv4) or icmpv6 (IPv6); both addresses are of
// one family; ports are 1..65535.
func ParseConnect(s string) (Connect, error) {
	var c Connect
	f := strings.Fields(strings.ReplaceAll(s, ">", " > "))
	if len(f) != 4 || f[2] != ">" {
		return c, errors.New(connectSyntax)
	}
	proto, err := flow.ParseProto(f[0])
	if err != nil {
		return c, errors.New("unknown protocol " + strconv.Quote(f[0]) + ": a connect is tcp, icmp or icmpv6")
	}
	switch proto {
	case flow.TCP, flow.ICMP, flow.ICMPv6:
	case flow.UDP:
		return c, errors.New("udp has no handshake to play: a connect is tcp, icmp or icmpv6; send udp as packet steps")
	default:
		return c, errors.New("a connect is tcp, icmp or icmpv6, not " + proto.String())
	}
	c.Proto = proto
	src, sport, msg := parseEndpoint(f[1])
	if msg != "" {
		return c, errors.New("client " + f[1] + ": " + msg)
	}
	dst, dport, msg := parseEndpoint(f[3])
	if msg != "" {
		return c, errors.New("host " + f[3] + ": " + msg)
	}
	switch {
	case src.Is4() != dst.Is4():
		return c, errors.New("client " + src.String() + " and host " + dst.String() + " are of different families")
	case proto == flow.ICMP && src.Is6():
		return c, errors.New("icmp is for IPv4; IPv6 uses icmpv6")
	case proto == flow.ICMPv6 && src.Is4():
		return c, errors.New("icmpv6 is for IPv6; IPv4 uses icmp")
	}
	if proto == flow.TCP {
		switch {
		case dport < 0:
			return c, errors.New("host " + f[3] + ": needs a port, such as " + netip.AddrPortFrom(dst, 80).String())
		case dport == 0:
			return c, errors.New("host " + f[3] + ": port must be 1..65535")
		case sport == 0:
			return c, errors.New("client " + f[1] + ": port must be 1..65535, or left out to pick one")
		}
		if sport > 0 {
			c.SrcPort = uint16(sport)
		}
		c.DstPort = uint16(dport)
	} else if sport >= 0 || dport >= 0 {
		return c, errors.New(proto.String() + " has no ports: write bare addresses")
	}
	c.Src, c.Dst = src, dst
	return c, nil
}

// change reads a change step's declarations and applies them to st.
func (d *decoder) change(so *obj, st *state) (Change, bool) {
	cn := so.val("change")
	if cn == nil { // `change:` with nothing: an empty change
		d.warnAt(d.pos(so.keys["change"]), prefix(so.ctx)+"change: changes nothing")
		return Change{}, true
	}
	co := d.object(cn, so.field("change"), so.ctx+" change", declFields)
	if co == nil {
		return Change{}, false
	}
	ds := d.declarations(co)
	if ds.empty() {
		d.warnAt(d.pos(co.n), prefix(so.ctx)+"change: changes nothing")
	}
	return d.apply(st, ds, false), true
}

// enum reads field key of eo as one of the values allowed, spelled as
// their MarshalText spells them (so a file's words are the library's
// own), whatever its case; ok is false when the field is absent, or wrong
// and reported.
func enum[T encoding.TextMarshaler](eo *obj, key string, allowed ...T) (v T, ok bool) {
	s, vn, present := eo.str(key)
	if !present {
		return v, false
	}
	w := strings.ToLower(strings.TrimSpace(s))
	names := make([]string, 0, len(allowed))
	for _, a := range allowed {
		b, err := a.MarshalText()
		if err != nil {
			continue
		}
		if w == string(b) {
			return a, true
		}
		names = append(names, string(b))
	}
	eo.fail(key, vn, "want "+strings.Join(names, " or "))
	return v, false
}

// expect reads a step's expectation: a short form (allow, drop; connected,
// refused, timeout) or a mapping.
func (d *decoder) expect(so *obj, n *yaml.Node, kind StepKind, st *state) *Expect {
	e := &Expect{Pos: d.pos(n)}
	if n.Kind == yaml.ScalarNode {
		v := strings.ToLower(strings.TrimSpace(n.Value))
		if kind == StepPacket {
			switch v {
			case "allow":
				e.Verdict = flow.Allow
			case "drop":
				e.Verdict = flow.Drop
			case "connected", "refused", "timeout":
				so.fail("expect", n, "a connect outcome; a packet expects allow or drop")
			default:
				so.fail("expect", n, "want allow or drop, or a mapping of verdict, stage, acl, direction, rule, conntrack")
			}
		} else {
			switch v {
			case "connected":
				e.Outcome = Connected
			case "refused":
				e.Outcome = Refused
			case "timeout":
				e.Outcome = Timeout
			case "allow", "drop":
				so.fail("expect", n, "a packet verdict; a connect expects connected, refused or timeout")
			default:
				so.fail("expect", n, "want connected, refused or timeout, or a mapping of outcome, stage, acl, direction, rule")
			}
		}
		return e
	}

	fields := packetExpectFields
	if kind == StepConnect {
		fields = connectExpectFields
	}
	eo := d.object(n, so.field("expect"), so.ctx+" expect", fields)
	if eo == nil {
		return e
	}
	if v, ok := enum(eo, "verdict", flow.Allow, flow.Drop); ok {
		e.Verdict = v
	}
	if v, ok := enum(eo, "outcome", Connected, Refused, Timeout); ok {
		e.Outcome = v
	}
	if v, ok := enum(eo, "stage", flow.StageNACL, flow.StageSG); ok {
		e.Stage = v
	}
	if v, ok := enum(eo, "direction", flow.Ingress, flow.Egress); ok {
		e.Direction = &v
	}
	if v, ok := enum(eo, "conntrack", flow.CTNew, flow.CTEstablished, flow.CTUntracked, flow.CTExempt); ok {
		e.Conntrack = v
	}
	if v, vn, ok := eo.str("acl"); ok {
		if _, known := st.acls[v]; !known {
			eo.fail("acl", vn, "no such network ACL at this step"+suggest(v, keys(st.acls), false))
		} else {
			e.ACL = v
		}
	}
	ruleNum := 0
	if rn := eo.scalar("rule"); rn != nil {
		v := strings.TrimSpace(rn.Value)
		num, ok := intValue(rn)
		switch {
		case v == RuleDefault:
			e.Rule = RuleDefault
		case !ok || num < 1 || num > 32766:
			eo.fail("rule", rn, `want a NACL rule number 1..32766, or "*" for the default deny`)
		default:
			e.Rule, ruleNum = strconv.Itoa(num), num
		}
	}

	// Which fields go together.
	var drop []string
	for _, k := range dropFields {
		if eo.has(k) {
			drop = append(drop, k)
		}
	}
	if len(drop) > 0 {
		first := drop[0]
		switch {
		case kind == StepPacket && e.Verdict == flow.Allow:
			eo.fail(first, eo.val(first), "describes a drop, but the expected verdict is allow")
		case kind == StepPacket && eo.has("conntrack"):
			eo.fail(first, eo.val(first), "describes a drop, but conntrack describes an allow")
		case kind == StepPacket:
			e.Verdict = flow.Drop
		case e.Outcome == Connected || e.Outcome == Refused:
			eo.fail(first, eo.val(first), "describes the drop that causes a timeout, but the expected outcome is "+e.Outcome.String())
		default:
			e.Outcome = Timeout
		}
	}
	if eo.has("conntrack") && kind == StepPacket {
		switch e.Verdict {
		case flow.Drop:
			if len(drop) == 0 {
				eo.fail("conntrack", eo.val("conntrack"), "describes an allow, but the expected verdict is drop")
			}
		default:
			e.Verdict = flow.Allow
		}
	}
	if e.Stage == flow.StageSG {
		for _, k := range [2]string{"acl", "rule"} {
			if eo.has(k) {
				eo.fail(k, eo.val(k), "describes a network ACL's drop, but stage is sg")
			}
		}
	}
	if e.ACL != "" && ruleNum > 0 && e.Stage != flow.StageSG {
		a := st.acls[e.ACL]
		has := false
		for _, dir := range directions {
			if e.Direction != nil && *e.Direction != dir {
				continue
			}
			rules := a.ACL.Ingress
			if dir == flow.Egress {
				rules = a.ACL.Egress
			}
			for _, r := range rules {
				has = has || r.Number == ruleNum
			}
		}
		if !has {
			where := ""
			if e.Direction != nil {
				where = " " + e.Direction.String()
			}
			eo.fail("rule", eo.val("rule"), "nacl "+e.ACL+" has no"+where+" rule "+e.Rule+" at this step")
		}
	}
	return e
}
