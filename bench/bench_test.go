package bench

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// The fixed-name benchmarks of the performance issue. Their names must not
// change: BENCHMARKS.md and every later run compare by name. Each checks
// its answer on every iteration.

// flowSizes are the table sizes of Established and the map baseline.
var flowSizes = []struct {
	name string
	n    int
}{{"flows=1e3", 1_000}, {"flows=1e6", 1_000_000}}

// BenchmarkEstablished: a data packet of one of n tracked TCP connections,
// in random order and a random direction, through the interface's path in
// its VPC (vpc.ENI.Cross): inbound, the ACL (20 rules each way), then the
// security groups (20 inbound rules), whose table admits it; outbound,
// the groups' table, then the ACL. B/flow is the heap the VPC takes per
// tracked connection.
func BenchmarkEstablished(b *testing.B) {
	for _, size := range flowSizes {
		b.Run(size.name, func(b *testing.B) {
			e := sharedEstablished(b, size.n)
			now := t0.Add(time.Second)
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				if d, ok := e.eval(j, now); !ok {
					x := &e.pkts[j]
					b.Fatalf("%s %v: %s %s by %s (%s), want allow established", x.dir, x.p, d.Verdict, d.Conntrack, d.Stage, d.Reason)
				}
				if j++; j == len(e.pkts) {
					j = 0
				}
			}
			b.ReportMetric(e.bytesPerFlow, "B/flow")
		})
	}
}

// BenchmarkBaseline/map is the floor for Established: the same packets'
// canonical keys, in the same order, looked up in a bare, presized Go map
// (no locks, shards, expiry, state or rules).
func BenchmarkBaseline(b *testing.B) {
	b.Run("map", func(b *testing.B) {
		for _, size := range flowSizes {
			b.Run(size.name, func(b *testing.B) {
				e := sharedEstablished(b, size.n)
				before := heapInUse()
				m := make(map[flow.Key]uint32, size.n)
				for j, k := range e.keys {
					m[k] = uint32(j)
				}
				perFlow := float64(heapInUse()-before) / float64(size.n)
				b.ReportAllocs()
				j := 0
				for b.Loop() {
					if v, ok := m[e.keys[j]]; !ok || v != uint32(j) {
						b.Fatalf("key %d (%s): %d %v", j, e.keys[j], v, ok)
					}
					if j++; j == len(e.keys) {
						j = 0
					}
				}
				b.ReportMetric(perFlow, "B/flow")
			})
		}
	})
}

// BenchmarkNewFlow: the SYN of a new connection, admitted by the last
// rule of the ACL and the last rule of the security groups, on a warm
// table that stays bounded (see newFlows): each SYN also meets and removes
// its flow's expired entry from the ring's previous round.
func BenchmarkNewFlow(b *testing.B) {
	for _, rules := range []struct {
		name string
		n    int
	}{{"rules=20", 20}, {"rules=1000", 1000}} {
		b.Run(rules.name, func(b *testing.B) {
			nf := newNewFlows(b, rules.n)
			wantRule := 10 * rules.n
			b.ReportAllocs()
			for b.Loop() {
				if d := nf.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew || d.Reason != flow.ReasonRule {
					b.Fatalf("%v: %s %s by %s (%s), want allow new", nf.ring[nf.i], d.Verdict, d.Conntrack, d.Stage, d.Reason)
				}
			}
			if n := nf.table.Len(); n > newFlowRing {
				b.Fatalf("table grew to %d entries", n)
			}
			// The ACL's deciding rule, checked once outside the loop: the
			// path reports the groups' decision.
			if d := nf.path.Hops[0].Decision; int(d.RuleNumber) != wantRule {
				b.Fatalf("ACL rule %d admitted the SYN, want %d", d.RuleNumber, wantRule)
			}
		})
	}
}

// BenchmarkDrop: a packet that no rule admits, through the 1000-rule
// interface: the ACL's rules all miss it and its `*` rule drops it (the
// security groups, which would drop it too, are not reached).
func BenchmarkDrop(b *testing.B) {
	b.Run("rules=1000", func(b *testing.B) {
		f := newIface(b, 1000, conntrack.Config{})
		p := dropPacket
		b.ReportAllocs()
		for b.Loop() {
			if d := f.cross(&p, flow.Ingress, t0); d.Verdict != flow.Drop || d.Stage != flow.StageNACL || d.RuleNumber != flow.DefaultRuleV4 {
				b.Fatalf("%v: %s by %s rule %d, want the ACL's * rule", p, d.Verdict, d.Stage, d.RuleNumber)
			}
		}
	})
}

// BenchmarkChurn: the steady state of a table of a million connections
// that keep coming and going: each iteration opens a new connection
// through the VPC, and one in 64 also runs an incremental sweep
// that removes what has expired (see churn). Allocations, if any, are the
// table's amortised growth.
func BenchmarkChurn(b *testing.B) {
	b.Run("flows=1e6", func(b *testing.B) {
		c := newChurn(b, 1_000_000)
		b.ReportAllocs()
		for b.Loop() {
			if d := c.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
				b.Fatalf("%v: %s %s by %s (%s), want allow new", c.p, d.Verdict, d.Conntrack, d.Stage, d.Reason)
			}
		}
		if n := c.table.Len(); n > c.flows+c.flows/4 {
			b.Fatalf("table grew to %d entries, want about %d", n, c.flows)
		}
		b.ReportMetric(float64(c.table.Len()), "entries")
	})
}

// BenchmarkDecode: an Ethernet/IPv4/TCP SYN frame decoded into a
// flow.Packet by capture's Decoder, and, as the floor, by a bare gopacket
// DecodingLayerParser into its layer structs.
func BenchmarkDecode(b *testing.B) {
	frame := unhex(b, frameSYN)
	src := netip.MustParseAddr("198.51.100.7")

	b.Run("pfsim", func(b *testing.B) {
		d := capture.NewDecoder(layers.LayerTypeEthernet)
		var p flow.Packet
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Decode(frame, &p); err != nil {
				b.Fatal(err)
			}
			if p.DstPort != 80 || p.Flags != flow.SYN || p.Src != src {
				b.Fatalf("wrong packet %v", p)
			}
		}
	})

	b.Run("gopacket-parser", func(b *testing.B) {
		var (
			eth     layers.Ethernet
			ip4     layers.IPv4
			ip6     layers.IPv6
			tcp     layers.TCP
			udp     layers.UDP
			payload gopacket.Payload
		)
		parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &tcp, &udp, &payload)
		decoded := make([]gopacket.LayerType, 0, 8)
		b.ReportAllocs()
		for b.Loop() {
			if err := parser.DecodeLayers(frame, &decoded); err != nil {
				b.Fatal(err)
			}
			if len(decoded) != 3 || tcp.DstPort != 80 || !tcp.SYN || ip4.SrcIP[0] != 198 {
				b.Fatalf("wrong layers %v", decoded)
			}
		}
	})
}

// BenchmarkParallel: Established at a million flows with b.RunParallel:
// every goroutine (GOMAXPROCS of them) sends established packets through
// one shared VPC and table, each with its own Path and from its own place
// in the packet list. Compare its ns/op with Established/flows=1e6: the ratio is the
// speed-up over one core.
func BenchmarkParallel(b *testing.B) {
	b.Run("flows=1e6", func(b *testing.B) {
		e := sharedEstablished(b, 1_000_000)
		now := t0.Add(time.Second)
		var start atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			n := len(e.pkts)
			j := int(start.Add(1)*104_729) % n
			path := vpc.Path{Hops: make([]vpc.Hop, 0, 4)}
			for pb.Next() {
				x := &e.pkts[j]
				err := e.eni.Cross(&x.p, x.dir, now, &path)
				if d := path.Final; err != nil || d.Verdict != flow.Allow || d.Conntrack != flow.CTEstablished {
					b.Errorf("%s %v: %s %s by %s (%s), want allow established (%v)", x.dir, x.p, d.Verdict, d.Conntrack, d.Stage, d.Reason, err)
					return
				}
				if j++; j == n {
					j = 0
				}
			}
		})
	})
}
