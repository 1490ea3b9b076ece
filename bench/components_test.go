package bench

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// BenchmarkComponents takes BenchmarkEstablished apart, on the same
// packets, so that BENCHMARKS.md can say where its time goes. These names
// are not among the fixed ones.
//
//   - lookup: the connection table alone (conntrack.Table.Lookup).
//   - acl: the network ACL alone (20 rules, scanned).
//   - path-floor: the path itself, vpc.ENI.Cross, over a filter that
//     decides at once: the same packets, all sent inbound, to an interface
//     whose subnet's ACL has no rules, so that its `*` rule drops them
//     without a rule to scan. What remains is the price of the path: the
//     configuration in force, the AWS-service exemption of the peer,
//     filling the hop and the final decision.
func BenchmarkComponents(b *testing.B) {
	for _, size := range flowSizes {
		b.Run("lookup/"+size.name, func(b *testing.B) {
			e := sharedEstablished(b, size.n)
			now := t0.Add(time.Second)
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				x := &e.pkts[j]
				if r, ok := e.table.Lookup(&x.p, now); !ok || r.State != conntrack.Established {
					b.Fatalf("%v: %v %s", x.p, ok, r.State)
				}
				if j++; j == len(e.pkts) {
					j = 0
				}
			}
		})
	}

	b.Run("acl", func(b *testing.B) {
		e := sharedEstablished(b, 1_000)
		b.ReportAllocs()
		j := 0
		for b.Loop() {
			x := &e.pkts[j]
			var d flow.Decision
			if e.acl.Evaluate(&x.p, x.dir, &d); d.Verdict != flow.Allow || d.RuleNumber != 200 {
				b.Fatalf("%v: %s by %d", x.p, d.Verdict, d.RuleNumber)
			}
			if j++; j == len(e.pkts) {
				j = 0
			}
		}
	})

	b.Run("path-floor", func(b *testing.B) {
		e := sharedEstablished(b, 1_000)
		v, err := vpc.New(vpc.Config{
			NetworkACLs:    []nacl.ACL{nacl.Custom("acl-floor")},
			SecurityGroups: []sg.Group{{ID: "sg-floor"}},
			Subnets:        []vpc.Subnet{{ID: "subnet-floor", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-floor"}},
			Interfaces: []vpc.Interface{{ID: "eni-floor", Subnet: "subnet-floor", PrivateIPs: []netip.Addr{local},
				Groups: []string{"sg-floor"}}},
		})
		if err != nil {
			b.Fatal(err)
		}
		pkts := make([]flow.Packet, len(e.pkts))
		for j, x := range e.pkts {
			pkts[j] = x.p
			if x.dir == flow.Egress {
				pkts[j] = x.p.Reverse()
			}
		}
		eni, err := v.ENI("eni-floor")
		if err != nil {
			b.Fatal(err)
		}
		path := vpc.Path{Hops: make([]vpc.Hop, 0, 4)}
		now := t0.Add(time.Second)
		b.ReportAllocs()
		j := 0
		for b.Loop() {
			err := eni.Cross(&pkts[j], flow.Ingress, now, &path)
			if d := path.Final; err != nil || d.Verdict != flow.Drop || d.Reason != flow.ReasonDefaultDeny {
				b.Fatalf("%v: %s by %s (%s), %v", pkts[j], d.Verdict, d.Stage, d.Reason, err)
			}
			if j++; j == len(pkts) {
				j = 0
			}
		}
	})
}
