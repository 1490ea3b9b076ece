package vpc_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoTiers is an app server and a database in two subnets with their
// default ACLs: a packet between them meets four stages.
func twoTiers(tb testing.TB) *vpc.VPC {
	tb.Helper()
	tcp := flow.ProtocolOf(flow.TCP)
	v, err := vpc.New(vpc.Config{
		SecurityGroups: []sg.Group{
			{ID: "sg-app", Egress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, CIDR: netip.MustParsePrefix("10.0.3.0/24")}}},
			{ID: "sg-db", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-app"}}},
		},
		Subnets: []vpc.Subnet{
			{ID: "subnet-app", CIDR: netip.MustParsePrefix("10.0.1.0/24")},
			{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24")},
		},
		Interfaces: []vpc.Interface{
			{ID: "eni-app", Subnet: "subnet-app", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-app"}},
			{ID: "eni-db", Subnet: "subnet-db", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.3.30")}, Groups: []string{"sg-db"},
				Listening: []vpc.Port{{Proto: flow.TCP, Port: 5432}}},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkSend: a data packet of one of 1000 open connections from the
// app server to the database, either way, through the four stages of its
// path (both interfaces' tables admit it).
func BenchmarkSend(b *testing.B) {
	v := twoTiers(b)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var pkts []flow.Packet
	for i := range 1000 {
		syn := flow.MustParsePacket("tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]")
		syn.SrcPort += uint16(i)
		synAck, ack := syn.Reverse(), syn
		synAck.Flags, ack.Flags = flow.SYN|flow.ACK, flow.ACK
		for _, p := range []flow.Packet{syn, synAck, ack} {
			if path, err := v.Send(&p, now); err != nil || !path.Allowed() {
				b.Fatalf("%v: %v %v", p, err, path.Final.Verdict)
			}
		}
		data := syn
		data.Flags = flow.ACK | flow.PSH
		pkts = append(pkts, data, data.Reverse())
	}
	now = now.Add(time.Second)
	check := func(j int, path *vpc.Path, err error) {
		if err != nil || !path.Allowed() || path.Final.Conntrack != flow.CTEstablished || len(path.Hops) != 4 {
			b.Fatalf("%v: %v %s %s %d hops", pkts[j], err, path.Final.Verdict, path.Final.Conntrack, len(path.Hops))
		}
	}
	b.Run("Send", func(b *testing.B) {
		b.ReportAllocs()
		j := 0
		for b.Loop() {
			path, err := v.Send(&pkts[j], now)
			check(j, &path, err)
			if j++; j == len(pkts) {
				j = 0
			}
		}
	})
	b.Run("SendInto", func(b *testing.B) {
		var path vpc.Path
		b.ReportAllocs()
		j := 0
		for b.Loop() {
			err := v.SendInto(&pkts[j], now, &path)
			check(j, &path, err)
			if j++; j == len(pkts) {
				j = 0
			}
		}
	})
}

// TestSendIntoAllocatesNothing: a Path reused across packets makes the
// whole path of an established packet, four stages, allocation-free;
// Send allocates the hops' array once per packet.
func TestSendIntoAllocatesNothing(t *testing.T) {
	v := twoTiers(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	syn := flow.MustParsePacket("tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]")
	synAck, ack := syn.Reverse(), syn
	synAck.Flags, ack.Flags = flow.SYN|flow.ACK, flow.ACK
	var path vpc.Path
	for _, p := range []flow.Packet{syn, synAck, ack} {
		require.NoError(t, v.SendInto(&p, now, &path))
		require.True(t, path.Allowed(), "%v: %s", p, path.Explain())
	}
	data, reply := ack, synAck
	data.Flags, reply.Flags = flow.ACK|flow.PSH, flow.ACK
	n := allocs.Count(1000, func() {
		for _, p := range []*flow.Packet{&data, &reply} {
			if err := v.SendInto(p, now, &path); err != nil || !path.Allowed() || len(path.Hops) != 4 {
				t.Fatalf("%v: %v %s", p, err, path.Final.Verdict)
			}
		}
	})
	assert.Zero(t, n, "SendInto allocations in 1000 times two packets")
	assert.Equal(t, flow.CTEstablished, path.Final.Conntrack)
	assert.Equal(t, reply, path.Packet, "the path is the last packet's")
	n = allocs.Count(100, func() {
		if _, err := v.Send(&data, now); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, n, uint64(100), "Send allocations in 100 packets: at most the hops' array each")
}

// TestConcurrentSendApplyConnect: goroutines send packets (each with its
// own Path), play handshakes and list connections while another keeps
// replacing the app's security group and the database subnet's ACL. Run
// under -race it proves the locking; every packet gets a verdict, and once
// the changes stop the last configuration decides.
func TestConcurrentSendApplyConnect(t *testing.T) {
	v := twoTiers(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tcp := flow.ProtocolOf(flow.TCP)
	open := sg.Group{ID: "sg-app", Egress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, CIDR: netip.MustParsePrefix("10.0.3.0/24")}}}
	closed := sg.Group{ID: "sg-app"}
	denyAll := nacl.ACL{ID: "acl-db"}
	allowAll := nacl.ACL{ID: "acl-db",
		Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
		Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}}
	require.NoError(t, v.Apply(vpc.Change{NetworkACLs: []nacl.ACL{allowAll},
		Subnets: []vpc.Subnet{{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24"), ACL: "acl-db"}}}))

	const senders, perSender = 4, 1000
	var wg sync.WaitGroup
	errs := make(chan error, senders+2)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var path vpc.Path
			for i := range perSender {
				p := flow.MustParsePacket("tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]")
				p.SrcPort += uint16(g*perSender + i)
				if i%2 == 1 {
					p = p.Reverse()
					p.Flags = flow.SYN | flow.ACK
				}
				if err := v.SendInto(&p, t0.Add(time.Duration(i)*time.Millisecond), &path); err != nil {
					errs <- err
					return
				}
				if vd := path.Final.Verdict; vd != flow.Allow && vd != flow.Drop {
					errs <- fmt.Errorf("%v: no verdict", p)
					return
				}
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 100 {
			g, a := open, allowAll
			if i%2 == 0 {
				g, a = closed, denyAll
			}
			if err := v.Apply(vpc.Change{SecurityGroups: []sg.Group{g}, NetworkACLs: []nacl.ACL{a}}); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 100 {
			d := vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 5432}
			if _, err := v.Connect(d, t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
				errs <- err
				return
			}
			_ = v.Connections(t0)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	// The last change (i = 49) left the group open and the ACL allowing.
	d := vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 5432}
	a, err := v.Connect(d, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, vpc.Connected, a.Outcome)
	require.NoError(t, v.Apply(vpc.Change{NetworkACLs: []nacl.ACL{denyAll}}))
	a, err = v.Connect(d, t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, vpc.Timeout, a.Outcome)
}

// BenchmarkConnections: listing both tables of a VPC that tracks 5000
// connections, sorted by key, as `pfsim trace --tables` does after every
// step.
func BenchmarkConnections(b *testing.B) {
	v := twoTiers(b)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		p := flow.MustParsePacket("tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]")
		p.SrcPort += uint16(i)
		if path, err := v.Send(&p, now); err != nil || !path.Allowed() {
			b.Fatalf("%v: %v", p, err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		cs := v.Connections(now)
		if len(cs["eni-app"]) != 5000 || len(cs["eni-db"]) != 5000 {
			b.Fatalf("%d and %d connections, want 5000 each", len(cs["eni-app"]), len(cs["eni-db"]))
		}
	}
}

// largeConfig is a VPC of nIf interfaces in 10 subnets that share one
// 100-rule ACL, each interface carrying two of nSG groups of nRules rules
// each way, a third of which reference another group.
func largeConfig(nIf, nSG, nRules int) vpc.Config {
	tcp := flow.ProtocolOf(flow.TCP)
	var cfg vpc.Config
	for g := range nSG {
		grp := sg.Group{ID: fmt.Sprintf("sg-%d", g)}
		for r := range nRules {
			rule := sg.Rule{Protocol: tcp, FromPort: 1000 + r, ToPort: 1000 + r}
			if r%3 == 0 {
				rule.Group = fmt.Sprintf("sg-%d", (g+r)%nSG)
			} else {
				rule.CIDR = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r), byte(g), 0}), 24)
			}
			grp.Ingress = append(grp.Ingress, rule)
			grp.Egress = append(grp.Egress, rule)
		}
		cfg.SecurityGroups = append(cfg.SecurityGroups, grp)
	}
	acl := nacl.ACL{ID: "acl-large"}
	for r := range 100 {
		acl.Ingress = append(acl.Ingress, nacl.Rule{Number: r + 1, Action: nacl.Allow, Protocol: tcp, FromPort: r, ToPort: r + 10, CIDR: netip.MustParsePrefix("0.0.0.0/0")})
	}
	acl.Egress = acl.Ingress
	cfg.NetworkACLs = []nacl.ACL{acl}
	for s := range 10 {
		cfg.Subnets = append(cfg.Subnets, vpc.Subnet{ID: fmt.Sprintf("subnet-%d", s), CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200, byte(s), 0}), 24), ACL: "acl-large"})
	}
	for i := range nIf {
		cfg.Interfaces = append(cfg.Interfaces, vpc.Interface{ID: fmt.Sprintf("eni-%d", i), Subnet: fmt.Sprintf("subnet-%d", i%10),
			PrivateIPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 200, byte(i % 10), byte(10 + i/10)})},
			Groups:     []string{fmt.Sprintf("sg-%d", i%nSG), fmt.Sprintf("sg-%d", (i+1)%nSG)}})
	}
	return cfg
}

// BenchmarkNewLarge: building a VPC of 200 interfaces and 50 groups of
// 60 rules each way (every interface's rule set compiled, references
// resolved).
func BenchmarkNewLarge(b *testing.B) {
	cfg := largeConfig(200, 50, 60)
	for b.Loop() {
		if _, err := vpc.New(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyLarge: replacing one group of that VPC.
func BenchmarkApplyLarge(b *testing.B) {
	cfg := largeConfig(200, 50, 60)
	v, err := vpc.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	g := cfg.SecurityGroups[3]
	for b.Loop() {
		if err := v.Apply(vpc.Change{SecurityGroups: []sg.Group{g}}); err != nil {
			b.Fatal(err)
		}
	}
}
