package pfsimtest_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// The tests below draw N values with fixed seeds and count that each edge
// the generators promise comes up: random values alone would almost never
// meet them.

// draws returns n values of g, drawn with the seeds 0..n-1.
func draws[V any](g *rapid.Generator[V], n int) []V {
	out := make([]V, n)
	for i := range out {
		out[i] = g.Example(i)
	}
	return out
}

// assertSeen checks that every wanted edge was counted, naming those that
// were not.
func assertSeen(t *testing.T, seen map[string]int, n int, want ...string) {
	t.Helper()
	for _, w := range want {
		assert.Positive(t, seen[w], "%q never drawn in %d draws", w, n)
	}
}

func TestPortEdges(t *testing.T) {
	const n = 2000
	seen := map[string]int{}
	for _, p := range draws(pfsimtest.Port(), n) {
		seen[fmt.Sprint(p)]++
	}
	assertSeen(t, seen, n, "0", "1023", "1024", "32768", "49152", "60999", "65535")
	// With a configuration, the edges of its rules' ranges and the ports
	// just outside them: sg-db's 5432, acl-public's 1024-65535 and 443.
	seen = map[string]int{}
	for _, p := range draws(pfsimtest.Port(pfsimtest.In(webConfig())), n) {
		seen[fmt.Sprint(p)]++
	}
	assertSeen(t, seen, n, "5431", "5432", "5433", "442", "444")
}

func TestPrefixEdges(t *testing.T) {
	const n = 1000
	seen := map[string]int{}
	for _, p := range draws(pfsimtest.Prefix(), n) {
		seen[fmt.Sprintf("/%d v6=%t", p.Bits(), p.Addr().Is6())]++
		if p != p.Masked() {
			seen["host bits set"]++
		}
	}
	assertSeen(t, seen, n, "/0 v6=false", "/0 v6=true", "/32 v6=false", "/128 v6=true", "/24 v6=false", "/64 v6=true", "host bits set")
}

func TestPacketEdges(t *testing.T) {
	const n = 3000
	seen := map[string]int{}
	for _, p := range draws(pfsimtest.Packet(), n) {
		seen[p.Proto.String()]++
		if p.Is6() {
			seen["IPv6"]++
		}
		for _, a := range pfsimtest.AWSServiceAddrs {
			if p.Src == a || p.Dst == a {
				seen[a.String()]++
			}
		}
		if p.Proto == flow.TCP {
			seen["flags "+p.Flags.String()]++
			seen[fmt.Sprint("port ", p.DstPort)]++
		}
		if p.Proto.IsICMP() {
			seen[fmt.Sprint(p.Proto, " type ", p.ICMPType)]++
		}
	}
	want := []string{"tcp", "udp", "icmp", "icmpv6", "gre", "esp", "IPv6",
		"flags S", "flags S.", "flags .", "flags P.", "flags F.", "flags R", "flags R.",
		"port 0", "port 1023", "port 1024", "port 32768", "port 49152", "port 65535",
		"icmp type 8", "icmp type 0", "icmp type 3", "icmpv6 type 128", "icmpv6 type 2"}
	for _, a := range pfsimtest.AWSServiceAddrs {
		want = append(want, a.String())
	}
	assertSeen(t, seen, n, want...)
	assert.Greater(t, seen["IPv6"], n/10, "IPv6 is a good share of packets")
}

// In a configuration, packets meet the addresses AWS reserves in each
// subnet and the VPC's base + 2; from the internet towards an interface,
// they meet the metadata service, whose traffic no filter sees.
func TestPacketEdgesInConfig(t *testing.T) {
	const n = 3000
	cfg := webConfig()
	seen := map[string]int{}
	for _, p := range draws(pfsimtest.Packet(pfsimtest.In(cfg)), n) {
		for _, a := range []netip.Addr{p.Src, p.Dst} {
			for _, s := range cfg.Subnets {
				if what, ok := vpc.Reserved(s.CIDR, a); ok {
					seen[what]++
				}
			}
			if a == netip.MustParseAddr("10.0.0.2") {
				seen["VPC base + 2"]++
			}
		}
	}
	assertSeen(t, seen, n, "VPC base + 2",
		"the network address (base)", "the VPC router (base + 1)",
		"the Amazon DNS server's address, reserved in every subnet (base + 2)",
		"reserved for future use (base + 3)",
		"the broadcast address (last), reserved although a VPC has no broadcast")

	seen = map[string]int{}
	internet := pfsimtest.Packet(pfsimtest.From(netip.MustParsePrefix("0.0.0.0/0")), pfsimtest.ToInterface(cfg, "eni-web"))
	for _, p := range draws(internet, 1000) {
		seen[p.Src.String()]++
		assert.Equal(t, netip.MustParseAddr("10.0.1.10"), p.Dst)
	}
	assertSeen(t, seen, 1000, "169.254.169.254", "169.254.169.123", "10.0.0.2", "10.0.1.1", "10.0.3.30", "0.0.0.0", "255.255.255.255")

	// A property that forgets the AWS services fails within rapid's
	// default 100 draws: among them are packets no filter sees.
	exempt := 0
	for _, p := range draws(internet, 100) {
		if pfsimtest.Exempt(cfg, p) {
			exempt++
		}
	}
	assert.GreaterOrEqual(t, exempt, 3, "packets no filter sees among 100 from the internet")
}

func TestACLEdges(t *testing.T) {
	const n = 1000
	seen := map[string]int{}
	for _, a := range draws(pfsimtest.ACL(), n) {
		in, out := numbers(a.Ingress), numbers(a.Egress)
		for _, x := range append(slices.Clone(in), out...) {
			switch x {
			case 1, 32766:
				seen[fmt.Sprint("number ", x)]++
			}
		}
		for _, x := range in {
			if slices.Contains(out, x) {
				seen["a number in both directions"]++
			}
		}
		for _, rules := range [][]nacl.Rule{a.Ingress, a.Egress} {
			if !slices.IsSortedFunc(rules, func(x, y nacl.Rule) int { return x.Number - y.Number }) {
				seen["listed out of number order"]++
			}
			sorted := slices.SortedFunc(slices.Values(rules), func(x, y nacl.Rule) int { return x.Number - y.Number })
			for i, r := range sorted {
				if r.Is6() {
					seen["IPv6 rule"]++
				}
				if r.Protocol == flow.AnyProtocol {
					seen["protocol -1"]++
				}
				if r.HasICMP() && r.ICMPType == -1 {
					seen["any ICMP type"]++
				}
				if r.HasPorts() {
					seen[fmt.Sprintf("ports %d-%d", r.FromPort, r.ToPort)]++
				}
				if i == 0 {
					continue
				}
				prev := sorted[i-1]
				if r.Number == prev.Number+1 {
					seen["consecutive numbers"]++
				}
				same := r
				same.Number, same.Action = prev.Number, prev.Action
				if same == prev && r.Action != prev.Action {
					seen["same match, opposite action, next in order"]++
				}
				if r.HasPorts() && prev.HasPorts() && (r.FromPort == prev.ToPort+1 || r.ToPort+1 == prev.FromPort) {
					seen["touching port ranges"]++
				}
				if siblings(r.CIDR, prev.CIDR) {
					seen["sibling prefixes"]++
				}
			}
		}
	}
	assertSeen(t, seen, n, "number 1", "number 32766", "a number in both directions", "listed out of number order",
		"consecutive numbers", "same match, opposite action, next in order", "touching port ranges", "sibling prefixes",
		"IPv6 rule", "protocol -1", "any ICMP type",
		"ports 0-65535", "ports 1024-65535", "ports 32768-65535", "ports 49152-65535", "ports 0-1023")
}

func numbers(rules []nacl.Rule) []int {
	out := make([]int, len(rules))
	for i, r := range rules {
		out[i] = r.Number
	}
	return out
}

// siblings reports whether p and q are the two halves of one prefix.
func siblings(p, q netip.Prefix) bool {
	p, q = p.Masked(), q.Masked()
	if p.Bits() != q.Bits() || p.Bits() == 0 || p == q {
		return false
	}
	parent, _ := p.Addr().Prefix(p.Bits() - 1)
	return parent.Contains(q.Addr())
}

func TestGroupEdges(t *testing.T) {
	const n = 1000
	seen := map[string]int{}
	cfg := webConfig()
	cfg.PrefixLists = []vpc.PrefixList{{ID: "pl-office", Entries: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}}
	for _, g := range draws(pfsimtest.Group(pfsimtest.In(cfg)), n) {
		if slices.Contains(g.Egress, sg.Rule{Protocol: flow.AnyProtocol, CIDR: anywhere}) {
			seen["AWS's default egress rule"]++
		}
		for _, rules := range [][]sg.Rule{g.Ingress, g.Egress} {
			for i, r := range rules {
				switch {
				case r.Group == g.ID:
					seen["self reference"]++
				case r.Group != "":
					seen["group reference"]++
				case r.PrefixList != "":
					seen["prefix list"]++
				case r.CIDR.Bits() == 0:
					seen["open to all"]++
				}
				if i > 0 && overlap(rules[i-1], r) {
					seen["two rules admit one packet"]++
				}
			}
		}
	}
	assertSeen(t, seen, n, "AWS's default egress rule", "self reference", "group reference", "prefix list", "open to all",
		"two rules admit one packet")
}

// overlap reports whether two CIDR rules of one protocol admit a common
// port from a common peer.
func overlap(a, b sg.Rule) bool {
	if a.Protocol != b.Protocol || !a.CIDR.IsValid() || !b.CIDR.IsValid() || !a.CIDR.Overlaps(b.CIDR) {
		return false
	}
	if a.Protocol == flow.ProtocolOf(flow.TCP) || a.Protocol == flow.ProtocolOf(flow.UDP) {
		return a.FromPort <= b.ToPort && b.FromPort <= a.ToPort
	}
	return a.FromPort == b.FromPort && a.ToPort == b.ToPort
}

func TestVPCEdges(t *testing.T) {
	const n = 500
	seen := map[string]int{}
	for _, c := range draws(pfsimtest.VPC(), n) {
		if !c.CIDR.IsValid() {
			seen["no VPC block"]++
		}
		for i, s := range c.Subnets {
			seen[fmt.Sprintf("subnet /%d", s.CIDR.Bits())]++
			if s.IPv6CIDR.IsValid() {
				seen["IPv6 subnet"]++
			}
			for _, o := range c.Subnets[i+1:] {
				if adjacent(s.CIDR, o.CIDR) {
					seen["touching subnets"]++
				}
			}
		}
		if slices.ContainsFunc(c.NetworkACLs, func(a nacl.ACL) bool { return a.ID == vpc.DefaultACL }) {
			seen["default ACL declared"]++
		}
		for _, i := range c.Interfaces {
			if len(i.PrivateIPs) > 1 {
				seen["two IPv4 addresses"]++
			}
			if len(i.IPv6Addrs) > 0 {
				seen["IPv6 address"]++
			}
			if i.Tracking.TCPEstablishedTimeout == 60*time.Second {
				seen["established timeout 60s"]++
			}
			if i.Tracking.Capacity > 0 {
				seen["capacity"]++
			}
			if len(i.Listening) > 0 {
				seen["listening"]++
			}
		}
	}
	assertSeen(t, seen, n, "no VPC block", "subnet /16", "subnet /24", "subnet /28", "IPv6 subnet", "touching subnets",
		"default ACL declared", "two IPv4 addresses", "IPv6 address", "established timeout 60s", "capacity", "listening")
}

// adjacent reports whether p ends just before q begins or the reverse.
func adjacent(p, q netip.Prefix) bool {
	last := func(x netip.Prefix) netip.Addr {
		b := x.Masked().Addr().As4()
		n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		n |= 1<<(32-x.Bits()) - 1
		return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	}
	return last(p).Next() == q.Masked().Addr() || last(q).Next() == p.Masked().Addr()
}

// Conversations reach every close, and gaps at each timeout's edges: the
// timeout exactly, and a nanosecond either side.
func TestConversationEdges(t *testing.T) {
	const n = 3000
	seen := map[string]int{}
	for _, steps := range draws(pfsimtest.Conversation(), n) {
		for _, s := range steps {
			what, gap, ok := strings.Cut(s.What, ", after the ")
			seen[what]++
			if ok {
				seen[gap]++
			}
		}
	}
	assertSeen(t, seen, n, "SYN", "SYN again", "SYN-ACK", "ACK", "data", "FIN", "ACK of the FIN", "last ACK", "RST",
		"RST-ACK (refused)", "late ACK", "new SYN on the same ports", "request", "response", "echo request", "echo reply",
		"timestamp request", "node information query", "packet back",
		"SYN_SENT timeout (2m0s)", "SYN_RECV timeout (1m0s) plus 1ns", "ESTABLISHED timeout (120h0m0s) less 1ns",
		"FIN_WAIT timeout (2m0s)", "CLOSE_WAIT timeout (1m0s)", "LAST_ACK timeout (30s) plus 1ns", "TIME_WAIT timeout (2m0s)",
		"CLOSE timeout (10s)", "UDP timeout (30s)", "UDP_STREAM timeout (3m0s) less 1ns", "ICMP timeout (30s) plus 1s",
		"GENERIC timeout (10m0s)")

	// Towards an interface, the gaps follow its tracking configuration.
	cfg := webConfig()
	cfg.Interfaces[0].Tracking.TCPEstablishedTimeout = 60 * time.Second
	cfg.Interfaces[0].Tracking.UDPTimeout = 60 * time.Second
	seen = map[string]int{}
	for _, steps := range draws(pfsimtest.Conversation(pfsimtest.ToInterface(cfg, "eni-web")), 1000) {
		for _, s := range steps {
			if _, gap, ok := strings.Cut(s.What, ", after the "); ok {
				seen[gap]++
			}
		}
	}
	assertSeen(t, seen, 1000, "ESTABLISHED timeout (1m0s)", "UDP timeout (1m0s)")
	assert.Zero(t, seen["ESTABLISHED timeout (120h0m0s)"], "the interface's timeout, not the default")
}
