package analysis

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// TestPathSpace: an interface's path holds exactly the packets that
// vpc.ENI.Cross lets through as new flows, AWS services included (NOT-10);
// witnesses get the verdict they were drawn for, with Cross's words.
func TestPathSpace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		v, err := vpc.New(cfg)
		require.NoError(t, err)
		id := rapid.SampledFrom(m.Interfaces()).Draw(t, "iface")
		dir := rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
		f, err := m.Path(id, dir)
		require.NoError(t, err)
		eni, err := v.ENI(id)
		require.NoError(t, err)
		local := addrsOf(m.ifaces[id])
		for i := range 15 {
			p := genVPCPacket(t, "p"+string(rune('a'+i)))
			// Address the packet to (or from) the interface.
			a := rapid.SampledFrom(local).Draw(t, "local"+string(rune('a'+i)))
			if a.Is4() != p.Src.Is4() {
				continue
			}
			if dir == flow.Ingress {
				p.Dst = a
			} else {
				p.Src = a
			}
			var path vpc.Path
			// A fresh VPC each time: every packet is a new flow.
			fresh, err := vpc.New(cfg)
			require.NoError(t, err)
			e, err := fresh.ENI(id)
			require.NoError(t, err)
			require.NoError(t, e.Cross(&p, dir, epoch, &path))
			assert.Equal(t, path.Allowed(), f.Allowed().Contains(p), "%s %s: %s", id, p, path.Explain())
			c := f.Evaluate(p)
			assert.Equal(t, path.Final.Verdict, c.Verdict)
			assert.Equal(t, path.Explain(), c.Why)
		}
		_ = eni
		within := genSpace(t, "within")
		for _, verdict := range []flow.Verdict{flow.Allow, flow.Drop} {
			if c, ok := f.Witness(within, verdict); ok {
				assert.Equal(t, verdict, c.Verdict, "witness %s", c)
				assert.True(t, within.Contains(c.Packet))
				assert.True(t, f.Domain().Contains(c.Packet))
			} else {
				want := f.Allowed()
				if verdict == flow.Drop {
					want = f.Dropped()
				}
				assert.False(t, within.Overlaps(want))
			}
		}
	})
}

// TestReachSpace: the VPC's space holds exactly the packets vpc.VPC.Send
// delivers as new flows, between interfaces of one subnet (no ACL),
// of two subnets (both ACLs), to and from outside, to AWS services.
func TestReachSpace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		m, err := NewModel(cfg)
		require.NoError(t, err)
		f := m.VPC()
		for i := range 25 {
			p := genVPCPacket(t, "p"+string(rune('a'+i)))
			fresh, err := vpc.New(cfg)
			require.NoError(t, err)
			path, err := fresh.Send(&p, epoch)
			if err != nil {
				assert.False(t, f.Domain().Contains(p), "%s: %v", p, err)
				assert.False(t, f.Allowed().Contains(p))
				continue
			}
			assert.True(t, f.Domain().Contains(p), "%s is the VPC's", p)
			assert.Equal(t, path.Allowed(), f.Allowed().Contains(p), "%s: %s", p, path.Explain())
			assert.Equal(t, path.Final.Verdict, f.Evaluate(p).Verdict)
		}
		if c, ok := f.Witness(All(), flow.Allow); ok {
			assert.Equal(t, flow.Allow, c.Verdict, "%s", c)
		}
		if c, ok := f.Witness(All(), flow.Drop); ok {
			assert.Equal(t, flow.Drop, c.Verdict, "%s", c)
		}
	})
}

func TestModelErrors(t *testing.T) {
	_, err := NewModel(vpc.Config{Subnets: []vpc.Subnet{{ID: "s"}}})
	assert.Error(t, err, "an invalid VPC is refused")
	m, err := NewModel(vpc.Config{})
	require.NoError(t, err)
	_, err = m.Path("eni-x", flow.Ingress)
	assert.ErrorContains(t, err, "eni-x: no such interface")
	_, err = m.ACL("acl-x", flow.Ingress)
	assert.ErrorContains(t, err, "no such ACL")
	assert.True(t, m.Reach().IsEmpty(), "no interface, nothing delivered")
}

// cross runs p across an interface of a fresh VPC of cfg: the
// evaluator, independent of the model's.
func cross(cfg vpc.Config, iface string, dir flow.Direction, p *flow.Packet) Check {
	c := Check{Packet: *p, Verdict: flow.Drop}
	v, err := vpc.New(cfg)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	eni, err := v.ENI(iface)
	if err != nil {
		c.Why = err.Error()
		return c
	}
	var path vpc.Path
	if err := eni.Cross(p, dir, epoch, &path); err != nil {
		c.Why = err.Error()
		return c
	}
	c.Verdict, c.Why = path.Final.Verdict, path.Explain()
	return c
}

// TestModelConcurrent: a Model answers from several goroutines at once
// (run with -race), the same answers as from one.
func TestModelConcurrent(t *testing.T) {
	cfg := vpc.Config{
		Subnets: []vpc.Subnet{{ID: "s", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{{Protocol: 6, FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "s", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"}}},
	}
	m, err := NewModel(cfg)
	require.NoError(t, err)
	want, err := m.Exposure("eni-web", All())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := m.Exposure("eni-web", All())
			assert.NoError(t, err)
			assert.Equal(t, want.String(), x.String())
			assert.False(t, m.Reach().IsEmpty())
			assert.Equal(t, flow.Allow, m.Send(flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]")).Verdict)
		}()
	}
	wg.Wait()
}
