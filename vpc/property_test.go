package vpc

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// Laws of the path (MODEL-3, MODEL-7, MODEL-8, CT-21), checked on random
// rules and random packets between three interfaces in two subnets and
// hosts outside:
//   - the stages come in MODEL-7's order: source SG egress, source ACL
//     egress, destination ACL ingress, destination SG ingress, with no ACL
//     between two interfaces of one subnet;
//   - every hop but the last allowed the packet, and the last one decided;
//   - a packet dropped before the destination's SG leaves its table as it
//     was (an ACL drop on ingress creates no entry).
func TestPropertyPathLaws(t *testing.T) {
	addrsIn := []string{"10.0.1.10", "10.0.1.11", "10.0.3.30"}
	outside := []string{"198.51.100.7", "203.0.113.80"}
	all := append(append([]string{}, addrsIn...), outside...)
	protos := []flow.Protocol{flow.AnyProtocol, flow.ProtocolOf(flow.TCP), flow.ProtocolOf(flow.UDP)}
	cidrs := []string{"0.0.0.0/0", "10.0.0.0/16", "198.51.100.0/24", "10.0.1.0/24"}
	ports := []int{22, 80, 443, 1024}

	rapid.Check(t, func(t *rapid.T) {
		sgRule := func(label string) sg.Rule {
			p := rapid.SampledFrom(protos).Draw(t, label+"proto")
			lo := rapid.SampledFrom(ports).Draw(t, label+"lo")
			return sg.Rule{Protocol: p, FromPort: lo, ToPort: lo + rapid.IntRange(0, 64511).Draw(t, label+"span")%(65536-lo),
				CIDR: netip.MustParsePrefix(rapid.SampledFrom(cidrs).Draw(t, label+"cidr"))}
		}
		aclRules := func(label string) []nacl.Rule {
			var out []nacl.Rule
			for i := range rapid.IntRange(0, 4).Draw(t, label+"n") {
				act := nacl.Allow
				if rapid.Bool().Draw(t, label+"deny") {
					act = nacl.Deny
				}
				lo := rapid.SampledFrom(ports).Draw(t, label+"lo")
				out = append(out, nacl.Rule{Number: 100 + 10*i, Action: act, Protocol: rapid.SampledFrom(protos).Draw(t, label+"proto"),
					FromPort: lo, ToPort: 65535, CIDR: netip.MustParsePrefix(rapid.SampledFrom(cidrs).Draw(t, label+"cidr"))})
			}
			return out
		}
		var groups []sg.Group
		for _, id := range []string{"sg-a", "sg-b", "sg-c"} {
			g := sg.Group{ID: id}
			for range rapid.IntRange(0, 3).Draw(t, id+"in") {
				g.Ingress = append(g.Ingress, sgRule(id+"i"))
			}
			for range rapid.IntRange(0, 3).Draw(t, id+"out") {
				g.Egress = append(g.Egress, sgRule(id+"e"))
			}
			groups = append(groups, g)
		}
		cfg := Config{
			SecurityGroups: groups,
			NetworkACLs: []nacl.ACL{
				{ID: "acl-1", Ingress: aclRules("a1i"), Egress: aclRules("a1e")},
				{ID: "acl-3", Ingress: aclRules("a3i"), Egress: aclRules("a3e")},
			},
			Subnets: []Subnet{
				{ID: "s1", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-1"},
				{ID: "s3", CIDR: netip.MustParsePrefix("10.0.3.0/24"), ACL: "acl-3"},
			},
			Interfaces: []Interface{
				{ID: "eni-1", Subnet: "s1", PrivateIPs: addrs(addrsIn[0]), Groups: []string{"sg-a"}},
				{ID: "eni-2", Subnet: "s1", PrivateIPs: addrs(addrsIn[1]), Groups: []string{"sg-b"}},
				{ID: "eni-3", Subnet: "s3", PrivateIPs: addrs(addrsIn[2]), Groups: []string{"sg-c", "sg-a"}},
			},
		}
		v, err := New(cfg)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		// A twin fed the same packets through SendInto and one reused Path.
		twin, err := New(cfg)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		var reused Path
		flags := []flow.TCPFlags{flow.SYN, flow.SYN | flow.ACK, flow.ACK, flow.PSH | flow.ACK, flow.FIN | flow.ACK, flow.RST}
		now := t0
		for i := range rapid.IntRange(1, 30).Draw(t, "packets") {
			src := rapid.SampledFrom(all).Draw(t, "src")
			dst := rapid.SampledFrom(all).Draw(t, "dst")
			srcIf, dstIf := v.cur.Load().byAddr[netip.MustParseAddr(src)], v.cur.Load().byAddr[netip.MustParseAddr(dst)]
			if src == dst || (srcIf == nil && dstIf == nil) {
				continue
			}
			p := flow.Packet{Proto: flow.TCP, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst),
				SrcPort: uint16(rapid.SampledFrom([]int{22, 80, 40000, 50000}).Draw(t, "sport")),
				DstPort: uint16(rapid.SampledFrom([]int{22, 80, 443, 40000, 50000}).Draw(t, "dport")),
				Flags:   rapid.SampledFrom(flags).Draw(t, "flags")}
			if rapid.Bool().Draw(t, "udp") {
				p.Proto, p.Flags = flow.UDP, 0
			}
			now = now.Add(time.Duration(rapid.IntRange(0, 40).Draw(t, "dt")) * time.Second)
			before := -1
			if dstIf != nil {
				before = dstIf.stage.Table().Len()
			}
			path, err := v.Send(&p, now)
			if err != nil {
				t.Fatalf("packet %d %s: %v", i, p, err)
			}
			if err := twin.SendInto(&p, now, &reused); err != nil || !reflect.DeepEqual(viewOf(&path), viewOf(&reused)) {
				t.Fatalf("%s: SendInto gave %+v, %v; Send %+v", p, viewOf(&reused), err, viewOf(&path))
			}
			// MODEL-8: every hop but the last allowed; the last decided.
			// CT-21: the tracking outcome is that of the latest
			// security-group hop that had one, whichever filter decided
			// (ACL hops track nothing).
			var sgHop *flow.Decision
			for j := range path.Hops {
				h := &path.Hops[j].Decision
				if j < len(path.Hops)-1 && h.Verdict != flow.Allow {
					t.Fatalf("%s: hop %d dropped the packet but the path went on: %+v", p, j, path.Hops)
				}
				switch {
				case h.Stage != flow.StageSG && h.Conntrack != flow.CTNone:
					t.Fatalf("%s: an ACL hop tracked: %+v", p, h)
				case h.Stage == flow.StageSG && h.Conntrack != flow.CTNone:
					sgHop = h
				}
			}
			if len(path.Hops) == 0 {
				t.Fatalf("%s: no filter met between interfaces", p)
			}
			last := path.Hops[len(path.Hops)-1].Decision
			if path.Final.Verdict != last.Verdict || path.Final.Stage != last.Stage || path.Final.RuleNumber != last.RuleNumber {
				t.Fatalf("%s: Final %+v is not the last hop's decision %+v", p, path.Final, last)
			}
			if sgHop != nil && (path.Final.Conntrack != sgHop.Conntrack || path.Final.ConnState != sgHop.ConnState || path.Final.Note != sgHop.Note) {
				t.Fatalf("%s: Final %+v does not carry the latest security-group outcome %+v", p, path.Final, *sgHop)
			}
			// MODEL-7 order, MODEL-3 (no ACL inside one subnet).
			var want []string
			same := srcIf != nil && dstIf != nil && srcIf.subnet == dstIf.subnet
			if srcIf != nil {
				want = append(want, "sg egress")
				if !same {
					want = append(want, "nacl egress")
				}
			}
			if dstIf != nil {
				if !same {
					want = append(want, "nacl ingress")
				}
				want = append(want, "sg ingress")
			}
			for j, h := range path.Hops {
				got := h.Decision.Stage.String() + " " + h.Decision.Direction.String()
				if j >= len(want) || got != want[j] {
					t.Fatalf("%s: hop %d is %s, want the order %v", p, j, got, want)
				}
				last := j == len(path.Hops)-1
				if !last && h.Decision.Verdict != flow.Allow {
					t.Fatalf("%s: hop %d dropped but the path went on (MODEL-8)", p, j)
				}
			}
			if len(path.Hops) == 0 || path.Final.Verdict != path.Hops[len(path.Hops)-1].Decision.Verdict {
				t.Fatalf("%s: the last hop must decide", p)
			}
			if path.Final.Verdict == flow.Allow && len(path.Hops) != len(want) {
				t.Fatalf("%s: allowed after %d of %d stages", p, len(path.Hops), len(want))
			}
			// Dropped before the destination's SG: its table is untouched.
			if dstIf != nil && len(path.Hops) < len(want) {
				if got := dstIf.stage.Table().Len(); got != before {
					t.Fatalf("%s: dropped before %s's SG, yet its table went from %d to %d entries", p, dstIf.ID, before, got)
				}
			}
		}
	})
}

// pathView is a Path as two VPCs built from one configuration can agree
// on it: its hops by interface, subnet and decision, and the words of
// every hop.
type pathView struct {
	From, To, Exempt string
	Packet           flow.Packet
	Final            flow.Decision
	Hops             []string
	Words            string
}

func viewOf(p *Path) pathView {
	v := pathView{From: p.From, To: p.To, Exempt: p.Exempt, Packet: p.Packet, Final: p.Final, Words: p.Explain()}
	for i := range p.Hops {
		h := &p.Hops[i]
		v.Hops = append(v.Hops, fmt.Sprintf("%s %s %+v", h.Interface(), h.Subnet(), h.Decision))
	}
	return v
}
