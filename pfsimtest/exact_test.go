package pfsimtest_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// NeverReaches passes when no packet of the space gets through, fails
// with one that does, and leaves out what no filter sees.
func TestNeverReaches(t *testing.T) {
	cfg := webConfig()
	db, web := prefixes("10.0.3.30/32"), prefixes("10.0.1.10/32")
	for _, c := range []struct {
		name  string
		space pfsimtest.Space
		holds bool
		// words a failure must show
		want []string
	}{
		// sg-db admits sg-web's members only: nothing outside the VPC.
		{"outside to db", pfsimtest.Space{Src: pfsimtest.Complement(cfg.CIDR), Dst: db}, true, nil},
		// sg-web admits tcp 443 only.
		{"ssh to web", pfsimtest.Space{Protocols: []flow.Proto{flow.TCP}, Dst: web, DstPorts: []pfsimtest.PortRange{pfsimtest.Ports(22, 22)}}, true, nil},
		// The metadata service talks to the web server, and no filter
		// sees it: left out.
		{"metadata to web", pfsimtest.Space{Src: prefixes("169.254.169.254/32"), Dst: web}, true, nil},
		// Anything to the web server: tcp 443 gets through.
		{"anything to web", pfsimtest.Space{Dst: web}, false,
			[]string{"NeverReaches: a packet of the space gets through the filters", "space:   to 10.0.1.10/32",
				"> 10.0.1.10:443 [S]", "allowed by security group sg-web ingress rule #1"}},
		// From anywhere to the database: from the web server, on 5432.
		{"anywhere to db", pfsimtest.Space{Src: prefixes("0.0.0.0/0"), Dst: db}, false,
			[]string{"tcp 10.0.1.10:50000 > 10.0.3.30:5432 [S]", "between: eni-web and eni-db", "sg-db ingress tcp 5432 from sg-web"}},
		// A malformed space cannot be analysed.
		{"bad space", pfsimtest.Space{DstPorts: []pfsimtest.PortRange{{From: 9, To: 1}}}, false,
			[]string{"cannot analyse the space: space: port range 9-1 ends below its start"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r recorder
			assert.Equal(t, c.holds, pfsimtest.NeverReaches(&r, cfg, c.space))
			if c.holds {
				assert.Empty(t, r.failures)
				return
			}
			require.Len(t, r.failures, 1)
			for _, w := range c.want {
				assert.Contains(t, r.failures[0], w)
			}
		})
	}
}

// Equivalent holds between a configuration and one written differently
// with the same meaning, and fails, showing both sides, when one rule
// changes what gets through.
func TestEquivalent(t *testing.T) {
	cfg := webConfig()
	v, err := vpc.New(cfg)
	require.NoError(t, err)

	// The same meaning: ACL rules listed backwards and renumbered in the
	// same order, a redundant group rule, the group's rules reversed.
	same := webConfig()
	acl := &same.NetworkACLs[0]
	slices.Reverse(acl.Ingress)
	for i := range acl.Ingress {
		acl.Ingress[i].Number = 500 - 10*i
	}
	web := &same.SecurityGroups[0]
	web.Ingress = append(web.Ingress, sg.Rule{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("10.0.0.0/16")})
	slices.Reverse(web.Ingress)

	// A deny numbered before the https rule: the office loses the site.
	blocked := webConfig()
	blocked.NetworkACLs[0].Ingress = append(blocked.NetworkACLs[0].Ingress,
		nacl.Rule{Number: 90, Action: nacl.Deny, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("192.0.2.0/24")})

	var r recorder
	assert.True(t, pfsimtest.Equivalent(&r, cfg, same))
	assert.True(t, pfsimtest.Equivalent(&r, v, same), "a running VPC is judged by its configuration")
	assert.True(t, pfsimtest.Equivalent(&r, cfg, blocked, pfsimtest.Space{Src: prefixes("198.51.100.0/24")}),
		"the deny touches nothing from 198.51.100.0/24")
	assert.Empty(t, r.failures)

	assert.False(t, pfsimtest.Equivalent(&r, cfg, blocked))
	require.Len(t, r.failures, 1)
	msg := r.failures[0]
	assert.Contains(t, msg, "Equivalent: the first lets a packet of the space through, the second drops it")
	assert.Contains(t, msg, "packet:  tcp 192.0.2.10:50000 > 10.0.1.10:443 [S]")
	assert.Contains(t, msg, "first:   outside to eni-web")
	assert.Contains(t, msg, "second:  outside to eni-web")
	assert.Contains(t, msg, "dropped by network ACL acl-public ingress rule 90")

	r = recorder{}
	assert.False(t, pfsimtest.Equivalent(&r, blocked, cfg), "either order")
	require.Len(t, r.failures, 1)
	assert.Contains(t, r.failures[0], "the second lets a packet of the space through, the first drops it")
}

// NoWiderThan holds for a change that only tightens, and fails for one
// that opens something.
func TestNoWiderThan(t *testing.T) {
	cfg := webConfig()
	tighter := webConfig()
	tighter.SecurityGroups[0].Ingress[0].CIDR = netip.MustParsePrefix("198.51.100.0/24")
	wider := webConfig()
	wider.SecurityGroups[0].Ingress = append(wider.SecurityGroups[0].Ingress,
		sg.Rule{Protocol: tcp, FromPort: 8443, ToPort: 8443, CIDR: anywhere})

	var r recorder
	assert.True(t, pfsimtest.NoWiderThan(&r, tighter, cfg))
	assert.True(t, pfsimtest.NoWiderThan(&r, cfg, cfg))
	assert.True(t, pfsimtest.NoWiderThan(&r, wider, cfg, pfsimtest.Space{DstPorts: []pfsimtest.PortRange{pfsimtest.Ports(0, 8442)}}),
		"below 8443 nothing changed")
	assert.Empty(t, r.failures)

	assert.False(t, pfsimtest.NoWiderThan(&r, wider, cfg))
	require.Len(t, r.failures, 1)
	assert.Contains(t, r.failures[0], "NoWiderThan: a packet of the space gets through that the other configuration drops")
	assert.Contains(t, r.failures[0], "> 10.0.1.10:8443 [S]")
	assert.Contains(t, r.failures[0], "this:    outside to eni-web")
	assert.Contains(t, r.failures[0], "other:   outside to eni-web")

	r = recorder{}
	assert.False(t, pfsimtest.NoWiderThan(&r, cfg, tighter))
	assert.Len(t, r.failures, 1)
}

// The words of a space, and what it holds.
func TestSpace(t *testing.T) {
	s := pfsimtest.Space{
		Protocols: []flow.Proto{flow.TCP, flow.UDP},
		Src:       prefixes("0.0.0.0/0"),
		Dst:       prefixes("10.0.3.30/32"),
		DstPorts:  []pfsimtest.PortRange{pfsimtest.Ports(5432, 5432), pfsimtest.Ports(6000, 6010)},
	}
	assert.Equal(t, "tcp, udp from 0.0.0.0/0 to 10.0.3.30/32 port 5432, 6000-6010", s.String())
	assert.Equal(t, "every packet", pfsimtest.Space{}.String())
	assert.True(t, s.Contains(flow.MustParsePacket("tcp 198.51.100.7:1 > 10.0.3.30:5432 [S]")))
	assert.True(t, s.Contains(flow.MustParsePacket("udp 198.51.100.7:1 > 10.0.3.30:6010")))
	assert.False(t, s.Contains(flow.MustParsePacket("udp 198.51.100.7:1 > 10.0.3.30:6011")), "port outside")
	assert.False(t, s.Contains(flow.MustParsePacket("icmp 198.51.100.7 > 10.0.3.30 echo-request id 1")), "protocol outside")
	assert.False(t, s.Contains(flow.MustParsePacket("tcp [2001:db8::7]:1 > [2001:db8::30]:5432 [S]")), "family outside")
	assert.True(t, pfsimtest.Space{ICMPTypes: []uint8{8}}.Contains(flow.MustParsePacket("icmp 198.51.100.7 > 10.0.3.30 echo-request id 1")))
	assert.False(t, pfsimtest.Space{ICMPTypes: []uint8{8}}.Contains(flow.MustParsePacket("icmp 198.51.100.7 > 10.0.3.30 echo-reply id 1")))
	assert.NoError(t, s.Validate())
	assert.Error(t, pfsimtest.Space{Src: []netip.Prefix{{}}}.Validate())
}

// Complement covers exactly the addresses outside the prefixes given.
func TestComplement(t *testing.T) {
	out := pfsimtest.Complement(netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("2001:db8::/32"))
	inside := func(a string) bool {
		return slices.ContainsFunc(out, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr(a)) })
	}
	for a, want := range map[string]bool{
		"10.0.0.0": false, "10.0.255.255": false, "9.255.255.255": true, "10.1.0.0": true,
		"0.0.0.0": true, "255.255.255.255": true, "198.51.100.7": true,
		"2001:db8::1": false, "2001:db9::": true, "::": true,
	} {
		assert.Equal(t, want, inside(a), a)
	}
	// Prefixes do not overlap; 16 of IPv4 around a /16, 32 of IPv6 around a /32.
	for i, p := range out {
		for _, q := range out[i+1:] {
			assert.False(t, p.Overlaps(q), "%s and %s", p, q)
		}
	}
	assert.Len(t, out, 16+32)
	assert.Equal(t, prefixes("::/0"), pfsimtest.Complement(netip.MustParsePrefix("0.0.0.0/0")), "IPv4 covered whole")
}
