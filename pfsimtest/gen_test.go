package pfsimtest_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// Every generated VPC is one vpc.New accepts, whatever the options.
func TestVPCIsValid(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []pfsimtest.Option
	}{
		{"both families", nil},
		{"IPv4 only", []pfsimtest.Option{pfsimtest.OnlyIPv4()}},
		{"IPv6 only", []pfsimtest.Option{pfsimtest.OnlyIPv6()}},
		{"tcp only", []pfsimtest.Option{pfsimtest.Protocols(flow.TCP)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := pfsimtest.VPC(c.opts...).Draw(t, "vpc")
				_, err := vpc.New(cfg)
				require.NoError(t, err)
				assert.NoError(t, cfg.Validate())
			})
		})
	}
}

// An IPv6-only VPC has an IPv6 block in every subnet, an IPv6 address on
// every interface, and IPv6 rules only; an IPv4-only one has no IPv6 at
// all.
func TestVPCFamilies(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC(pfsimtest.OnlyIPv6()).Draw(t, "vpc6")
		for _, s := range cfg.Subnets {
			assert.True(t, s.IPv6CIDR.IsValid(), "subnet %s", s.ID)
		}
		for _, i := range cfg.Interfaces {
			assert.NotEmpty(t, i.IPv6Addrs, "interface %s", i.ID)
		}
		for _, r := range ruleCIDRs(cfg) {
			assert.True(t, r.Addr().Is6(), "rule prefix %s", r)
		}
		cfg4 := pfsimtest.VPC(pfsimtest.OnlyIPv4()).Draw(t, "vpc4")
		for _, s := range cfg4.Subnets {
			assert.False(t, s.IPv6CIDR.IsValid(), "subnet %s", s.ID)
		}
		for _, r := range ruleCIDRs(cfg4) {
			assert.True(t, r.Addr().Is4(), "rule prefix %s", r)
		}
	})
}

func ruleCIDRs(c vpc.Config) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range c.NetworkACLs {
		for _, r := range append(slices.Clone(a.Ingress), a.Egress...) {
			out = append(out, r.CIDR)
		}
	}
	for _, g := range c.SecurityGroups {
		for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
			if r.CIDR.IsValid() {
				out = append(out, r.CIDR)
			}
		}
	}
	return out
}

// Rules, ACLs, groups and prefix lists drawn alone are valid, and a
// network ACL rule reads back from its text.
func TestRulesAreValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := pfsimtest.NACLRule().Draw(t, "nacl rule")
		back, err := nacl.ParseRule(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, back)

		a := pfsimtest.ACL().Draw(t, "acl")
		require.NoError(t, a.Validate())
		_, err = nacl.Compile(a)
		require.NoError(t, err)

		g := pfsimtest.Group().Draw(t, "group")
		require.NoError(t, g.Validate())
		// Its rules may name the group itself (a self reference).
		_, err = sg.Compile([]sg.Group{g}, sg.StaticResolver{Groups: map[string][]netip.Addr{g.ID: nil}})
		require.NoError(t, err)

		sr := pfsimtest.SGRule().Draw(t, "sg rule")
		one := sg.Group{ID: "sg-one", Ingress: []sg.Rule{sr}}
		require.NoError(t, one.Validate())

		pl := pfsimtest.PrefixList().Draw(t, "prefix list")
		require.NotEmpty(t, pl.Entries)
		for _, e := range pl.Entries[1:] {
			assert.Equal(t, pl.Entries[0].Addr().Is4(), e.Addr().Is4(), "one family per list")
		}
	})
}

// Rules and groups drawn In a configuration may name its groups and
// prefix lists, and the configuration still compiles with them added.
func TestRulesInConfig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		g := pfsimtest.Group(pfsimtest.In(cfg)).Draw(t, "group")
		a := pfsimtest.ACL(pfsimtest.In(cfg)).Draw(t, "acl")
		pl := pfsimtest.PrefixList(pfsimtest.In(cfg)).Draw(t, "list")
		// Drawn ids have four hex digits, the VPC's one decimal digit:
		// they never clash.
		cfg.SecurityGroups = append(cfg.SecurityGroups, g)
		cfg.NetworkACLs = append(cfg.NetworkACLs, a)
		cfg.PrefixLists = append(cfg.PrefixLists, pl)
		cfg.Interfaces[0].Groups = append(cfg.Interfaces[0].Groups, g.ID)
		cfg.Subnets[0].ACL = a.ID
		_, err := vpc.New(cfg)
		require.NoError(t, err)
	})
}

// An interface drawn for a configuration joins it.
func TestInterfaceJoins(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		itf := pfsimtest.Interface(cfg).Draw(t, "interface")
		cfg.Interfaces = append(cfg.Interfaces, itf)
		_, err := vpc.New(cfg)
		require.NoError(t, err)
	})
}

// A configuration no interface could join fails the test that draws from
// Interface, saying why.
func TestInterfaceNoRoom(t *testing.T) {
	requireRefused(t, pfsimtest.Interface(vpc.Config{}),
		"pfsimtest.Interface: the configuration needs a subnet and a security group for an interface to join it")

	// A /28 has eleven addresses AWS does not reserve, .4 to .14; one
	// interface holds them all.
	full := vpc.Interface{ID: "eni-0", Subnet: "s", Groups: []string{"sg"}}
	for i := 4; i <= 14; i++ {
		full.PrivateIPs = append(full.PrivateIPs, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	cfg := vpc.Config{
		Subnets:        []vpc.Subnet{{ID: "s", CIDR: netip.MustParsePrefix("10.0.0.0/28")}},
		SecurityGroups: []sg.Group{{ID: "sg"}},
		Interfaces:     []vpc.Interface{full},
	}
	requireRefused(t, pfsimtest.Interface(cfg), "pfsimtest.Interface: no subnet of the configuration has a free address")
	cfg.Interfaces[0].PrivateIPs = cfg.Interfaces[0].PrivateIPs[1:]
	failed, report := drawReport(t, pfsimtest.Interface(cfg))
	assert.False(t, failed, "10.0.0.4 is free\n%s", report)
}
