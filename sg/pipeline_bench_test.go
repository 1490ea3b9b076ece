package sg_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// The benchmark interface is 10.0.1.10 in a subnet with a custom network
// ACL. It serves tcp 8080 to the VPC (10.0.0.0/8: tracked, the peer is not
// 0.0.0.0/0) and tcp 80 to the internet (open both ways: untracked, CT-3).
// The ACL has 20 rules each way and the SG set 20 inbound rules; in each,
// the rule that admits the benchmark's packets comes last, after rules that
// miss them by address, protocol or port.

// pipeRules parses ACL rules written as nacl.Rule.String prints them.
func pipeRules(tb testing.TB, lines ...string) []nacl.Rule {
	tb.Helper()
	rules := make([]nacl.Rule, len(lines))
	for i, l := range lines {
		r, err := nacl.ParseRule(l)
		if err != nil {
			tb.Fatal(err)
		}
		rules[i] = r
	}
	return rules
}

// benchPipeACL is acl-bench: ten denies of known bad hosts, nine allows
// for other services, then the rule that admits the benchmark's packets:
// inbound 290 for every TCP port, outbound 290 for the clients' ephemeral
// ports (NACL-21).
func benchPipeACL(tb testing.TB) *nacl.Compiled {
	tb.Helper()
	var inRules, outRules []string
	for i := range 10 {
		host := netip.AddrFrom4([4]byte{203, 0, 113, byte(100 + i)}).String()
		inRules = append(inRules, strconv.Itoa(100+10*i)+" deny -1 "+host+"/32")
		outRules = append(outRules, strconv.Itoa(100+10*i)+" deny -1 "+host+"/32")
	}
	inRules = append(inRules,
		"200 allow tcp 22 192.0.2.0/24",
		"210 allow udp 53 10.0.0.0/16",
		"220 allow icmp type -1 code -1 10.0.0.0/8",
		"230 allow udp 123 0.0.0.0/0",
		"240 allow tcp 443 0.0.0.0/0",
		"250 allow tcp 3389 192.0.2.0/24",
		"260 allow tcp 5432 10.0.3.0/24",
		"270 allow tcp 9000-9100 10.2.0.0/16",
		"280 allow gre 10.0.0.0/8",
		"290 allow tcp 0-65535 0.0.0.0/0",
	)
	outRules = append(outRules,
		"200 allow tcp 443 0.0.0.0/0",
		"210 allow tcp 80 0.0.0.0/0",
		"220 allow udp 53 0.0.0.0/0",
		"230 allow udp 123 0.0.0.0/0",
		"240 allow icmp type -1 code -1 0.0.0.0/0",
		"250 allow tcp 22 10.0.0.0/8",
		"260 allow tcp 5432 10.0.3.0/24",
		"270 deny tcp 25 0.0.0.0/0",
		"280 allow gre 10.0.0.0/8",
		"290 allow tcp 1024-65535 0.0.0.0/0",
	)
	acl := nacl.ACL{ID: "acl-bench", Ingress: pipeRules(tb, inRules...), Egress: pipeRules(tb, outRules...)}
	c, err := nacl.Compile(acl)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// benchPipeSet is the interface's two groups: sg-base (ten inbound rules,
// all out) and sg-app (ten inbound rules, ending with tcp 80 from anywhere
// and, last, tcp 8080 from 10.0.0.0/8).
func benchPipeSet(tb testing.TB) *sg.Set {
	tb.Helper()
	res := sg.StaticResolver{
		Groups: map[string][]netip.Addr{
			"sg-db":  {addr("10.0.3.30")},
			"sg-lb":  {addr("10.0.9.1"), addr("10.0.9.2"), addr("10.0.9.3")},
			"sg-app": {addr("10.0.1.10"), addr("10.0.1.11")},
		},
		PrefixLists: map[string][]netip.Prefix{"pl-office": {pfx("192.0.2.0/24"), pfx("198.51.100.0/25")}},
	}
	groups := []sg.Group{
		{
			ID: "sg-base",
			Ingress: []sg.Rule{
				ruleCIDR(pTCP, 22, 22, "192.0.2.0/24"),
				rulePL(pTCP, 22, 22, "pl-office"),
				ruleCIDR(pTCP, 443, 443, "203.0.113.0/24"),
				ruleCIDR(pUDP, 53, 53, "10.0.0.0/16"),
				ruleCIDR(pICMP, 8, -1, "10.0.0.0/8"),
				ruleGroup(pTCP, 5432, 5432, "sg-db"),
				ruleCIDR(pTCP, 9000, 9100, "10.2.0.0/16"),
				ruleCIDR(pUDP, 123, 123, "0.0.0.0/0"),
				ruleCIDR(pTCP, 3389, 3389, "192.0.2.10/32"),
				ruleCIDR(pTCP, 8080, 8080, "172.16.0.0/12"), // right port, wrong peer
			},
			Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")},
		},
		{
			ID: "sg-app",
			Ingress: []sg.Rule{
				ruleGroup(pTCP, 8080, 8080, "sg-lb"), // right port, wrong peer
				ruleCIDR(pTCP, 8443, 8443, "10.0.0.0/8"),
				ruleGroup(pTCP, 6379, 6379, "sg-app"),
				ruleCIDR(pTCP, 8000, 8079, "10.0.0.0/8"),
				ruleCIDR(pTCP, 8081, 8089, "10.0.0.0/8"),
				ruleCIDR(pUDP, 8080, 8080, "10.0.0.0/8"),
				ruleCIDR(pTCP, 8080, 8080, "192.168.0.0/16"),
				rulePL(pTCP, 8080, 8080, "pl-office"),
				ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"),
				ruleCIDR(pTCP, 8080, 8080, "10.0.0.0/8"),
			},
			Egress: []sg.Rule{ruleGroup(pTCP, 5432, 5432, "sg-db")},
		},
	}
	s, err := sg.Compile(groups, res)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

const (
	benchFlows = 1000
	benchPort  = 8080 // tracked service
	webPort    = 80   // untracked service
)

var benchLocal = addr("10.0.1.10")

// benchVPCClient is the i-th client inside the VPC (10.1.x.y): tracked.
func benchVPCClient(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 1, byte(i / 250), byte(i%250 + 1)})
}

// benchNetClient is the i-th client on the internet (198.18.x.y, the
// benchmarking range): untracked on port 80.
func benchNetClient(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(i / 250), byte(i%250 + 1)})
}

// pipeBench is the benchmark interface: its pipeline, SG stage and table.
type pipeBench struct {
	pl    *flow.Pipeline
	stage *sg.Stage
	table *conntrack.Table
}

func newPipeBench(tb testing.TB, cfg conntrack.Config) pipeBench {
	tb.Helper()
	tab, err := conntrack.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	st := sg.NewStage(benchPipeSet(tb), tab)
	return pipeBench{pl: flow.NewPipeline(benchPipeACL(tb), st), stage: st, table: tab}
}

// benchPkt is one packet of a benchmark with its direction.
type benchPkt struct {
	p   flow.Packet
	dir flow.Direction
}

// establish opens n tracked connections to port 8080 at now with a full
// handshake and returns, per connection, a data packet in (even index)
// and out (odd index).
func (pb pipeBench) establish(tb testing.TB, n int, now time.Time) []benchPkt {
	tb.Helper()
	pkts := make([]benchPkt, 0, 2*n)
	for i := range n {
		c := benchVPCClient(i)
		sport := uint16(40000 + i)
		syn := flow.Packet{Proto: flow.TCP, Src: c, Dst: benchLocal, SrcPort: sport, DstPort: benchPort, Flags: flow.SYN}
		synAck := syn.Reverse()
		synAck.Flags = flow.SYN | flow.ACK
		ack := syn
		ack.Flags = flow.ACK
		for _, s := range []benchPkt{{syn, flow.Ingress}, {synAck, flow.Egress}, {ack, flow.Ingress}} {
			if d := pb.pl.Evaluate(&s.p, s.dir, now); d.Verdict != flow.Allow {
				tb.Fatalf("handshake %s %v: %s at %s", s.dir, s.p, d.Verdict, d.Stage)
			}
		}
		dataIn := syn
		dataIn.Flags = flow.PSH | flow.ACK
		dataOut := synAck
		dataOut.Flags = flow.PSH | flow.ACK
		pkts = append(pkts, benchPkt{dataIn, flow.Ingress}, benchPkt{dataOut, flow.Egress})
	}
	if got := pb.table.Len(); got != n {
		tb.Fatalf("table holds %d connections, want %d", got, n)
	}
	return pkts
}

// untrackedPkts returns, for n internet clients of port 80, a data packet
// in (even index) and its answer out (odd index).
func untrackedPkts(n int) []benchPkt {
	pkts := make([]benchPkt, 0, 2*n)
	for i := range n {
		p := flow.Packet{Proto: flow.TCP, Src: benchNetClient(i), Dst: benchLocal, SrcPort: uint16(40000 + i), DstPort: webPort, Flags: flow.PSH | flow.ACK}
		pkts = append(pkts, benchPkt{p, flow.Ingress}, benchPkt{p.Reverse(), flow.Egress})
	}
	return pkts
}

// synRing returns n SYNs of distinct new flows to port 8080.
func synRing(n int) []flow.Packet {
	ring := make([]flow.Packet, n)
	for i := range ring {
		c := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
		ring[i] = flow.Packet{Proto: flow.TCP, Src: c, Dst: benchLocal, SrcPort: 50000, DstPort: benchPort, Flags: flow.SYN}
	}
	return ring
}

// sgDropPkt passes the ACL (rule 290) and meets no SG rule; aclDropPkt
// meets no ACL rule and is denied by `*` after all 20.
var (
	sgDropPkt  = flow.Packet{Proto: flow.TCP, Src: addr("10.1.0.1"), Dst: benchLocal, SrcPort: 40000, DstPort: 9999, Flags: flow.SYN}
	aclDropPkt = flow.Packet{Proto: flow.UDP, Src: addr("198.51.100.7"), Dst: benchLocal, SrcPort: 5000, DstPort: 9999}
)

// BenchmarkPipeline measures one packet through a whole interface
// pipeline, acl-bench (20 rules) then the SG stage (20 inbound rules) on
// ingress, the reverse on egress. Every iteration checks the answer.
//
//   - established: a data packet of one of 1000 tracked connections,
//     directions alternating: the table decides, the rules are skipped.
//   - newflow: the SYN of a new connection on a warm table. The SYNs come
//     from a ring of 8192 flows and the simulated clock moves 20 ms per
//     packet, so a flow comes round again after 164 s, when its 120 s
//     SYN_SENT entry has expired: the table holds at most ~6000 entries,
//     and each iteration also removes the expired entry it meets.
//   - drop: the ACL admits the packet (its last rule), no SG rule does.
//   - drop-acl: no ACL rule admits the packet; `*` denies it.
//   - untracked: a data packet of one of 1000 untracked port-80 flows,
//     directions alternating (U1..U3 in, U0 out).
//   - baseline-map: a plain map[flow.Key]uint32 lookup of the 1000
//     tracked connections' keys: the floor for any table.
func BenchmarkPipeline(b *testing.B) {
	b.Run("established", func(b *testing.B) {
		pb := newPipeBench(b, conntrack.Config{SizeHint: benchFlows})
		now := t0.Add(time.Second)
		pkts := pb.establish(b, benchFlows, t0)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s := &pkts[i]
			if i++; i == len(pkts) {
				i = 0
			}
			d := pb.pl.Evaluate(&s.p, s.dir, now)
			if d.Verdict != flow.Allow || d.Conntrack != flow.CTEstablished {
				b.Fatalf("%s %v: %s %s, want allow established", s.dir, s.p, d.Verdict, d.Conntrack)
			}
		}
	})

	b.Run("newflow", func(b *testing.B) {
		const step = 20 * time.Millisecond
		ring := synRing(8192)
		pb := newPipeBench(b, conntrack.Config{SizeHint: len(ring)})
		now := t0
		i := 0
		next := func() flow.Decision {
			now = now.Add(step)
			p := &ring[i]
			if i++; i == len(ring) {
				i = 0
			}
			return pb.pl.Evaluate(p, flow.Ingress, now)
		}
		for range 2 * len(ring) { // warm: the table has grown to its size
			next()
		}
		b.ReportAllocs()
		for b.Loop() {
			if d := next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
				b.Fatalf("%v: %s %s, want allow new", ring[i], d.Verdict, d.Conntrack)
			}
		}
		if n := pb.table.Len(); n > len(ring) {
			b.Fatalf("table grew to %d entries", n)
		}
	})

	b.Run("drop", func(b *testing.B) {
		pb := newPipeBench(b, conntrack.Config{})
		p := sgDropPkt
		b.ReportAllocs()
		for b.Loop() {
			d := pb.pl.Evaluate(&p, flow.Ingress, t0)
			if d.Verdict != flow.Drop || d.Stage != flow.StageSG || d.Reason != flow.ReasonNoRule {
				b.Fatalf("%v: %s at %s (%s), want an SG drop", p, d.Verdict, d.Stage, d.Reason)
			}
		}
	})

	b.Run("drop-acl", func(b *testing.B) {
		pb := newPipeBench(b, conntrack.Config{})
		p := aclDropPkt
		b.ReportAllocs()
		for b.Loop() {
			d := pb.pl.Evaluate(&p, flow.Ingress, t0)
			if d.Verdict != flow.Drop || d.Stage != flow.StageNACL || d.RuleNumber != flow.DefaultRuleV4 {
				b.Fatalf("%v: %s at %s rule %d, want the ACL's * rule", p, d.Verdict, d.Stage, d.RuleNumber)
			}
		}
	})

	b.Run("untracked", func(b *testing.B) {
		pb := newPipeBench(b, conntrack.Config{})
		pkts := untrackedPkts(benchFlows)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s := &pkts[i]
			if i++; i == len(pkts) {
				i = 0
			}
			d := pb.pl.Evaluate(&s.p, s.dir, t0)
			if d.Verdict != flow.Allow || d.Conntrack != flow.CTUntracked {
				b.Fatalf("%s %v: %s %s, want allow untracked", s.dir, s.p, d.Verdict, d.Conntrack)
			}
		}
		if n := pb.table.Len(); n != 0 {
			b.Fatalf("untracked flows made %d entries", n)
		}
	})

	b.Run("baseline-map", func(b *testing.B) {
		m := make(map[flow.Key]uint32, benchFlows)
		keys := make([]flow.Key, benchFlows)
		for i := range keys {
			p := flow.Packet{Proto: flow.TCP, Src: benchVPCClient(i), Dst: benchLocal, SrcPort: uint16(40000 + i), DstPort: benchPort}
			keys[i] = p.Key()
			m[keys[i]] = uint32(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v, ok := m[keys[i]]
			if !ok || v != uint32(i) {
				b.Fatalf("key %d: got %d %v", i, v, ok)
			}
			if i++; i == len(keys) {
				i = 0
			}
		}
	})
}
