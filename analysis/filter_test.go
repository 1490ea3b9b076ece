package analysis

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// naiveRule is the space of packets one rule matches, built with the set
// operations from the public constructors: an independent second model of
// NACL-8..12 and SG-8..11.
func naiveRule(proto flow.Protocol, dir flow.Direction, peer Space, ports, icmp bool, from, to int) Space {
	s := peer
	if proto != flow.AnyProtocol {
		s = s.Intersect(Proto(flow.Proto(proto)))
		switch {
		case ports:
			s = s.Intersect(DstPorts(uint16(from), uint16(to)))
		case icmp:
			s = s.Intersect(ICMP(from, to))
		}
	}
	return s
}

func peerSpace(dir flow.Direction) func(...Space) Space {
	return func(s ...Space) Space {
		var u Space
		for _, x := range s {
			u = u.Union(x)
		}
		return u
	}
}

// naiveACL is first match written with set operations: a rule decides
// what it matches and no earlier rule did.
func naiveACL(a nacl.ACL, dir flow.Direction) Space {
	var covered, allowed Space
	for _, r := range aclRules(&a, dir) {
		peer := Src(r.CIDR)
		if dir == flow.Egress {
			peer = Dst(r.CIDR)
		}
		m := naiveRule(r.Protocol, dir, peer, r.HasPorts(), r.HasICMP(), r.FromPort, r.ToPort)
		if r.HasICMP() {
			m = naiveRule(r.Protocol, dir, peer, false, true, r.ICMPType, r.ICMPCode)
		}
		if r.Action == nacl.Allow {
			allowed = allowed.Union(m.Minus(covered))
		}
		covered = covered.Union(m)
	}
	return allowed
}

// naiveGroups is the union of every rule's space.
func naiveGroups(groups []sg.Group, res sg.Resolver, dir flow.Direction) Space {
	var allowed Space
	for _, g := range groups {
		for _, r := range g.Rules(dir) {
			ps := sgPeer(&r, res)
			peer := Src(ps...)
			if dir == flow.Egress {
				peer = Dst(ps...)
			}
			isPorts := r.Protocol == 6 || r.Protocol == 17
			isICMP := r.Protocol == 1 || r.Protocol == 58
			allowed = allowed.Union(naiveRule(r.Protocol, dir, peer, isPorts, isICMP, r.FromPort, r.ToPort))
		}
	}
	return allowed
}

var _ = peerSpace

// TestACLSpace: the space an ACL allows is the one first match written
// with set operations gives, and it holds exactly the packets
// nacl.Reference (the golden model) and the compiled ACL allow. Each
// witness gets the verdict it was drawn for.
func TestACLSpace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t, "acl-test", 6)
		dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
		f, err := ACL(a, dir)
		require.NoError(t, err)
		require.True(t, f.Allowed().Equal(naiveACL(a, dir)), "sweep and set operations agree:\nsweep %s\nnaive %s", f.Allowed(), naiveACL(a, dir))
		require.True(t, f.Allowed().Subset(All()))

		for i := range 20 {
			p := genPacket(t, "p"+string(rune('a'+i)))
			want := nacl.Reference(&a, &p, dir).Verdict == flow.Allow
			assert.Equal(t, want, f.Allowed().Contains(p), "%s %s", dir, p)
			assert.Equal(t, want, f.Evaluate(p).Verdict == flow.Allow)
		}
		within := genSpace(t, "within")
		for _, v := range []flow.Verdict{flow.Allow, flow.Drop} {
			c, ok := f.Witness(within, v)
			if !ok {
				want := f.Allowed()
				if v == flow.Drop {
					want = f.Dropped()
				}
				assert.False(t, within.Overlaps(want), "no witness, so none exists")
				continue
			}
			assert.Equal(t, v, c.Verdict, "witness %s", c)
			assert.True(t, within.Contains(c.Packet))
			assert.NotEmpty(t, c.Why)
		}
	})
}

// TestGroupsSpace: the space of a set of security groups is the union
// of their rules' spaces and holds exactly the packets sg.Reference
// admits; each witness gets its verdict from the stage.
func TestGroupsSpace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gs := genGroups(t, 4, []string{"sg-peer", "sg-empty"}, []string{"pl-office", "pl-none"})
		dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
		f, err := Groups(gs, testResolver, dir)
		require.NoError(t, err)
		require.True(t, f.Allowed().Equal(naiveGroups(gs, testResolver, dir)))
		for i := range 20 {
			p := genPacket(t, "p"+string(rune('a'+i)))
			_, want := sg.Reference(gs, testResolver, &p, dir)
			assert.Equal(t, want, f.Allowed().Contains(p), "%s %s", dir, p)
			assert.Equal(t, want, f.Evaluate(p).Verdict == flow.Allow, "%s %s", dir, p)
		}
		within := genSpace(t, "within")
		for _, v := range []flow.Verdict{flow.Allow, flow.Drop} {
			if c, ok := f.Witness(within, v); ok {
				assert.Equal(t, v, c.Verdict, "witness %s", c)
				assert.True(t, within.Contains(c.Packet))
			}
		}
	})
}

// TestACLExhaustive: over a small grid of packets, membership in the
// allowed space is the golden model's verdict, packet by packet.
func TestACLExhaustive(t *testing.T) {
	grid := smallPackets(v4Addrs[:8], addrList("10.0.0.5", "198.51.100.7"))
	grid = append(grid, smallPackets(v6Addrs[:4], addrList("2001:db8::1"))...)
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t, "acl-grid", 5)
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			s := aclSpace(&a, dir)
			for i := range grid {
				want := nacl.Reference(&a, &grid[i], dir).Verdict == flow.Allow
				if s.Contains(grid[i]) != want {
					t.Fatalf("%s %s: space says %v, reference %v", dir, grid[i], !want, want)
				}
			}
		}
	})
}

func TestFilterNames(t *testing.T) {
	f, err := ACL(nacl.Default("acl-x"), flow.Egress)
	require.NoError(t, err)
	assert.Equal(t, "network ACL acl-x egress", f.Name())
	assert.True(t, f.Allowed().Equal(All()), "the default ACL allows everything")
	assert.True(t, f.Dropped().IsEmpty())

	_, err = ACL(nacl.ACL{ID: "bad", Ingress: []nacl.Rule{{Number: 0}}}, flow.Ingress)
	assert.Error(t, err)

	g, err := Groups([]sg.Group{{ID: "sg-a"}, {ID: "sg-b"}}, nil, flow.Ingress)
	require.NoError(t, err)
	assert.Equal(t, "security groups sg-a, sg-b ingress", g.Name())
	assert.True(t, g.Allowed().IsEmpty(), "no rule, nothing allowed")
	_ = slices.Clone[[]int]
}
