package bench

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// The benchmarked interface is 10.0.1.10 in a subnet with a custom network
// ACL. It serves tcp 8080 to the VPC (10.0.0.0/8), so its connections are
// tracked (the admitting rule's peer is not 0.0.0.0/0, CT-3). Its policy
// comes in two sizes, 20 and 1000 rules in each rule set; in both, the
// rules that decide the benchmarks' packets come last, after rules of
// every shape that miss them by address, protocol or port, so that a
// first-match scan has to pass all of them:
//
//   - the ACL (acl-bench): per direction, n-1 rules cycling through a
//     blocklisted host (deny -1 x/32), another TCP service from an office
//     range, a UDP service from part of the VPC, the right port from the
//     wrong peers (deny tcp 8080 from a /24), and a TCP port range from
//     elsewhere in the VPC; then the rule that admits the benchmarks'
//     packets: inbound tcp 1024-65535 from 10.0.0.0/8, outbound tcp
//     1024-65535 to 10.0.0.0/8 (the clients' ephemeral ports, NACL-21).
//   - the security groups: n inbound rules over at most 16 groups, cycling
//     through another TCP service from a documentation range, the right
//     port from single wrong hosts, a port range from a prefix list, the
//     right port from wrong /24s, and UDP from anywhere; the last rule is
//     tcp 8080 from 10.0.0.0/8. Outbound, everything is allowed.
//
// 1000 rules is far beyond AWS's quotas (NACL-32, SG-25); it is the size
// at which an index must show that cost hardly grows with rules.

var (
	local = netip.MustParseAddr("10.0.1.10")
	t0    = time.Unix(1_700_000_000, 0)
)

const servicePort = 8080

// addr4 returns the IPv4 address with the given 32-bit value.
func addr4(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// clientOf returns the address and port of the i-th tracked client: 16
// ports per address, addresses from 10.128.0.0/9, so a million flows use
// 62 500 addresses.
func clientOf(i int) (netip.Addr, uint16) {
	return addr4(0x0a80_0000 + uint32(i>>4)), 40000 + uint16(i&15)
}

// newClientOf returns the i-th client opening a new flow in the NewFlow and
// Churn benchmarks: 10.64.0.0/10, 8 ports per address, 2^25 distinct flows.
func newClientOf(i int) (netip.Addr, uint16) {
	return addr4(0x0a40_0000 + uint32(i>>3)&0x3f_ffff), 50000 + uint16(i&7)
}

// syn returns the SYN a client sends to the service.
func syn(src netip.Addr, sport uint16) flow.Packet {
	return flow.Packet{Proto: flow.TCP, Src: src, Dst: local, SrcPort: sport, DstPort: servicePort, Flags: flow.SYN}
}

// aclRules returns acl-bench's n rules of one direction, numbered 10, 20,
// ... in declaration order; the last one admits the benchmarks' traffic.
func aclRules(n int, dir flow.Direction) []nacl.Rule {
	tcp, udp := flow.ProtocolOf(flow.TCP), flow.ProtocolOf(flow.UDP)
	rules := make([]nacl.Rule, 0, n)
	for i := 0; i < n-1; i++ {
		r := nacl.Rule{Number: 10 * (i + 1), Action: nacl.Allow}
		switch i % 5 {
		case 0: // a blocklisted host, 198.18.0.0/15
			r.Action, r.Protocol = nacl.Deny, flow.AnyProtocol
			r.CIDR = netip.PrefixFrom(addr4(0xc612_0000+uint32(i)*7), 32)
		case 1: // another service from an office range
			p := 1000 + i%3000
			r.Protocol, r.FromPort, r.ToPort = tcp, p, p
			r.CIDR = netip.PrefixFrom(addr4(0xc000_0200+uint32(i%8)<<24), 24) // 192.0.2.0/24, 200.0.2.0/24, ...
		case 2: // a UDP service from part of the VPC
			p := 100 + i%900
			r.Protocol, r.FromPort, r.ToPort = udp, p, p
			r.CIDR = netip.MustParsePrefix("10.0.0.0/16")
		case 3: // the right port from the wrong peers
			r.Action, r.Protocol, r.FromPort, r.ToPort = nacl.Deny, tcp, servicePort, servicePort
			r.CIDR = netip.PrefixFrom(addr4(0xac10_0000+uint32(i)<<8), 24) // 172.16.0.0/12 and up
		case 4: // a port range from elsewhere in the VPC
			p := 9000 + 10*(i%500)
			r.Protocol, r.FromPort, r.ToPort = tcp, p, p+9
			r.CIDR = netip.PrefixFrom(addr4(0x0a02_0000+uint32(i%64)<<8), 24) // 10.2.x.0/24
		}
		rules = append(rules, r)
	}
	_ = dir // both directions have the same shape; the peer is what differs
	rules = append(rules, nacl.Rule{Number: 10 * n, Action: nacl.Allow, Protocol: tcp, FromPort: 1024, ToPort: 65535,
		CIDR: netip.MustParsePrefix("10.0.0.0/8")})
	return rules
}

// newACL compiles acl-bench with n rules each way.
func newACL(tb testing.TB, n int) *nacl.Compiled {
	tb.Helper()
	c, err := nacl.Compile(nacl.ACL{ID: "acl-bench", Ingress: aclRules(n, flow.Ingress), Egress: aclRules(n, flow.Egress)})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// peerHosts are the interfaces that carry sg-peers, a referenced group
// whose addresses are never the benchmarks' clients.
var peerHosts = func() []netip.Addr {
	a := make([]netip.Addr, 8)
	for i := range a {
		a[i] = addr4(0x0a00_020a + uint32(3*i)) // 10.0.2.10, 10.0.2.13, ...
	}
	return a
}()

// sgGroups returns the interface's groups with n inbound rules, and the
// resolver of the groups and prefix lists they reference.
func sgGroups(n int) ([]sg.Group, sg.StaticResolver) {
	tcp, udp := flow.ProtocolOf(flow.TCP), flow.ProtocolOf(flow.UDP)
	rules := make([]sg.Rule, 0, n)
	for i := 0; i < n-1; i++ {
		var r sg.Rule
		switch i % 5 {
		case 0: // another service from a documentation range
			p := 1000 + i
			r = sg.Rule{Protocol: tcp, FromPort: p, ToPort: p, CIDR: netip.MustParsePrefix("203.0.113.0/24")}
		case 1: // the right port from a single wrong host
			r = sg.Rule{Protocol: tcp, FromPort: servicePort, ToPort: servicePort, CIDR: netip.PrefixFrom(addr4(0xc0a8_0000+uint32(i)), 32)}
		case 2: // a port range from a prefix list, or from a group
			p := 2000 + i
			r = sg.Rule{Protocol: tcp, FromPort: p, ToPort: p + 10, PrefixList: "pl-office"}
			if i%10 == 7 {
				r = sg.Rule{Protocol: tcp, FromPort: p, ToPort: p + 10, Group: "sg-peers"}
			}
		case 3: // the right port from a wrong /24
			r = sg.Rule{Protocol: tcp, FromPort: servicePort, ToPort: servicePort, CIDR: netip.PrefixFrom(addr4(0xac10_0000+uint32(i)<<8), 24)}
		case 4: // UDP from anywhere
			p := 100 + i
			r = sg.Rule{Protocol: udp, FromPort: p, ToPort: p, CIDR: netip.MustParsePrefix("0.0.0.0/0")}
		}
		rules = append(rules, r)
	}
	rules = append(rules, sg.Rule{Protocol: tcp, FromPort: servicePort, ToPort: servicePort, CIDR: netip.MustParsePrefix("10.0.0.0/8")})

	per := (n + sg.MaxGroups - 1) / sg.MaxGroups
	per = max(per, 20)
	var groups []sg.Group
	for i := 0; i < len(rules); i += per {
		groups = append(groups, sg.Group{ID: fmt.Sprintf("sg-%02d", len(groups)), Ingress: rules[i:min(i+per, len(rules))]})
	}
	groups[0].Egress = []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}
	res := sg.StaticResolver{
		Groups:      map[string][]netip.Addr{"sg-peers": peerHosts},
		PrefixLists: map[string][]netip.Prefix{"pl-office": {netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/25")}},
	}
	return groups, res
}

// newSet compiles the interface's groups with n inbound rules, alone.
func newSet(tb testing.TB, n int) *sg.Set {
	tb.Helper()
	s, err := sg.Compile(sgGroups(n))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchIface is the benchmarked interface's id.
const benchIface = "eni-bench"

// vpcConfig is a VPC around the benchmarked interface: 10.0.1.10 in
// subnet-bench (10.0.1.0/24, acl-bench with n rules each way), carrying
// the groups of n inbound rules, with tracking settings cfg; and the
// interfaces of sg-peers in subnet-peers. The clients are outside it.
func vpcConfig(n int, cfg conntrack.Config) vpc.Config {
	groups, res := sgGroups(n)
	c := vpc.Config{
		PrefixLists:    []vpc.PrefixList{{ID: "pl-office", Entries: res.PrefixLists["pl-office"]}},
		SecurityGroups: append(groups, sg.Group{ID: "sg-peers"}),
		NetworkACLs:    []nacl.ACL{{ID: "acl-bench", Ingress: aclRules(n, flow.Ingress), Egress: aclRules(n, flow.Egress)}},
		Subnets: []vpc.Subnet{
			{ID: "subnet-bench", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-bench"},
			{ID: "subnet-peers", CIDR: netip.MustParsePrefix("10.0.2.0/24")},
		},
	}
	bench := vpc.Interface{ID: benchIface, Subnet: "subnet-bench", PrivateIPs: []netip.Addr{local}, Tracking: cfg}
	for _, g := range groups {
		bench.Groups = append(bench.Groups, g.ID)
	}
	c.Interfaces = append(c.Interfaces, bench)
	for i, a := range peerHosts {
		c.Interfaces = append(c.Interfaces, vpc.Interface{ID: fmt.Sprintf("eni-peer-%d", i), Subnet: "subnet-peers",
			PrivateIPs: []netip.Addr{a}, Groups: []string{"sg-peers"}})
	}
	return c
}

// iface is the benchmarked network interface in its VPC. Packets cross
// it the one way pfsim has (vpc.ENI.Cross, which vpc.VPC.Send also walks
// for each interface on a packet's path): an ingress packet meets
// acl-bench's inbound rules, then the groups; an egress packet the
// groups, then the ACL's outbound rules.
type iface struct {
	v     *vpc.VPC
	eni   *vpc.ENI
	table *conntrack.Table // the interface's connection table
	path  vpc.Path         // reused by cross: one goroutine at a time
	// The same ACL and groups compiled on their own, for the component
	// benchmarks and the golden test.
	acl *nacl.Compiled
	set *sg.Set
}

func newIface(tb testing.TB, rules int, cfg conntrack.Config) *iface {
	tb.Helper()
	v, err := vpc.New(vpcConfig(rules, cfg))
	if err != nil {
		tb.Fatal(err)
	}
	eni, err := v.ENI(benchIface)
	if err != nil {
		tb.Fatal(err)
	}
	return &iface{v: v, eni: eni, table: v.Table(benchIface), acl: newACL(tb, rules), set: newSet(tb, rules),
		path: vpc.Path{Hops: make([]vpc.Hop, 0, 4)}}
}

// cross sends p across the interface in direction dir at now and returns
// the path's decision. Its error, impossible for the fixtures' packets,
// shows as a drop by no stage.
func (f *iface) cross(p *flow.Packet, dir flow.Direction, now time.Time) flow.Decision {
	if err := f.eni.Cross(p, dir, now, &f.path); err != nil {
		return flow.Decision{Verdict: flow.Drop}
	}
	return f.path.Final
}

// pkt is a packet with the direction it crosses the interface in.
type pkt struct {
	p   flow.Packet
	dir flow.Direction
}

// established is an interface with n tracked connections to the service,
// opened by full handshakes through the VPC, and one data packet per
// connection in random order, each going a random way.
type established struct {
	*iface
	pkts []pkt
	keys []flow.Key // canonical key of pkts[j], for the map baseline
	// bytesPerFlow is the heap the table took per tracked connection.
	bytesPerFlow float64
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func newEstablished(tb testing.TB, n int) *established {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	e := &established{pkts: make([]pkt, n), keys: make([]flow.Key, n)}
	order := rng.Perm(n)
	for j, i := range order {
		c, port := clientOf(i)
		p := syn(c, port)
		p.Flags = flow.PSH | flow.ACK
		e.pkts[j] = pkt{p, flow.Ingress}
		if rng.IntN(2) == 0 {
			e.pkts[j] = pkt{p.Reverse(), flow.Egress}
		}
		e.keys[j], _ = p.Key().Canonical()
	}
	// The heap the VPC takes: its table and entries, and its few rule
	// sets and small peer tables, a fixed part that counts for nothing at
	// a million flows.
	before := heapInUse()
	e.iface = newIface(tb, 20, conntrack.Config{SizeHint: n})
	for i := range n {
		c, port := clientOf(i)
		s := syn(c, port)
		synAck := s.Reverse()
		synAck.Flags = flow.SYN | flow.ACK
		ack := s
		ack.Flags = flow.ACK
		for _, x := range [...]pkt{{s, flow.Ingress}, {synAck, flow.Egress}, {ack, flow.Ingress}} {
			if d := e.cross(&x.p, x.dir, t0); d.Verdict != flow.Allow {
				tb.Fatalf("handshake %s %v: %s by %s (%s)", x.dir, x.p, d.Verdict, d.Stage, d.Reason)
			}
		}
	}
	e.bytesPerFlow = float64(heapInUse()-before) / float64(n)
	if got := e.table.Len(); got != n {
		tb.Fatalf("table holds %d connections, want %d", got, n)
	}
	return e
}

// The established fixtures are built once per size and shared by the
// benchmarks (and -count repetitions) that only read them: a million
// handshakes take seconds.
var (
	estMu    sync.Mutex
	estCache = map[int]*established{}
)

func sharedEstablished(tb testing.TB, n int) *established {
	tb.Helper()
	estMu.Lock()
	defer estMu.Unlock()
	if e, ok := estCache[n]; ok {
		return e
	}
	e := newEstablished(tb, n)
	estCache[n] = e
	return e
}

// eval sends the j-th established packet through the VPC and reports
// whether the decision is the right one: allowed as part of a tracked
// connection.
func (e *established) eval(j int, now time.Time) (flow.Decision, bool) {
	x := &e.pkts[j]
	d := e.cross(&x.p, x.dir, now)
	return d, d.Verdict == flow.Allow && d.Conntrack == flow.CTEstablished
}

// newFlows is an interface that keeps receiving SYNs of new connections
// from a ring of ring flows while the simulated clock advances by step per
// packet: a flow comes round again after ring*step, when its entry has
// expired (SYN_SENT, 120 s), so the table stays bounded and warm.
type newFlows struct {
	*iface
	ring []flow.Packet
	i    int
	now  time.Time
	step time.Duration
}

const (
	newFlowRing = 8192
	newFlowStep = 20 * time.Millisecond // the ring comes round after 164 s
)

func newNewFlows(tb testing.TB, rules int) *newFlows {
	tb.Helper()
	nf := &newFlows{iface: newIface(tb, rules, conntrack.Config{SizeHint: newFlowRing}), ring: make([]flow.Packet, newFlowRing), now: t0, step: newFlowStep}
	for i := range nf.ring {
		nf.ring[i] = syn(newClientOf(i))
	}
	for range 2 * len(nf.ring) { // warm: the table has grown to its size
		if d := nf.next(); d.Verdict != flow.Allow {
			tb.Fatalf("warm-up: %s by %s (%s)", d.Verdict, d.Stage, d.Reason)
		}
	}
	return nf
}

// next sends the next SYN of the ring.
func (nf *newFlows) next() flow.Decision {
	nf.now = nf.now.Add(nf.step)
	p := &nf.ring[nf.i]
	if nf.i++; nf.i == len(nf.ring) {
		nf.i = 0
	}
	return nf.cross(p, flow.Ingress, nf.now)
}

// dropPacket meets no rule that admits it: the ACL's rules all miss it
// (so the `*` rule drops it), and so do the security groups' rules. It
// goes to the service port, which the longest lists of rules name.
var dropPacket = flow.Packet{Proto: flow.TCP, Src: netip.MustParseAddr("198.51.100.7"), Dst: local, SrcPort: 50000, DstPort: servicePort, Flags: flow.SYN}

// churn is an interface whose table holds about flows connections in a
// steady state: every packet opens a new connection, the clock advances
// so that each connection expires (SYN_SENT, 120 s) flows packets after
// it opened, and every churnSweepEvery packets an incremental Sweep looks
// at a bounded number of slots, so that expired connections leave the
// table as fast as new ones arrive.
type churn struct {
	*iface
	flows int
	k     int
	now   time.Time
	step  time.Duration
	p     flow.Packet
}

const (
	churnSweepEvery = 64
	// churnSweepSlots slots are looked at every churnSweepEvery packets:
	// 8 per packet, so the sweep passes over a table of N slots every N/8
	// packets and an expired connection waits at most an eighth of a
	// timeout to be removed: the table holds at most about 1.15 × flows
	// entries.
	churnSweepSlots = 8 * churnSweepEvery
)

func newChurn(tb testing.TB, flows int) *churn {
	tb.Helper()
	c := &churn{
		iface: newIface(tb, 20, conntrack.Config{SizeHint: flows + flows/4}),
		flows: flows,
		now:   t0,
		step:  conntrack.SynSentTimeout / time.Duration(flows),
	}
	for range flows + flows/4 { // fill to the steady state
		if d := c.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
			tb.Fatalf("warm-up: %s %s by %s (%s)", d.Verdict, d.Conntrack, d.Stage, d.Reason)
		}
	}
	return c
}

// next opens the next connection, sweeping when its turn comes.
func (c *churn) next() flow.Decision {
	c.now = c.now.Add(c.step)
	c.k++
	if c.k%churnSweepEvery == 0 {
		c.table.Sweep(c.now, churnSweepSlots)
	}
	src, port := newClientOf(c.k)
	c.p = syn(src, port)
	return c.cross(&c.p, flow.Ingress, c.now)
}

// frameSYN is an Ethernet / IPv4 / TCP SYN with the five options a Linux
// client sends, as commented hex (the flow package's decoding fixture).
const frameSYN = `
020000000002 020000000001 0800                          ethernet: dst, src, type IPv4
45 00 003c 1c46 4000 40 06 e931 c6336407 0a00010a      ipv4: len 60, DF, ttl 64, tcp, 198.51.100.7 > 10.0.1.10
c000 0050 12345678 00000000 a0 02 faf0 8008 0000       tcp: 49152 > 80, seq, ack, doff 10, flags S, win, csum, urg
020405b4 0402 080a009b6e2a00000000 01 030307            tcp options: mss 1460, sackOK, TS, nop, wscale 7
`

// unhex reads a commented hex fixture: on each line, the hex digits before
// the first word that is not hex.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		for _, w := range strings.Fields(line) {
			b, err := hex.DecodeString(w)
			if err != nil {
				break
			}
			out = append(out, b...)
		}
	}
	if len(out) == 0 {
		tb.Fatal("empty fixture")
	}
	return out
}
