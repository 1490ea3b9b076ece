package bench

import (
	"testing"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// BenchmarkComponents takes BenchmarkEstablished apart, on the same
// packets, so that BENCHMARKS.md can say where its time goes. These names
// are not among the fixed ones.
//
//   - lookup: the connection table alone (conntrack.Table.Lookup).
//   - acl: the network ACL alone (20 rules, scanned).
//   - pipeline-floor: flow.Pipeline over two stub stages that return the
//     decisions the ACL and the security-group stage return for these
//     packets, at no cost of their own: the price of the Stage interface
//     and of copying its 168-byte flow.Decision through the pipeline.
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
			if d := e.acl.Evaluate(&x.p, x.dir, t0); d.Verdict != flow.Allow || d.RuleNumber != 200 {
				b.Fatalf("%v: %s by %d", x.p, d.Verdict, d.RuleNumber)
			}
			if j++; j == len(e.pkts) {
				j = 0
			}
		}
	})

	b.Run("pipeline-floor", func(b *testing.B) {
		e := sharedEstablished(b, 1_000)
		x := &e.pkts[0]
		aclD := e.acl.Evaluate(&x.p, x.dir, t0)
		sgD := flow.Decision{Verdict: flow.Allow, Stage: flow.StageSG, Direction: x.dir, Reason: flow.ReasonTracked,
			Conntrack: flow.CTEstablished, GroupRule: -1, ConnState: conntrack.Established.String(), Age: time.Second}
		pl := flow.NewPipeline(&stubStage{aclD}, &stubStage{sgD})
		now := t0.Add(time.Second)
		b.ReportAllocs()
		j := 0
		for b.Loop() {
			x := &e.pkts[j]
			if d := pl.Evaluate(&x.p, x.dir, now); d.Verdict != flow.Allow || d.Conntrack != flow.CTEstablished {
				b.Fatalf("%v: %s %s", x.p, d.Verdict, d.Conntrack)
			}
			if j++; j == len(e.pkts) {
				j = 0
			}
		}
	})
}

// stubStage decides every packet the same way, at no cost of its own: a
// pointer receiver, so that calling it copies no receiver, only the
// decision returned.
type stubStage struct{ d flow.Decision }

func (s *stubStage) Evaluate(*flow.Packet, flow.Direction, time.Time) flow.Decision { return s.d }
