package analysis

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// mutateACL returns a copy of a with one rule added, removed, renumbered
// or changed in one field: the edits a change review is about.
func mutateACL(t *rapid.T, a nacl.ACL) nacl.ACL {
	b := nacl.ACL{ID: a.ID, Ingress: slices.Clone(a.Ingress), Egress: slices.Clone(a.Egress)}
	list := &b.Ingress
	if rapid.Bool().Draw(t, "mut-egress") {
		list = &b.Egress
	}
	used := map[int]bool{}
	for _, r := range *list {
		used[r.Number] = true
	}
	free := func(label string) int {
		n := rapid.IntRange(1, 450).Filter(func(n int) bool { return !used[n] }).Draw(t, label)
		used[n] = true
		return n
	}
	k := rapid.IntRange(0, 4).Draw(t, "mut-kind")
	if len(*list) == 0 {
		k = 0
	}
	switch k {
	case 0: // add
		extra := genACL(t, "mut-new", 1)
		if rules := append(extra.Ingress, extra.Egress...); len(rules) > 0 {
			r := rules[0]
			r.Number = free("mut-number")
			*list = append(*list, r)
		}
	case 1: // remove
		i := rapid.IntRange(0, len(*list)-1).Draw(t, "mut-remove")
		*list = slices.Delete(*list, i, i+1)
	case 2: // renumber
		i := rapid.IntRange(0, len(*list)-1).Draw(t, "mut-renumber")
		(*list)[i].Number = free("mut-to")
	case 3: // flip the action
		i := rapid.IntRange(0, len(*list)-1).Draw(t, "mut-flip")
		if (*list)[i].Action == nacl.Allow {
			(*list)[i].Action = nacl.Deny
		} else {
			(*list)[i].Action = nacl.Allow
		}
	case 4: // another CIDR
		i := rapid.IntRange(0, len(*list)-1).Draw(t, "mut-cidr")
		c := genPrefix(t, "mut-prefix")
		if c.Addr().Is4() == (*list)[i].CIDR.Addr().Is4() || !(*list)[i].HasICMP() {
			(*list)[i].CIDR = c
		}
	}
	return b
}

// grid returns the packets exhaustive checks run over: every combination
// of a few addresses, protocols and ports.
func grid() []flow.Packet {
	g := smallPackets(v4Addrs[:8], addrList("10.0.0.5", "198.51.100.7"))
	return append(g, smallPackets(v6Addrs[:4], addrList("2001:db8::1"))...)
}

// TestDiffACLs: every change's packet gets different verdicts before and
// after, the verdict the change says; over a grid, a packet's verdict
// changes exactly when a change's region holds it; the relation sums the
// changes up.
func TestDiffACLs(t *testing.T) {
	g := grid()
	rapid.Check(t, func(t *rapid.T) {
		old := genACL(t, "acl-x", 5)
		new := mutateACL(t, old)
		d, err := DiffACLs(old, new)
		require.NoError(t, err)
		added, removed := false, false
		for _, c := range d.Changes {
			assert.NotEqual(t, c.Old.Verdict, c.New.Verdict, "%s", c)
			assert.Equal(t, c.Now, c.New.Verdict, "%s", c)
			assert.True(t, c.Region.Space().Contains(c.Old.Packet))
			added = added || c.Now == flow.Allow
			removed = removed || c.Now == flow.Drop
		}
		assert.Equal(t, relation(added, removed), d.Relation)
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			for i := range g {
				p := &g[i]
				before := nacl.Reference(&old, p, dir).Verdict
				after := nacl.Reference(&new, p, dir).Verdict
				in := slices.ContainsFunc(d.Changes, func(c Change) bool {
					return strings.HasSuffix(c.Where, dir.String()) && c.Region.Space().Contains(*p)
				})
				if in != (before != after) {
					t.Fatalf("%s %s: %s before, %s after, in a change: %v\n%s", dir, p, before, after, in, d)
				}
			}
		}
	})
}

// mutateConfig returns cfg with one ACL or group changed, or a subnet
// given another ACL, or an interface other groups.
func mutateConfig(t *rapid.T, cfg vpc.Config) vpc.Config {
	c := cloneConfig(cfg)
	switch rapid.IntRange(0, 3).Draw(t, "cfg-mut") {
	case 0:
		i := rapid.IntRange(0, len(c.NetworkACLs)-1).Draw(t, "cfg-acl")
		c.NetworkACLs[i] = mutateACL(t, c.NetworkACLs[i])
	case 1:
		i := rapid.IntRange(0, len(c.SecurityGroups)-1).Draw(t, "cfg-group")
		g := c.SecurityGroups[i]
		g.Ingress = append(slices.Clone(g.Ingress), genSGRule(t, "cfg-rule", []string{"sg-0", "sg-1"}, []string{"pl-office"}))
		if len(g.Egress) > 0 {
			g.Egress = g.Egress[1:]
		}
		c.SecurityGroups[i] = g
	case 2:
		i := rapid.IntRange(0, len(c.Subnets)-1).Draw(t, "cfg-subnet")
		c.Subnets[i].ACL = rapid.SampledFrom([]string{"", "acl-a", "acl-b"}).Draw(t, "cfg-subnet-acl")
	case 3:
		i := rapid.IntRange(0, len(c.Interfaces)-1).Draw(t, "cfg-iface")
		c.Interfaces[i].Groups = []string{rapid.SampledFrom([]string{"sg-0", "sg-1", "sg-2"}).Draw(t, "cfg-iface-group")}
	}
	return c
}

// TestDiffVPCs: the same over whole VPCs, judged by vpc.VPC.Send.
func TestDiffVPCs(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		oldCfg := genConfig(t)
		newCfg := mutateConfig(t, oldCfg)
		old, err := NewModel(oldCfg)
		require.NoError(t, err)
		new, err := NewModel(newCfg)
		require.NoError(t, err)
		d := DiffVPCs(old, new)
		for _, c := range d.Changes {
			assert.NotEqual(t, c.Old.Verdict, c.New.Verdict, "%s\n  before %s\n  after %s", c, c.Old, c.New)
			assert.Equal(t, c.Now, c.New.Verdict)
		}
		assert.Equal(t, d.Relation == Equal, old.Reach().Equal(new.Reach()))
		for i := range 20 {
			p := genVPCPacket(t, fmt.Sprint("p", i))
			before, after := old.Send(p).Verdict, new.Send(p).Verdict
			in := slices.ContainsFunc(d.Changes, func(c Change) bool { return c.Region.Space().Contains(p) })
			assert.Equal(t, before != after, in, "%s: %s then %s", p, before, after)
		}
	})
}

// TestShadowed: a shadowed rule decides no packet; every other rule
// decides some packet (the witness of what it matches first); the rules
// covering a shadowed one do cover it.
func TestShadowed(t *testing.T) {
	g := grid()
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t, "acl-s", 7)
		shadowed := ShadowedRules(a)
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			rules := aclRules(&a, dir)
			isShadowed := func(n int) bool {
				return slices.ContainsFunc(shadowed, func(s Shadowed) bool { return s.Direction == dir && s.Number == n })
			}
			for i := range g {
				d := nacl.Reference(&a, &g[i], dir)
				if d.Reason == flow.ReasonRule {
					assert.False(t, isShadowed(int(d.RuleNumber)), "rule %d decides %s", d.RuleNumber, g[i])
				}
			}
			var covered Space
			for _, r := range rules {
				m := ruleMatch(&r, dir)
				first := m.Minus(covered)
				covered = covered.Union(m)
				if isShadowed(r.Number) {
					assert.True(t, first.IsEmpty())
					continue
				}
				p, ok := first.Witness()
				require.True(t, ok, "rule %s is not shadowed, so it decides a packet", r)
				assert.Equal(t, r.Number, int(nacl.Reference(&a, &p, dir).RuleNumber), "%s decides %s", r, p)
			}
		}
		for _, s := range shadowed {
			if s.Empty {
				continue
			}
			var cover Space
			var conflict bool
			for _, c := range s.CoveredBy {
				r, err := nacl.ParseRule(strings.TrimPrefix(c, "rule "))
				require.NoError(t, err)
				cover = cover.Union(ruleMatch(&r, s.Direction))
				conflict = conflict || r.Action.String() != strings.Fields(s.Rule)[1]
			}
			self, err := nacl.ParseRule(s.Rule)
			require.NoError(t, err)
			assert.True(t, ruleMatch(&self, s.Direction).Subset(cover), "%s", s)
			assert.Equal(t, conflict, s.Conflict)
		}
	})
}

// TestRedundant: removing every rule reported redundant changes no
// verdict; removing any rule kept changes some; each cover covers.
func TestRedundant(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gs := genGroups(t, 5, []string{"sg-peer"}, []string{"pl-office"})
		red := RedundantRules(gs, testResolver)
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			full := Space{sgRuleSet(gs, testResolver, dir).build()}
			kept := slices.Clone(gs)
			for gi := range kept {
				var rules []sg.Rule
				for ri, r := range gs[gi].Rules(dir) {
					if !slices.ContainsFunc(red, func(x Redundant) bool {
						return x.Rule.Direction == dir && x.Rule.Group == gs[gi].ID && x.Rule.Index == ri+1
					}) {
						rules = append(rules, r)
					}
				}
				if dir == flow.Egress {
					kept[gi].Egress = rules
				} else {
					kept[gi].Ingress = rules
				}
			}
			assert.True(t, Space{sgRuleSet(kept, testResolver, dir).build()}.Equal(full), "the redundant rules add nothing")
			for gi := range kept {
				for ri := range kept[gi].Rules(dir) {
					less := slices.Clone(kept)
					rules := slices.Delete(slices.Clone(kept[gi].Rules(dir)), ri, ri+1)
					if dir == flow.Egress {
						less[gi].Egress = rules
					} else {
						less[gi].Ingress = rules
					}
					assert.False(t, Space{sgRuleSet(less, testResolver, dir).build()}.Equal(full), "every rule kept is needed")
				}
			}
		}
	})
}

// TestExposure: the entries partition what the interface accepts from
// the sources (AWS services aside); each entry's packet is allowed by
// vpc.ENI.Cross; over the VPC's addresses and a grid of services, Cross
// allows a packet from a source exactly when an entry holds it.
func TestExposure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		id := rapid.SampledFrom(m.Interfaces()).Draw(t, "iface")
		from := Src(genPrefix(t, "from"), netip.MustParsePrefix("::/0"))
		x, err := m.Exposure(id, from)
		require.NoError(t, err)
		f, err := m.Path(id, flow.Ingress)
		require.NoError(t, err)
		var union Space
		for _, e := range x.Entries {
			assert.Equal(t, flow.Allow, e.Check.Verdict, "%s: %s", e, e.Check)
			assert.True(t, e.Space().Contains(e.Check.Packet))
			assert.False(t, union.Overlaps(e.Space()), "entries are disjoint")
			union = union.Union(e.Space())
		}
		assert.True(t, union.Equal(f.Allowed().Intersect(from).Minus(m.exemptOn(lvSrc))))

		local := addrsOf(m.ifaces[id])
		for _, p := range smallPackets(append(slices.Clone(vpcAddrs4), vpcAddrs6...), local) {
			if !from.Contains(p) || m.exemptOn(lvSrc).Contains(p) {
				continue
			}
			in := slices.ContainsFunc(x.Entries, func(e Exposed) bool { return e.Space().Contains(p) })
			assert.Equal(t, cross(cfg, id, flow.Ingress, &p).Verdict == flow.Allow, in, "%s", p)
		}
	})
}

// TestHoles: every hole shows a request the interface admits and its
// reply dropped by the ACL, and its fix closes it; conversely, a request
// the interface admits whose reply the ACL drops is in a hole.
func TestHoles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		id := rapid.SampledFrom(m.Interfaces()).Draw(t, "iface")
		holes, err := m.InterfaceHoles(id)
		require.NoError(t, err)
		for _, h := range holes {
			if h.PeerSubnet != "" {
				continue // TestPeerHoles
			}
			assert.Equal(t, flow.Allow, h.Request.Verdict, "%s\n%s", h, h.Request)
			assert.Equal(t, flow.Drop, h.Reply.Verdict, "%s\n%s", h, h.Reply)
			assert.Contains(t, h.Reply.Why, "dropped by network ACL "+h.ACL)
			assert.True(t, h.Requests().Contains(h.Request.Packet), "%s", h.Request)
			assert.True(t, h.Fixed, "%s", h)
			// The fix, made, closes the hole.
			fixed := withACL(cfg, addRule(*m.acls[h.ACL], h.FixDirection, h.FixRule))
			fm, err := NewModel(fixed)
			require.NoError(t, err)
			after, err := fm.InterfaceHoles(id)
			require.NoError(t, err)
			for _, a := range after {
				if a.PeerSubnet != "" {
					continue
				}
				assert.False(t, a.Requests().Overlaps(h.Requests()), "after %s, still %s", h.Fix, a)
			}
		}
		itf := m.ifaces[id]
		sub := m.subnets[itf.Subnet]
		for i := range 20 {
			dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, fmt.Sprint("dir", i))
			p := genVPCPacket(t, fmt.Sprint("p", i))
			local := rapid.SampledFrom(addrsOf(itf)).Draw(t, fmt.Sprint("local", i))
			if local.Is4() != p.Src.Is4() {
				continue
			}
			peer := &p.Src
			if dir == flow.Ingress {
				p.Dst = local
			} else {
				p.Src, peer = local, &p.Dst
			}
			if p.Proto.HasPorts() {
				p.SrcPort = uint16(rapid.IntRange(32768, 60999).Draw(t, fmt.Sprint("sport", i)))
			}
			if m.exemptOn(lvSrc).Contains(flow.Packet{Proto: 47, Src: *peer, Dst: *peer}) || sub.CIDR.Contains(*peer) || sub.IPv6CIDR.Contains(*peer) {
				continue
			}
			if q, ok := flow.ICMPQuery(p.Proto, p.ICMPType); p.Proto.IsICMP() && (!ok || !q) {
				continue // only queries have replies
			}
			reply := p.Reverse()
			if p.Proto == flow.TCP {
				reply.Flags = flow.SYN | flow.ACK
			}
			req, rep := exchange(cfg, id, dir, p, reply)
			if req.Verdict != flow.Allow {
				continue
			}
			assert.NotContains(t, rep.Why, "dropped by security group", "groups never drop a reply: %s", rep)
			inHole := slices.ContainsFunc(holes, func(h Hole) bool { return h.PeerSubnet == "" && h.Requests().Contains(p) })
			assert.Equal(t, rep.Verdict == flow.Drop, inHole, "%s then %s", req, rep)
		}
	})
}

// TestPeerHoles: between interfaces of two subnets, every hole at the
// other end is real along the whole path (the VPC delivers the request
// and drops the reply, which that end's ACL drops by the golden model;
// with the fix made, the reply gets through and the hole is gone), and
// conversely every request the VPC delivers whose reply the other end's
// ACL drops is in one. Holes of both kinds together hold every request
// whose reply the VPC drops.
func TestPeerHoles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genTalkingConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		id := rapid.SampledFrom(m.Interfaces()).Draw(t, "iface")
		itf := m.ifaces[id]
		holes, err := m.InterfaceHoles(id)
		require.NoError(t, err)
		aclOf := func(itf *vpc.Interface) nacl.ACL { return *m.acls[m.aclOf(itf)] }
		own := aclOf(itf)
		for _, h := range holes {
			if h.PeerSubnet == "" {
				continue
			}
			require.NotEqual(t, itf.Subnet, h.PeerSubnet)
			assert.Equal(t, m.aclOf(&vpc.Interface{Subnet: h.PeerSubnet}), h.ACL)
			assert.Equal(t, flow.Allow, h.Request.Verdict, "%s\n%s", h, h.Request)
			assert.Equal(t, flow.Drop, h.Reply.Verdict, "%s\n%s", h, h.Reply)
			assert.Contains(t, h.Reply.Why, "dropped by network ACL ")
			assert.True(t, h.Requests().Contains(h.Request.Packet), "%s", h.Request)
			assert.Equal(t, h.Direction, h.FixDirection, "the reply meets the other end's ACL the way the flows meet this one")
			reply := h.Reply.Packet
			acl := *m.acls[h.ACL]
			assert.Equal(t, flow.Drop, nacl.Reference(&acl, &reply, h.FixDirection).Verdict, "%s", reply)
			assert.True(t, h.Fixed, "%s", h)

			// The fix made (with the own ACL's fixes, if that drops the
			// reply too), the pair goes through along the whole path.
			fixed := withACL(cfg, addRule(acl, h.FixDirection, h.FixRule))
			back := h.Direction.Reverse()
			if nacl.Reference(&own, &reply, back).Verdict == flow.Drop {
				o := *aclIn(t, fixed, own.ID)
				for _, g := range holes {
					if g.PeerSubnet == "" && g.ACL == own.ID && g.FixDirection == back {
						o = addRule(o, back, g.FixRule)
					}
				}
				fixed = withACL(fixed, o)
			}
			_, r := sendPair(fixed, h.Request.Packet, reply)
			assert.Equal(t, flow.Allow, r.Verdict, "after %s: %s", h.Fix, r)
			fm, err := NewModel(withACL(cfg, addRule(acl, h.FixDirection, h.FixRule)))
			require.NoError(t, err)
			after, err := fm.InterfaceHoles(id)
			require.NoError(t, err)
			for _, a := range after {
				if a.PeerSubnet == h.PeerSubnet {
					assert.False(t, a.Requests().Overlaps(h.Requests()), "after %s, still %s", h.Fix, a)
				}
			}
		}

		// Completeness, against the VPC and the golden model.
		var peers []*vpc.Interface
		for _, o := range m.ifaces {
			if o.Subnet != itf.Subnet {
				peers = append(peers, o)
			}
		}
		slices.SortFunc(peers, func(a, b *vpc.Interface) int { return strings.Compare(a.ID, b.ID) })
		require.NotEmpty(t, peers, "genConfigN(3) puts an interface in each subnet")
		for i := range 30 {
			dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, fmt.Sprint("dir", i))
			p := genPacket(t, fmt.Sprint("p", i))
			other := rapid.SampledFrom(peers).Draw(t, fmt.Sprint("peer", i))
			local := rapid.SampledFrom(addrsOf(itf)).Draw(t, fmt.Sprint("local", i))
			far := rapid.SampledFrom(addrsOf(other)).Draw(t, fmt.Sprint("far", i))
			if local.Is4() != far.Is4() || local.Is4() != p.Src.Is4() {
				continue
			}
			p.Src, p.Dst = far, local
			if dir == flow.Egress {
				p.Src, p.Dst = local, far
			}
			if p.Proto.HasPorts() {
				p.SrcPort = uint16(rapid.IntRange(32768, 60999).Draw(t, fmt.Sprint("sport", i)))
			}
			if p.Proto == flow.TCP {
				p.Flags = flow.SYN
			}
			if q, ok := flow.ICMPQuery(p.Proto, p.ICMPType); p.Proto.IsICMP() && (!ok || !q) {
				continue // only queries have replies
			}
			if m.Unfiltered().Contains(p) {
				continue
			}
			reply := p.Reverse()
			if p.Proto == flow.TCP {
				reply.Flags = flow.SYN | flow.ACK
			}
			req, rep := sendPair(cfg, p, reply)
			if req.Verdict != flow.Allow {
				continue
			}
			assert.NotContains(t, rep.Why, "dropped by security group", "groups never drop a reply: %s", rep)
			farACL := aclOf(other)
			there := nacl.Reference(&farACL, &reply, dir).Verdict == flow.Drop
			inPeer := slices.ContainsFunc(holes, func(h Hole) bool { return h.PeerSubnet == other.Subnet && h.Requests().Contains(p) })
			assert.Equal(t, there, inPeer, "%s then %s", req, rep)
			inAny := slices.ContainsFunc(holes, func(h Hole) bool { return h.Requests().Contains(p) })
			assert.Equal(t, rep.Verdict == flow.Drop, inAny, "%s then %s", req, rep)
		}
	})
}

// TestHolesVPC: over the whole VPC, a hole at the other end is reported
// only when the other end's own holes miss some of its requests; every
// hole is real along the path; and a request between two subnets that the
// VPC delivers, from any client port 1024-65535, has its reply dropped
// exactly when some hole holds it.
func TestHolesVPC(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genTalkingConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		holes := m.Holes()
		own := map[aclKey]Space{}
		for _, h := range holes {
			if h.PeerSubnet == "" {
				k := aclKey{h.ACL, h.FixDirection}
				own[k] = own[k].Union(h.Requests())
			}
		}
		for _, h := range holes {
			assert.Equal(t, flow.Allow, h.Request.Verdict, "%s\n%s", h, h.Request)
			assert.Equal(t, flow.Drop, h.Reply.Verdict, "%s\n%s", h, h.Reply)
			assert.True(t, h.Fixed, "%s", h)
			if h.PeerSubnet != "" {
				assert.False(t, h.Requests().Minus(own[aclKey{h.ACL, h.FixDirection}]).IsEmpty(), "%s: its own holes hold it already", h)
			}
		}
		ids := m.Interfaces()
		for i := range 30 {
			a := m.ifaces[rapid.SampledFrom(ids).Draw(t, fmt.Sprint("client", i))]
			b := m.ifaces[rapid.SampledFrom(ids).Draw(t, fmt.Sprint("server", i))]
			if a.Subnet == b.Subnet {
				continue
			}
			p := genPacket(t, fmt.Sprint("p", i))
			p.Src = rapid.SampledFrom(addrsOf(a)).Draw(t, fmt.Sprint("src", i))
			p.Dst = rapid.SampledFrom(addrsOf(b)).Draw(t, fmt.Sprint("dst", i))
			if p.Src.Is4() != p.Dst.Is4() || p.Validate() != nil {
				continue
			}
			if p.Proto.HasPorts() {
				p.SrcPort = uint16(rapid.IntRange(1024, 65535).Draw(t, fmt.Sprint("sport", i)))
			}
			if p.Proto == flow.TCP {
				p.Flags = flow.SYN
			}
			if q, ok := flow.ICMPQuery(p.Proto, p.ICMPType); p.Proto.IsICMP() && (!ok || !q) {
				continue
			}
			if m.Unfiltered().Contains(p) {
				continue
			}
			reply := p.Reverse()
			if p.Proto == flow.TCP {
				reply.Flags = flow.SYN | flow.ACK
			}
			req, rep := sendPair(cfg, p, reply)
			if req.Verdict != flow.Allow {
				continue
			}
			in := slices.ContainsFunc(holes, func(h Hole) bool { return h.Requests().Contains(p) })
			assert.Equal(t, rep.Verdict == flow.Drop, in, "%s then %s", req, rep)
		}
	})
}

// genTalkingConfig is genConfigN(t, 3), its interfaces often let talk to
// each other: groups that may admit the whole VPC both ways, ACLs that
// may carry a rule for it in either direction, so that requests between
// the subnets often get through and their replies sometimes do not.
func genTalkingConfig(t *rapid.T) vpc.Config {
	cfg := genConfigN(t, 3)
	vpcWide := netip.MustParsePrefix("10.0.0.0/16")
	if rapid.Bool().Draw(t, "open-groups") {
		for i := range cfg.SecurityGroups {
			g := &cfg.SecurityGroups[i]
			all := sg.Rule{Protocol: flow.AnyProtocol, CIDR: vpcWide}
			g.Ingress = append(slices.Clone(g.Ingress), all)
			g.Egress = append(slices.Clone(g.Egress), all)
		}
	}
	for i := range cfg.NetworkACLs {
		a := &cfg.NetworkACLs[i]
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			l := fmt.Sprintf("%s-%s-vpc", a.ID, dir)
			if !rapid.Bool().Draw(t, l) {
				continue
			}
			r := nacl.Rule{Number: rapid.IntRange(1, 45).Draw(t, l+"-number")*10 - 5, Action: nacl.Allow,
				Protocol: rapid.SampledFrom(protocolPool).Draw(t, l+"-proto"), CIDR: vpcWide}
			switch {
			case r.HasPorts():
				r.FromPort, r.ToPort = genPortRange(t, l)
			case r.HasICMP():
				r.ICMPType, r.ICMPCode = genICMP(t, l)
			}
			*a = addRule(*a, dir, r)
		}
	}
	return cfg
}

// aclIn returns the network ACL id of cfg (the default one when
// cfg does not declare it).
func aclIn(t *rapid.T, cfg vpc.Config, id string) *nacl.ACL {
	fm, err := NewModel(cfg)
	require.NoError(t, err)
	return fm.acls[id]
}

// TestWhyNotACL: every edit flips the packet's verdict by the golden
// model, changes exactly the packets Changed says (over a grid), and
// nothing outside the rules it touches.
func TestWhyNotACL(t *testing.T) {
	g := grid()
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t, "acl-w", 6)
		dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
		p := genPacket(t, "p")
		edits, err := WhyNotACL(a, dir, p)
		require.NoError(t, err)
		require.NotEmpty(t, edits, "at least the added rule")
		before := nacl.Reference(&a, &p, dir).Verdict
		for _, e := range edits {
			b, ok := e.ACL()
			require.True(t, ok)
			require.NoError(t, b.Validate())
			assert.NotEqual(t, before, nacl.Reference(&b, &p, dir).Verdict, "%s flips %s", e, p)
			assert.True(t, e.Flips)
			assert.True(t, e.Changed().Contains(p))
			assert.True(t, e.Changed().Subset(e.Scope()), "%s changes only what its rules match", e)
			for i := range g {
				differs := nacl.Reference(&a, &g[i], dir).Verdict != nacl.Reference(&b, &g[i], dir).Verdict
				if differs != e.Changed().Contains(g[i]) {
					t.Fatalf("%s: %s differs %v", e, g[i], differs)
				}
			}
		}
		for i := 1; i < len(edits); i++ {
			assert.LessOrEqual(t, edits[i-1].Changed().Size(), edits[i].Changed().Size(), "smallest first")
		}
	})
}

// TestWhyNotGroups: the same for security groups, by sg.Reference.
func TestWhyNotGroups(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gs := genGroups(t, 4, []string{"sg-peer"}, []string{"pl-office"})
		dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
		p := genPacket(t, "p")
		edits, err := WhyNotGroups(gs, testResolver, dir, p)
		require.NoError(t, err)
		require.NotEmpty(t, edits)
		_, before := sg.Reference(gs, testResolver, &p, dir)
		for _, e := range edits {
			after := replaceGroups(gs, e.Groups())
			_, now := sg.Reference(after, testResolver, &p, dir)
			assert.NotEqual(t, before, now, "%s flips %s", e, p)
			assert.True(t, e.Changed().Contains(p))
			assert.True(t, e.Changed().Subset(e.Scope()), "%s", e)
			for i := range 20 {
				q := genPacket(t, fmt.Sprint("q", i))
				_, x := sg.Reference(gs, testResolver, &q, dir)
				_, y := sg.Reference(after, testResolver, &q, dir)
				assert.Equal(t, x != y, e.Changed().Contains(q), "%s: %s", e, q)
			}
		}
	})
}

// TestWhyNotVPC: the edits, made, flip the packet's verdict in the VPC,
// run again from scratch.
func TestWhyNotVPC(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		p := genVPCPacket(t, "p")
		w, err := m.WhyNot(p)
		if !m.VPC().Domain().Contains(p) {
			assert.Error(t, err)
			return
		}
		require.NoError(t, err)
		before := m.Send(p)
		assert.Equal(t, before.Verdict, w.Before.Verdict)
		if w.Exempt {
			assert.Equal(t, flow.Allow, before.Verdict)
			assert.Empty(t, w.Edits)
			return
		}
		require.True(t, w.Flipped, "%s", w)
		edited := cfg
		for _, e := range w.Edits {
			assert.True(t, e.Flips, "%s", e)
			edited = e.Apply(edited)
		}
		after, err := NewModel(edited)
		require.NoError(t, err)
		assert.NotEqual(t, before.Verdict, after.Send(p).Verdict, "%s", w)
		for _, e := range w.Alternatives {
			assert.True(t, e.Flips, "%s", e)
		}
	})
}

// TestDiffGroups: the diff of two sets of groups, by sg.Reference.
func TestDiffGroups(t *testing.T) {
	g := grid()
	rapid.Check(t, func(t *rapid.T) {
		old := genGroups(t, 3, []string{"sg-peer"}, []string{"pl-office"})
		new := slices.Clone(old)
		i := rapid.IntRange(0, len(new)-1).Draw(t, "changed")
		new[i].Ingress = append(slices.Clone(new[i].Ingress), genSGRule(t, "added", nil, nil))
		if len(new[i].Egress) > 0 {
			new[i].Egress = new[i].Egress[1:]
		}
		d, err := DiffGroups(old, new, testResolver)
		require.NoError(t, err)
		for _, c := range d.Changes {
			assert.NotEqual(t, c.Old.Verdict, c.New.Verdict, "%s", c)
		}
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			fo, err := Groups(old, testResolver, dir)
			require.NoError(t, err)
			fn, err := Groups(new, testResolver, dir)
			require.NoError(t, err)
			_, wider := fn.WiderThan(fo)
			_, narrower := fo.WiderThan(fn)
			assert.Equal(t, !wider && !narrower, fn.Equal(fo))
			for k := range g {
				_, before := sg.Reference(old, testResolver, &g[k], dir)
				_, after := sg.Reference(new, testResolver, &g[k], dir)
				in := slices.ContainsFunc(d.Changes, func(c Change) bool {
					return strings.HasSuffix(c.Where, dir.String()) && c.Region.Space().Contains(g[k])
				})
				if in != (before != after) {
					t.Fatalf("%s %s: %v before, %v after, in a change: %v", dir, g[k], before, after, in)
				}
			}
			if c, ok := fn.WiderThan(fo); ok {
				assert.Equal(t, flow.Allow, c.Verdict)
				assert.Equal(t, flow.Drop, fo.Evaluate(c.Packet).Verdict)
			}
		}
	})
}

// TestJSON: every answer marshals to JSON of its own shape: a list to an
// array of as many elements, a struct to an object whose members are its
// exported fields' (so nothing is lost to a field JSON cannot hold).
func TestJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		id := m.Interfaces()[0]
		x, err := m.Exposure(id, All())
		require.NoError(t, err)
		w, err := m.WhyNot(genVPCPacket(t, "p"))
		if err != nil {
			w = WhyNot{}
		}
		for _, v := range []any{x, m.Holes(), m.Shadowed(), m.Redundant(), DiffVPCs(m, m), w} {
			b, err := json.Marshal(v)
			require.NoError(t, err)
			var back any
			require.NoError(t, json.Unmarshal(b, &back), "%s", b)
			rv := reflect.ValueOf(v)
			switch rv.Kind() {
			case reflect.Slice:
				arr, ok := back.([]any)
				if !ok && rv.Len() == 0 {
					break // an empty list may be null
				}
				require.True(t, ok, "%T: %s", v, b)
				assert.Len(t, arr, rv.Len(), "%T", v)
			case reflect.Struct:
				obj, ok := back.(map[string]any)
				require.True(t, ok, "%T: %s", v, b)
				exported := 0
				for i := 0; i < rv.NumField(); i++ {
					if f := rv.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
						exported++
					}
				}
				assert.LessOrEqual(t, len(obj), exported, "%T: %s", v, b)
				if exported > 0 && !rv.IsZero() {
					assert.NotEmpty(t, obj, "%T: %s", v, b)
				}
			}
		}
	})
}
