package vpc

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// The spec's custom network ACLs and groups of §5, for one interface in
// its subnet: eni at 10.0.1.10 in subnet-t (10.0.1.0/24), or at
// 172.31.16.139 in 172.31.16.0/24 for TRACE-F. Packets come from, or go
// to, addresses outside the VPC, so an ingress packet meets the subnet's
// ACL, then the groups, and an egress packet the other way round.

func aclRules(t testing.TB, lines ...string) []nacl.Rule {
	t.Helper()
	rules := make([]nacl.Rule, len(lines))
	for i, l := range lines {
		r, err := nacl.ParseRule(l)
		require.NoError(t, err, l)
		rules[i] = r
	}
	return rules
}

// aclWeb is TRACE-B's acl-web: tcp 80 only, both ways. With fixed, the
// outbound rule 110 for ephemeral ports is added (NACL-21).
func aclWeb(t testing.TB, fixed bool) nacl.ACL {
	a := nacl.ACL{ID: "acl-web",
		Ingress: aclRules(t, "100 allow tcp 80 0.0.0.0/0"),
		Egress:  aclRules(t, "100 allow tcp 80 0.0.0.0/0")}
	if fixed {
		a.Egress = append(a.Egress, aclRules(t, "110 allow tcp 1024-65535 0.0.0.0/0")...)
	}
	return a
}

// aclStrict is TRACE-C's acl-strict: ssh in from 192.0.2.0/24, https out.
// With fixed, inbound rule 120 for ephemeral ports is added.
func aclStrict(t testing.TB, fixed bool) nacl.ACL {
	a := nacl.ACL{ID: "acl-strict",
		Ingress: aclRules(t, "100 allow tcp 22 192.0.2.0/24"),
		Egress:  aclRules(t, "100 allow tcp 443 0.0.0.0/0")}
	if fixed {
		a.Ingress = append(a.Ingress, aclRules(t, "120 allow tcp 1024-65535 0.0.0.0/0")...)
	}
	return a
}

// aclPing is TRACE-F's ACL: ICMP in, tcp to ephemeral ports out.
func aclPing(t testing.TB) nacl.ACL {
	return nacl.ACL{ID: "acl-ping",
		Ingress: aclRules(t, "100 allow icmp type -1 code -1 0.0.0.0/0"),
		Egress:  aclRules(t, "100 allow tcp 1024-65535 0.0.0.0/0")}
}

func rule(p flow.Protocol, from, to int, cidr string) sg.Rule {
	return sg.Rule{Protocol: p, FromPort: from, ToPort: to, CIDR: netip.MustParsePrefix(cidr)}
}

var (
	pAll  = flow.AnyProtocol
	pTCP  = flow.ProtocolOf(flow.TCP)
	pICMP = flow.ProtocolOf(flow.ICMP)

	// sgWeb: tcp 80 and 443 in from anywhere, all out (HTTP untracked, CT-3).
	sgWeb = sg.Group{ID: "sg-web", Ingress: []sg.Rule{rule(pTCP, 80, 80, "0.0.0.0/0"), rule(pTCP, 443, 443, "0.0.0.0/0")},
		Egress: []sg.Rule{rule(pAll, 0, 0, "0.0.0.0/0")}}
	// sgClient: no inbound rules, all out.
	sgClient = sg.Group{ID: "sg-client", Egress: []sg.Rule{rule(pAll, 0, 0, "0.0.0.0/0")}}
	// sgAdmin: tcp 8443 in from 198.51.100.0/24, no outbound rules.
	sgAdmin = sg.Group{ID: "sg-admin", Ingress: []sg.Rule{rule(pTCP, 8443, 8443, "198.51.100.0/24")}}
	// sgPing: every ICMP message in, only tcp 443 out.
	sgPing = sg.Group{ID: "sg-ping", Ingress: []sg.Rule{rule(pICMP, -1, -1, "0.0.0.0/0")},
		Egress: []sg.Rule{rule(pTCP, 443, 443, "0.0.0.0/0")}}
	// sgAll: every protocol both ways.
	sgAll = sg.Group{ID: "sg-all", Ingress: []sg.Rule{rule(pAll, 0, 0, "0.0.0.0/0")},
		Egress: []sg.Rule{rule(pAll, 0, 0, "0.0.0.0/0")}}
)

// oneInterface is a VPC of one interface, eni, at addr in a /24 subnet
// whose network ACL is acl, carrying groups.
func oneInterface(t testing.TB, addr string, acl nacl.ACL, groups ...sg.Group) *VPC {
	t.Helper()
	a := netip.MustParseAddr(addr)
	cfg := Config{
		NetworkACLs:    []nacl.ACL{acl},
		SecurityGroups: groups,
		Subnets:        []Subnet{{ID: "subnet-t", CIDR: netip.PrefixFrom(a, 24).Masked(), ACL: acl.ID}},
		Interfaces: []Interface{{ID: "eni", Subnet: "subnet-t", PrivateIPs: []netip.Addr{a},
			Tracking: conntrack.Config{SizeHint: 4096}}},
	}
	for _, g := range groups {
		cfg.Interfaces[0].Groups = append(cfg.Interfaces[0].Groups, g.ID)
	}
	v, err := New(cfg)
	require.NoError(t, err)
	return v
}

// TestPathOrder is MODEL-5, MODEL-6 and MODEL-8 with a real ACL and
// groups: ingress meets the ACL, then the groups; egress the groups, then
// the ACL; the first drop ends the path. The final decision is the
// deciding filter's, and it carries the groups' tracking outcome (CT-21).
func TestPathOrder(t *testing.T) {
	nac, sgs := flow.StageNACL, flow.StageSG
	tests := []struct {
		name   string
		acl    nacl.ACL
		groups []sg.Group
		pkt    string
		order  []flow.StageKind // filters met, in order
		dir    flow.Direction   // the direction the interface sees
		want   flow.Verdict
		stage  flow.StageKind // the deciding filter
		reason flow.Reason
		ct     flow.CTState
		state  flow.ConnState
		conns  int
	}{
		// MODEL-5: ingress crosses the subnet's ACL first; the groups,
		// last, decide the allow (TRACE-A A1: untracked).
		{name: "MODEL-5 ingress allow", acl: nacl.Default("acl-default"), groups: []sg.Group{sgWeb},
			pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", dir: flow.Ingress,
			order: []flow.StageKind{nac, sgs}, want: flow.Allow, stage: sgs, reason: flow.ReasonRule, ct: flow.CTUntracked},
		// MODEL-6: egress crosses the groups first; the ACL, last, decides
		// the allow and the groups' new entry is carried over (TRACE-C C1).
		{name: "MODEL-6 egress allow", acl: nacl.Default("acl-default"), groups: []sg.Group{sgClient},
			pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: flow.Egress,
			order: []flow.StageKind{sgs, nac}, want: flow.Allow, stage: nac, reason: flow.ReasonRule, ct: flow.CTNew,
			state: flow.StateSynSent, conns: 1},
		// MODEL-8, CT-21: an ingress packet the ACL drops never reaches
		// the groups, so GRE, which sg-all would track (CT-2), makes no
		// entry.
		{name: "MODEL-8 ingress ACL drop", acl: aclStrict(t, false), groups: []sg.Group{sgAll},
			pkt: "gre 198.51.100.7 > 10.0.1.10", dir: flow.Ingress,
			order: []flow.StageKind{nac}, want: flow.Drop, stage: nac, reason: flow.ReasonDefaultDeny},
		// MODEL-8: an egress packet the groups drop never reaches the ACL
		// (sg-admin has no outbound rule).
		{name: "MODEL-8 egress SG drop", acl: nacl.Default("acl-default"), groups: []sg.Group{sgAdmin},
			pkt: "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", dir: flow.Egress,
			order: []flow.StageKind{sgs}, want: flow.Drop, stage: sgs, reason: flow.ReasonNoRule},
		// MODEL-5: ingress dropped by the groups after the ACL let it in
		// (TRACE-D D1).
		{name: "MODEL-5 ingress SG drop", acl: nacl.Default("acl-default"), groups: []sg.Group{sgWeb, sgAdmin},
			pkt: "tcp 198.51.100.7:50010 > 10.0.1.10:8080 [S]", dir: flow.Ingress,
			order: []flow.StageKind{nac, sgs}, want: flow.Drop, stage: sgs, reason: flow.ReasonNoRule},
		// CT-21: the groups admit and track the egress SYN, then the ACL's
		// `*` rule drops it: the decision is the ACL's drop, with the
		// groups' new entry.
		{name: "CT-21 egress ACL drop after SG tracking", acl: aclStrict(t, false), groups: []sg.Group{sgClient},
			pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:80 [S]", dir: flow.Egress,
			order: []flow.StageKind{sgs, nac}, want: flow.Drop, stage: nac, reason: flow.ReasonDefaultDeny, ct: flow.CTNew,
			state: flow.StateSynSent, conns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := oneInterface(t, "10.0.1.10", tt.acl, tt.groups...)
			p := flow.MustParsePacket(tt.pkt)
			path, err := v.Send(&p, t0)
			require.NoError(t, err)
			var order []flow.StageKind
			for _, h := range path.Hops {
				order = append(order, h.Decision.Stage)
				assert.Equal(t, tt.dir, h.Decision.Direction, "every hop sees the packet the interface's way")
				assert.Equal(t, "eni", h.Interface())
				assert.Equal(t, "subnet-t", h.Subnet())
			}
			assert.Equal(t, tt.order, order, "filters met")
			d := path.Final
			assert.Equal(t, tt.want, d.Verdict)
			assert.Equal(t, tt.stage, d.Stage)
			assert.Equal(t, tt.dir, d.Direction)
			assert.Equal(t, tt.reason, d.Reason)
			assert.Equal(t, tt.ct, d.Conntrack)
			assert.Equal(t, tt.state, d.ConnState)
			assert.Equal(t, p, path.Packet)
			assert.Equal(t, tt.conns, v.Table("eni").Len())
		})
	}
}

// TestPathCT21 is CT-21 in detail (acl-strict, sg-client): the groups
// track an egress SYN that the ACL's outbound `*` rule then drops. The
// decision names the ACL rule and carries the groups' outcome; the table
// holds the connection, in SYN_SENT, under the SYN's key. A
// retransmission finds the entry (established) and is dropped by the ACL
// again; the entry dies 120 s after the last SYN (CT-17a).
func TestPathCT21(t *testing.T) {
	v := oneInterface(t, "10.0.1.10", aclStrict(t, false), sgClient)
	tab := v.Table("eni")
	p := flow.MustParsePacket("tcp 10.0.1.10:40002 > 203.0.113.80:80 [S]")

	path, err := v.Send(&p, t0)
	require.NoError(t, err)
	d, x := path.Final, path.Detail()
	assert.Equal(t, flow.Drop, d.Verdict)
	assert.Equal(t, flow.StageNACL, d.Stage)
	assert.Equal(t, flow.ReasonDefaultDeny, d.Reason)
	assert.Equal(t, "acl-strict", x.ACL)
	assert.EqualValues(t, flow.DefaultRuleV4, d.RuleNumber)
	assert.Equal(t, "*", d.RuleLabel())
	assert.Equal(t, nacl.DefaultRuleTextV4, x.RuleText)
	assert.Equal(t, flow.CTNew, d.Conntrack, "the groups' outcome is carried over")
	assert.Equal(t, flow.StateSynSent, d.ConnState)
	assert.Equal(t, p, x.Packet)
	require.Equal(t, 1, tab.Len(), "the entry stays although the packet was dropped")
	conns := tab.Conns(t0)
	require.Len(t, conns, 1)
	assert.Equal(t, p.Key(), conns[0].Key)
	assert.Equal(t, conntrack.SynSent, conns[0].State)

	path, err = v.Send(&p, t0.Add(3*time.Second))
	require.NoError(t, err)
	assert.Equal(t, flow.Drop, path.Final.Verdict)
	assert.Equal(t, flow.StageNACL, path.Final.Stage)
	assert.Equal(t, flow.CTEstablished, path.Final.Conntrack, "the retransmission belongs to the entry")

	assert.Len(t, tab.Conns(t0.Add(123*time.Second-1)), 1)
	assert.Equal(t, 1, tab.Sweep(t0.Add(123*time.Second), 0))
	assert.Zero(t, tab.Len())
}

// pathStep is one packet through the interface and its path's decision.
type pathStep struct {
	id    string
	at    time.Duration
	pkt   string
	want  flow.Verdict
	stage flow.StageKind // the deciding filter
	rule  int            // the NACL rule number when the ACL decided
	ct    flow.CTState
	conns int
}

// TestPathTraces runs the traces whose lesson needs both filters (§5):
// TRACE-B (an ACL without a rule for replies), TRACE-C part 2 (the groups
// track, the ACL drops the reply) and TRACE-F (the groups admit the echo
// reply, the ACL rejects it).
func TestPathTraces(t *testing.T) {
	const (
		allow = flow.Allow
		drop  = flow.Drop
		nac   = flow.StageNACL
		sgs   = flow.StageSG
		star  = flow.DefaultRuleV4
		s     = time.Second
	)
	tests := []struct {
		name   string
		addr   string
		acl    nacl.ACL
		groups []sg.Group
		steps  []pathStep
		// after runs last, with the table (expiry checks).
		after func(t *testing.T, tab *conntrack.Table)
	}{
		// TRACE-B: acl-web lets HTTP in but has no outbound rule for the
		// replies' ephemeral ports: the SYN-ACK, which the groups admit
		// untracked, is dropped by the outbound `*` rule (NACL-19..21).
		{name: "TRACE-B", addr: "10.0.1.10", acl: aclWeb(t, false), groups: []sg.Group{sgWeb}, steps: []pathStep{
			{id: "B1", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B2", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", want: drop, stage: nac, rule: star, ct: flow.CTUntracked},
			{id: "B3", at: 1 * s, pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B4", at: 1 * s, pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", want: drop, stage: nac, rule: star, ct: flow.CTUntracked},
		}},
		// TRACE-B fixed: outbound rule 110 admits the reply.
		{name: "TRACE-B fixed", addr: "10.0.1.10", acl: aclWeb(t, true), groups: []sg.Group{sgWeb}, steps: []pathStep{
			{id: "B1", pkt: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", want: allow, stage: sgs, ct: flow.CTUntracked},
			{id: "B2", pkt: "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", want: allow, stage: nac, rule: 110, ct: flow.CTUntracked},
		}},
		// TRACE-C part 2: the SYN passes sg-client (new) and outbound rule
		// 100; the SYN-ACK is dropped by acl-strict's inbound `*` rule
		// before the groups see it, and the entry from C5 stays in
		// SYN_SENT until it expires at 130 s (CT-17a).
		{name: "TRACE-C part 2", addr: "10.0.1.10", acl: aclStrict(t, false), groups: []sg.Group{sgClient}, steps: []pathStep{
			{id: "C5", at: 10 * s, pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", want: allow, stage: nac, rule: 100, ct: flow.CTNew, conns: 1},
			{id: "C6", at: 10 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40002 [S.]", want: drop, stage: nac, rule: star, conns: 1},
		}, after: func(t *testing.T, tab *conntrack.Table) {
			conns := tab.Conns(t0.Add(130*s - 1))
			require.Len(t, conns, 1)
			assert.Equal(t, conntrack.SynSent, conns[0].State, "C6 never reached the groups")
			assert.WithinDuration(t, t0.Add(130*s), conns[0].Expires, 0, "C5 at 10 s + 120 s")
			assert.Equal(t, 1, tab.Sweep(t0.Add(130*s), 0))
		}},
		// TRACE-C part 2 fixed: inbound rule 120 admits the SYN-ACK, which
		// the groups admit on the entry.
		{name: "TRACE-C part 2 fixed", addr: "10.0.1.10", acl: aclStrict(t, true), groups: []sg.Group{sgClient}, steps: []pathStep{
			{id: "C5", at: 10 * s, pkt: "tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]", want: allow, stage: nac, rule: 100, ct: flow.CTNew, conns: 1},
			{id: "C6", at: 10 * s, pkt: "tcp 203.0.113.80:443 > 10.0.1.10:40002 [S.]", want: allow, stage: sgs, ct: flow.CTEstablished, conns: 1},
		}},
		// TRACE-F: the echo request passes the ACL and the groups (new,
		// ICMP is always tracked); the groups admit the reply on the
		// entry, and the ACL's outbound `*` rule rejects it: AWS's REJECT
		// record.
		{name: "TRACE-F", addr: "172.31.16.139", acl: aclPing(t), groups: []sg.Group{sgPing}, steps: []pathStep{
			{id: "F1", pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", want: allow, stage: sgs, ct: flow.CTNew, conns: 1},
			{id: "F2", pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", want: drop, stage: nac, rule: star, ct: flow.CTEstablished, conns: 1},
			{id: "F3", at: 1 * s, pkt: "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", want: allow, stage: sgs, ct: flow.CTEstablished, conns: 1},
			{id: "F4", at: 1 * s, pkt: "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1", want: drop, stage: nac, rule: star, ct: flow.CTEstablished, conns: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := oneInterface(t, tt.addr, tt.acl, tt.groups...)
			tab := v.Table("eni")
			for _, s := range tt.steps {
				p := flow.MustParsePacket(s.pkt)
				path, err := v.Send(&p, t0.Add(s.at))
				require.NoError(t, err, s.id)
				d := path.Final
				msg := fmt.Sprintf("%s: %s", s.id, s.pkt)
				assert.Equal(t, s.want, d.Verdict, msg)
				assert.Equal(t, s.stage, d.Stage, msg)
				assert.Equal(t, s.ct, d.Conntrack, msg)
				if s.stage == flow.StageNACL {
					assert.EqualValues(t, s.rule, d.RuleNumber, msg)
				}
				assert.Equal(t, s.conns, tab.Len(), msg)
			}
			if tt.after != nil {
				tt.after(t, tab)
			}
		})
	}
}

// TestPathWords: every hop's words come from the rule set that decided,
// and stay right after the VPC changes: a path kept from before an ACL
// change still names the old ACL's rule.
func TestPathWords(t *testing.T) {
	v := oneInterface(t, "10.0.1.10", aclWeb(t, true), sgWeb)
	in := flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")
	path, err := v.Send(&in, t0)
	require.NoError(t, err)
	require.Len(t, path.Hops, 2)
	assert.Equal(t, "allowed by network ACL acl-web ingress rule 100 (100 allow tcp 80 0.0.0.0/0)", path.Hops[0].Explain(&in))
	x := path.Hops[1].Detail(&in)
	assert.Equal(t, "sg-web", x.Group)
	assert.Equal(t, 1, x.GroupRule)
	assert.Equal(t, "sg-web ingress tcp 80 from 0.0.0.0/0", x.RuleText)
	assert.Equal(t, path.Hops[0].Explain(&in)+"; then "+path.Hops[1].Explain(&in), path.Explain(), "one sentence per hop")
	assert.Equal(t, path.Hops[1].Explain(&in), path.Why(), "the last hop decided")
	assert.True(t, strings.HasPrefix(path.Why(), "allowed by security group sg-web ingress rule #1"), path.Why())

	out := flow.MustParsePacket("tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]")
	before, err := v.Send(&out, t0)
	require.NoError(t, err)
	require.Equal(t, flow.Allow, before.Final.Verdict)
	require.NoError(t, v.Apply(Change{NetworkACLs: []nacl.ACL{{ID: "acl-web",
		Ingress: aclRules(t, "100 allow tcp 80 0.0.0.0/0"),
		Egress:  aclRules(t, "90 deny tcp 1024-65535 198.51.100.0/24", "110 allow tcp 1024-65535 0.0.0.0/0")}}}))
	after, err := v.Send(&out, t0)
	require.NoError(t, err)
	assert.Equal(t, "dropped by network ACL acl-web egress rule 90 (90 deny tcp 1024-65535 198.51.100.0/24); the security groups had let it through without tracking it", after.Why())
	assert.Equal(t, "allowed by network ACL acl-web egress rule 110 (110 allow tcp 1024-65535 0.0.0.0/0); the security groups had let it through without tracking it",
		before.Why(), "the old path keeps the old ACL's words")
}

// TestCrossAllocatesNothing: every kind of packet crosses an interface
// without allocating once the table is warm: an ACL drop, a drop by the
// groups, an untracked allow, a new tracked connection and an established
// packet both ways, and traffic to an AWS service.
func TestCrossAllocatesNothing(t *testing.T) {
	const runs = 500
	acl := nacl.ACL{ID: "acl-t",
		Ingress: aclRules(t, "100 deny udp 53 0.0.0.0/0", "110 allow -1 0.0.0.0/0"),
		Egress:  aclRules(t, "100 allow -1 0.0.0.0/0")}
	v := oneInterface(t, "10.0.1.10", acl, sgWeb)
	eni, err := v.ENI("eni")
	require.NoError(t, err)
	path := Path{Hops: make([]Hop, 0, maxHops)}
	est := flow.MustParsePacket("tcp 10.0.1.10:40002 > 203.0.113.80:443 [S]")
	require.NoError(t, eni.Cross(&est, flow.Egress, t0, &path))
	require.Equal(t, flow.CTNew, path.Final.Conntrack)
	data, reply := est, est.Reverse()
	data.Flags, reply.Flags = flow.ACK|flow.PSH, flow.ACK

	tests := []struct {
		name string
		pkt  flow.Packet
		dir  flow.Direction
		want flow.Verdict
		ct   flow.CTState
		new  bool // a new connection each run (the source port changes), in the presized table
	}{
		{"acl drop", flow.MustParsePacket("udp 198.51.100.7:5000 > 10.0.1.10:53"), flow.Ingress, flow.Drop, flow.CTNone, false},
		{"groups drop", flow.MustParsePacket("tcp 192.0.2.7:5000 > 10.0.1.10:8080 [S]"), flow.Ingress, flow.Drop, flow.CTNone, false},
		{"untracked", flow.MustParsePacket("tcp 192.0.2.7:5000 > 10.0.1.10:80 [S]"), flow.Ingress, flow.Allow, flow.CTUntracked, false},
		{"new", flow.MustParsePacket("tcp 10.0.1.10:30000 > 203.0.113.80:443 [S]"), flow.Egress, flow.Allow, flow.CTNew, true},
		{"established out", data, flow.Egress, flow.Allow, flow.CTEstablished, false},
		{"established in", reply, flow.Ingress, flow.Allow, flow.CTEstablished, false},
		{"aws service", flow.MustParsePacket("udp 10.0.1.10:5000 > 169.254.169.253:53"), flow.Egress, flow.Allow, flow.CTExempt, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.pkt
			bad := 0
			n := allocs.Count(runs, func() {
				if tt.new {
					p.SrcPort++
				}
				if err := eni.Cross(&p, tt.dir, t0, &path); err != nil || path.Final.Verdict != tt.want || path.Final.Conntrack != tt.ct {
					bad++
				}
			})
			assert.Zero(t, bad, "wrong decisions: last %s %s", path.Final.Verdict, path.Final.Conntrack)
			assert.Zero(t, n)
		})
	}
}

// TestOutcomeText: an outcome's text reads back; the zero Outcome has
// none, and a word that names none is refused.
func TestOutcomeText(t *testing.T) {
	for _, o := range []Outcome{Connected, Refused, Timeout} {
		b, err := o.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, o.String(), string(b))
		var back Outcome
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, o, back)
	}
	_, err := Outcome(0).MarshalText()
	assert.Error(t, err)
	var o Outcome
	assert.ErrorContains(t, o.UnmarshalText([]byte("hung")), `"hung"`)
}

// TestENIErrors: an interface the VPC does not have, a packet whose
// addresses are of two families, and an interface that a change removed
// each get an error that names it.
func TestENIErrors(t *testing.T) {
	v := oneInterface(t, "10.0.1.10", nacl.Default("acl-default"), sgWeb)
	_, err := v.ENI("eni-nope")
	assert.ErrorContains(t, err, "interface eni-nope: no such interface")

	eni, err := v.ENI("eni")
	require.NoError(t, err)
	assert.Equal(t, "eni", eni.ID())
	var path Path
	mixed := flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("2001:db8::7"), Dst: netip.MustParseAddr("10.0.1.10"), DstPort: 53}
	assert.ErrorContains(t, eni.Cross(&mixed, flow.Ingress, t0, &path), "addresses must both be IPv4 or both IPv6")
	var zero flow.Packet
	assert.Error(t, eni.Cross(&zero, flow.Ingress, t0, &path))

	// The handle follows the VPC's changes: the next packet meets the
	// subnet's new ACL.
	syn := flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")
	require.NoError(t, eni.Cross(&syn, flow.Ingress, t0, &path))
	assert.Equal(t, flow.Allow, path.Final.Verdict)
	require.NoError(t, v.Apply(Change{NetworkACLs: []nacl.ACL{nacl.Custom("acl-default")}}))
	require.NoError(t, eni.Cross(&syn, flow.Ingress, t0, &path))
	assert.Equal(t, flow.Drop, path.Final.Verdict)
	assert.Equal(t, flow.StageNACL, path.Final.Stage)
}

// TestCrossPeerInSubnet: crossing an interface towards or from another
// interface of its own subnet meets no ACL (MODEL-3), as Send's path
// between them does; towards an interface of another subnet, or outside,
// it meets the ACL. Only the crossed interface's table changes.
func TestCrossPeerInSubnet(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets[0].ACL = "acl-deny-all"
	cfg.Subnets[1].ACL = "acl-deny-all"
	v, err := New(cfg)
	require.NoError(t, err)
	web, err := v.ENI("eni-web")
	require.NoError(t, err)
	var path Path
	tests := []struct {
		name string
		pkt  string
		dir  flow.Direction
		want []string
	}{
		{"from an interface of the subnet", "tcp 10.0.1.11:45002 > 10.0.1.10:80 [S]", flow.Ingress, []string{"eni-web sg ingress allow"}},
		{"to an interface of the subnet", "tcp 10.0.1.10:46000 > 10.0.1.11:22 [S]", flow.Egress, []string{"eni-web sg egress allow"}},
		{"to an interface of another subnet", "tcp 10.0.1.10:46001 > 10.0.3.30:5432 [S]", flow.Egress, []string{"eni-web sg egress allow", "eni-web nacl egress drop"}},
		{"from outside the VPC", "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", flow.Ingress, []string{"eni-web nacl ingress drop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, web.Cross(pkt(t, tt.pkt), tt.dir, t0, &path))
			assert.Equal(t, tt.want, stages(path))
		})
	}
	assert.Empty(t, v.Connections(t0)["eni-web2"], "the peer's table is not touched")
}
