package vpc

import (
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// configErrors returns the *ConfigError values joined in err.
func configErrors(t *testing.T, err error) []*ConfigError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*ConfigError
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var ce *ConfigError
		require.True(t, errors.As(e, &ce), "not a *ConfigError: %v", e)
		out = append(out, ce)
	}
	return out
}

func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// A problem: where it is, what it wraps, words of its message.
type problem struct {
	kind  Kind
	id    string
	field string
	index int
	value string
	is    error
	msg   string
}

var validateCases = []struct {
	name string
	edit func(*Config)
	want []problem
}{
	// Ids: present, and unique per kind.
	{"subnet without id", func(c *Config) { c.Subnets[1].ID = ""; c.Interfaces = c.Interfaces[:2] },
		[]problem{{KindSubnet, "", FieldID, 1, "", ErrNoID, "subnet #1: id: must not be empty"}}},
	{"subnet id twice", func(c *Config) { c.Subnets[1].ID = "subnet-public"; c.Interfaces = c.Interfaces[:2] },
		[]problem{{KindSubnet, "subnet-public", FieldID, 1, "", ErrDuplicateID, "declared twice (at 0 and 1 in the list)"}}},
	{"interface id twice", func(c *Config) { c.Interfaces = append(c.Interfaces, c.Interfaces[2]) },
		[]problem{{KindInterface, "eni-db", FieldID, 3, "", ErrDuplicateID, "interface eni-db: id: declared twice"}}},
	{"group id twice", func(c *Config) { c.SecurityGroups = append(c.SecurityGroups, sg.Group{ID: "sg-db"}) },
		[]problem{{KindSecurityGroup, "sg-db", FieldID, 3, "", ErrDuplicateID, "security group sg-db"}}},
	{"default ACL declared twice", func(c *Config) {
		c.NetworkACLs = append(c.NetworkACLs, nacl.Default(DefaultACL), nacl.Default(DefaultACL))
	}, []problem{{KindNetworkACL, "default", FieldID, 2, "", ErrDuplicateID, "network ACL default"}}},
	{"prefix list id twice", func(c *Config) { c.PrefixLists = []PrefixList{{ID: "pl-a"}, {ID: "pl-a"}} },
		[]problem{{KindPrefixList, "pl-a", FieldID, 1, "", ErrDuplicateID, "prefix list pl-a"}}},

	// The VPC's own block: IPv4, /16../28.
	{"vpc block not IPv4", func(c *Config) { c.CIDR = prefix("2001:db8::/56") },
		[]problem{{KindVPC, "", FieldCIDRBlock, -1, "2001:db8::/56", ErrInvalid, "vpc: cidr_block 2001:db8::/56: want an IPv4 CIDR"}}},
	{"vpc block too wide", func(c *Config) { c.CIDR = prefix("10.0.0.0/8") },
		[]problem{{KindVPC, "", FieldCIDRBlock, -1, "10.0.0.0/8", ErrBlockSize, "/16 to /28"}}},

	// Subnet blocks.
	{"subnet without a block", func(c *Config) { c.Subnets[1].CIDR = netip.Prefix{} },
		[]problem{{KindSubnet, "subnet-db", FieldCIDRBlock, -1, "", ErrInvalid, "subnet subnet-db: cidr_block: want an IPv4 CIDR"}}},
	{"subnet IPv6 in cidr_block", func(c *Config) { c.Subnets[1].CIDR = prefix("2001:db8:3::/64") },
		[]problem{{KindSubnet, "subnet-db", FieldCIDRBlock, -1, "2001:db8:3::/64", ErrInvalid, "want an IPv4 CIDR"}}},
	{"subnet narrower than /28", func(c *Config) { c.Subnets[1].CIDR = prefix("10.0.3.0/29"); c.Interfaces = c.Interfaces[:2] },
		[]problem{{KindSubnet, "subnet-db", FieldCIDRBlock, -1, "10.0.3.0/29", ErrBlockSize, "a subnet's IPv4 block is /16 to /28"}}},
	{"subnet wider than /16", func(c *Config) {
		c.CIDR = netip.Prefix{}
		c.Subnets[1].CIDR = prefix("10.2.0.0/15")
		c.Interfaces = c.Interfaces[:2]
	},
		[]problem{{KindSubnet, "subnet-db", FieldCIDRBlock, -1, "10.2.0.0/15", ErrBlockSize, "/16 to /28"}}},
	{"subnet outside the vpc", func(c *Config) { c.Subnets[1].CIDR = prefix("10.1.3.0/24"); c.Interfaces = c.Interfaces[:2] },
		[]problem{{KindSubnet, "subnet-db", FieldCIDRBlock, -1, "10.1.3.0/24", ErrOutsideVPC, "not in the VPC's cidr_block 10.0.0.0/16"}}},
	{"subnet wider than the vpc", func(c *Config) {
		c.CIDR = prefix("10.0.0.0/24")
		c.Subnets = []Subnet{{ID: "subnet-public", CIDR: prefix("10.0.0.0/23")}}
		c.Interfaces = c.Interfaces[:2]
	},
		[]problem{{KindSubnet, "subnet-public", FieldCIDRBlock, -1, "10.0.0.0/23", ErrOutsideVPC, "not in the VPC's cidr_block 10.0.0.0/24"}}},
	{"subnets overlap, reported at the later", func(c *Config) {
		c.Subnets = append(c.Subnets, Subnet{ID: "web2", CIDR: prefix("10.0.1.0/25")})
	}, []problem{{KindSubnet, "web2", FieldCIDRBlock, -1, "10.0.1.0/25", ErrOverlap, "subnet web2: cidr_block 10.0.1.0/25: overlaps subnet subnet-public's cidr_block 10.0.1.0/24"}}},
	{"subnet IPv6 blocks overlap", func(c *Config) {
		c.Subnets[0].IPv6CIDR = prefix("2001:db8:1::/64")
		c.Subnets[1].IPv6CIDR = prefix("2001:db8:1::/64")
	}, []problem{{KindSubnet, "subnet-db", FieldIPv6CIDRBlock, -1, "2001:db8:1::/64", ErrOverlap, "overlaps subnet subnet-public's ipv6_cidr_block 2001:db8:1::/64"}}},
	{"subnet IPv6 block not a /64", func(c *Config) { c.Subnets[1].IPv6CIDR = prefix("2001:db8:1::/56") },
		[]problem{{KindSubnet, "subnet-db", FieldIPv6CIDRBlock, -1, "2001:db8:1::/56", ErrBlockSize, "a subnet's IPv6 block is a /64"}}},
	{"subnet IPv4 in ipv6_cidr_block", func(c *Config) { c.Subnets[1].IPv6CIDR = prefix("10.9.0.0/24") },
		[]problem{{KindSubnet, "subnet-db", FieldIPv6CIDRBlock, -1, "10.9.0.0/24", ErrInvalid, "want an IPv6 CIDR"}}},
	{"subnet unknown ACL", func(c *Config) { c.Subnets[0].ACL = "acl-nope" },
		[]problem{{KindSubnet, "subnet-public", FieldNetworkACL, -1, "acl-nope", ErrNotFound, "subnet subnet-public: network_acl acl-nope: no such network ACL"}}},

	// Interfaces: subnet, addresses.
	{"interface unknown subnet", func(c *Config) { c.Interfaces[0].Subnet = "nope" },
		[]problem{{KindInterface, "eni-web", FieldSubnet, -1, "nope", ErrNotFound, "interface eni-web: subnet nope: no such subnet"}}},
	{"interface without private IP", func(c *Config) { c.Interfaces[0].PrivateIPs = nil },
		[]problem{{KindInterface, "eni-web", FieldPrivateIPs, -1, "", ErrNoPrivateIP, "private_ips: empty: an interface has at least one private IPv4 address"}}},
	{"IPv6 address in private_ips", func(c *Config) { c.Interfaces[0].PrivateIPs = addrs("10.0.1.10", "2001:db8::1") },
		[]problem{{KindInterface, "eni-web", FieldPrivateIPs, 1, "2001:db8::1", ErrInvalid, "want an IPv4 address"}}},
	{"address outside its subnet", func(c *Config) { c.Interfaces[0].PrivateIPs = addrs("10.0.3.40") },
		[]problem{{KindInterface, "eni-web", FieldPrivateIPs, 0, "10.0.3.40", ErrOutsideSubnet, "interface eni-web: private_ips 10.0.3.40: not in subnet subnet-public's cidr_block 10.0.1.0/24"}}},
	{"address listed twice", func(c *Config) { c.Interfaces[0].PrivateIPs = addrs("10.0.1.10", "10.0.1.12", "10.0.1.10") },
		[]problem{{KindInterface, "eni-web", FieldPrivateIPs, 2, "10.0.1.10", ErrListedTwice, "private_ips 10.0.1.10: listed twice"}}},
	{"address of another interface, reported at the later", func(c *Config) { c.Interfaces[1].PrivateIPs = addrs("10.0.1.11", "10.0.1.10") },
		[]problem{{KindInterface, "eni-web2", FieldPrivateIPs, 1, "10.0.1.10", ErrAddressTaken, "already an address of interface eni-web"}}},
	{"IPv6 address in a subnet without an IPv6 block", func(c *Config) { c.Interfaces[0].IPv6Addrs = addrs("2001:db8:1::10") },
		[]problem{{KindInterface, "eni-web", FieldIPv6Addresses, 0, "2001:db8:1::10", ErrOutsideSubnet, "subnet subnet-public has no ipv6_cidr_block"}}},
	{"IPv6 address outside the subnet's block", func(c *Config) {
		c.Subnets[0].IPv6CIDR = prefix("2001:db8:1::/64")
		c.Interfaces[0].IPv6Addrs = addrs("2001:db8:2::10")
	}, []problem{{KindInterface, "eni-web", FieldIPv6Addresses, 0, "2001:db8:2::10", ErrOutsideSubnet, "not in subnet subnet-public's ipv6_cidr_block 2001:db8:1::/64"}}},
	{"IPv4 address in ipv6_addresses", func(c *Config) { c.Interfaces[0].IPv6Addrs = addrs("10.0.1.12") },
		[]problem{{KindInterface, "eni-web", FieldIPv6Addresses, 0, "10.0.1.12", ErrInvalid, "want an IPv6 address"}}},

	// Interfaces: groups (SG-26) and tracking (CT-16).
	{"no group", func(c *Config) { c.Interfaces[0].Groups = nil },
		[]problem{{KindInterface, "eni-web", FieldSecurityGroups, -1, "", sg.ErrGroupCount, "security_groups: empty: an interface carries 1..16 security groups (SG-26)"}}},
	{"17 groups, reported once", func(c *Config) { c.Interfaces[0].Groups = strings.Fields(strings.Repeat("sg-web ", 17)) },
		[]problem{{KindInterface, "eni-web", FieldSecurityGroups, -1, "", sg.ErrGroupCount, "security_groups: 17 groups: an interface carries 1..16"}}},
	{"group listed twice", func(c *Config) { c.Interfaces[0].Groups = []string{"sg-web", "sg-other", "sg-web"} },
		[]problem{{KindInterface, "eni-web", FieldSecurityGroups, 2, "sg-web", ErrListedTwice, "security_groups sg-web: listed twice"}}},
	{"unknown group", func(c *Config) { c.Interfaces[0].Groups = []string{"sg-web", "sg-nope"} },
		[]problem{{KindInterface, "eni-web", FieldSecurityGroups, 1, "sg-nope", ErrNotFound, "security_groups sg-nope: no such security group"}}},
	{"tracking out of range", func(c *Config) { c.Interfaces[0].Tracking.UDPTimeout = 61 * time.Second },
		[]problem{{KindInterface, "eni-web", FieldConnectionTracking, -1, "", conntrack.ErrRange, "connection_tracking: udp_timeout 1m1s"}}},

	// Prefix lists.
	{"prefix list entry invalid", func(c *Config) {
		c.PrefixLists = []PrefixList{{ID: "pl-a", Entries: []netip.Prefix{prefix("192.0.2.0/24"), {}, prefix("::ffff:192.0.2.0/120")}}}
	}, []problem{
		{KindPrefixList, "pl-a", FieldEntries, 1, "", ErrInvalid, "prefix list pl-a: entries: want an IPv4 or IPv6 CIDR"},
		{KindPrefixList, "pl-a", FieldEntries, 2, "::ffff:192.0.2.0/120", ErrInvalid, "want an IPv4 or IPv6 CIDR"},
	}},
}

// Each rule of Validate, broken once: exactly the expected problems, each
// a *ConfigError that names the object, field and value and wraps its
// cause.
func TestValidate(t *testing.T) {
	cfg := traceConfig()
	require.NoError(t, cfg.Validate())
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := traceConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			got := configErrors(t, err)
			require.Len(t, got, len(tc.want), "%v", err)
			for i, w := range tc.want {
				g := got[i]
				assert.Equal(t, w.kind, g.Kind, g.Error())
				assert.Equal(t, w.id, g.ID, g.Error())
				assert.Equal(t, w.field, g.Field, g.Error())
				assert.Equal(t, w.index, g.Index, g.Error())
				assert.Equal(t, w.value, g.Value, g.Error())
				assert.ErrorIs(t, g, w.is)
				assert.Contains(t, g.Error(), w.msg)
			}
			// New refuses the same configuration, with the same problems.
			_, err = New(cfg)
			require.Error(t, err)
			assert.Len(t, configErrors(t, err), len(tc.want))
		})
	}
}

// The five addresses AWS reserves in every subnet block, both families,
// and the words for each: no interface may hold one.
func TestValidateReservedAddresses(t *testing.T) {
	for _, tc := range []struct {
		block, addr, what string
	}{
		{"10.0.1.0/24", "10.0.1.0", "the network address (base)"},
		{"10.0.1.0/24", "10.0.1.1", "the VPC router (base + 1)"},
		{"10.0.1.0/24", "10.0.1.2", "the Amazon DNS server's address, reserved in every subnet (base + 2)"},
		{"10.0.1.0/24", "10.0.1.3", "reserved for future use (base + 3)"},
		{"10.0.1.0/24", "10.0.1.255", "the broadcast address (last)"},
		{"10.0.1.16/28", "10.0.1.19", "(base + 3)"},
		{"10.0.1.16/28", "10.0.1.31", "the broadcast address (last)"},
		{"2001:db8:1::/64", "2001:db8:1::", "the network address (base)"},
		{"2001:db8:1::/64", "2001:db8:1::1", "the VPC router (base + 1)"},
		{"2001:db8:1::/64", "2001:db8:1::2", "(base + 2)"},
		{"2001:db8:1::/64", "2001:db8:1::3", "(base + 3)"},
		{"2001:db8:1::/64", "2001:db8:1:0:ffff:ffff:ffff:ffff", "the last address of the block"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			what, ok := Reserved(prefix(tc.block), netip.MustParseAddr(tc.addr))
			require.True(t, ok)
			assert.Contains(t, what, tc.what)

			field, cfg := FieldPrivateIPs, Config{
				SecurityGroups: []sg.Group{{ID: "sg"}},
				Subnets:        []Subnet{{ID: "web", CIDR: prefix("10.0.1.0/24")}},
				Interfaces:     []Interface{{ID: "eni-web", Subnet: "web", PrivateIPs: addrs("10.0.1.10"), Groups: []string{"sg"}}},
			}
			if p := prefix(tc.block); p.Addr().Is4() {
				cfg.Subnets[0].CIDR = p
				cfg.Interfaces[0].PrivateIPs = addrs(tc.addr)
			} else {
				field = FieldIPv6Addresses
				cfg.Subnets[0].IPv6CIDR = p
				cfg.Interfaces[0].IPv6Addrs = addrs(tc.addr)
			}
			got := configErrors(t, cfg.Validate())
			require.Len(t, got, 1)
			assert.Equal(t, field, got[0].Field)
			assert.ErrorIs(t, got[0], ErrReserved)
			assert.Equal(t, "interface eni-web: "+field+" "+tc.addr+": reserved by AWS in subnet web ("+tc.block+"): "+what, got[0].Error())
		})
	}
	// Neither the addresses after base + 3 nor those outside the block.
	for _, a := range []string{"10.0.1.4", "10.0.1.254", "10.0.2.1"} {
		_, ok := Reserved(prefix("10.0.1.0/24"), netip.MustParseAddr(a))
		assert.False(t, ok, a)
	}
}

// An interface on the VPC router's address was accepted, and an
// unsolicited SYN to it came back "allowed, not filtered": New refuses it.
func TestNewRefusesTheRouterAddress(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets[0].ID = "web"
	for i := range cfg.Interfaces[:2] {
		cfg.Interfaces[i].Subnet = "web"
	}
	cfg.Interfaces[0].PrivateIPs = addrs("10.0.1.1")
	_, err := New(cfg)
	require.Error(t, err)
	assert.Equal(t, "interface eni-web: private_ips 10.0.1.1: reserved by AWS in subnet web (10.0.1.0/24): the VPC router (base + 1)", err.Error())
}

// Host bits in a block are cleared, as AWS does (NACL-5): not a problem.
func TestValidateClearsHostBits(t *testing.T) {
	cfg := traceConfig()
	cfg.CIDR = prefix("10.0.9.9/16")
	cfg.Subnets[0].CIDR = prefix("10.0.1.77/24")
	assert.NoError(t, cfg.Validate())
}

// Every problem is reported, not only the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets = append(cfg.Subnets, Subnet{ID: "subnet-x", CIDR: prefix("10.0.1.0/25"), ACL: "acl-nope"})
	cfg.Interfaces[0].PrivateIPs = addrs("10.0.1.1")
	cfg.Interfaces[2].Groups = nil
	got := configErrors(t, cfg.Validate())
	var is []error
	for _, e := range got {
		is = append(is, errors.Unwrap(e.Err))
	}
	assert.Len(t, got, 4)
	for _, want := range []error{ErrOverlap, ErrNotFound, ErrReserved} {
		assert.Contains(t, is, want)
	}
}

// Apply checks the configuration a change leaves in force. An invalid
// change leaves everything as it was: configuration, verdicts and the
// connection tables. A conflict between an object of the change and one
// it leaves alone is reported at the change's.
func TestApplyValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		ch   Change
		want problem
	}{
		{"a new subnet overlaps", Change{Subnets: []Subnet{{ID: "web2", CIDR: prefix("10.0.1.0/25")}}},
			problem{KindSubnet, "web2", FieldCIDRBlock, -1, "10.0.1.0/25", ErrOverlap, "overlaps subnet subnet-public's"}},
		{"a changed subnet overlaps one listed after it", Change{Subnets: []Subnet{{ID: "subnet-public", CIDR: prefix("10.0.0.0/22")}}},
			problem{KindSubnet, "subnet-public", FieldCIDRBlock, -1, "10.0.0.0/22", ErrOverlap, "overlaps subnet subnet-db's cidr_block 10.0.3.0/24"}},
		{"a subnet shrinks under an interface", Change{Subnets: []Subnet{{ID: "subnet-db", CIDR: prefix("10.0.3.128/25")}}},
			problem{KindInterface, "eni-db", FieldPrivateIPs, 0, "10.0.3.30", ErrOutsideSubnet, "not in subnet subnet-db's cidr_block 10.0.3.128/25"}},
		{"an interface takes the address of one listed after it", Change{Interfaces: []Interface{{ID: "eni-web", Subnet: "subnet-db", PrivateIPs: addrs("10.0.3.30"), Groups: []string{"sg-web"}}}},
			problem{KindInterface, "eni-web", FieldPrivateIPs, 0, "10.0.3.30", ErrAddressTaken, "already an address of interface eni-db"}},
		{"an interface moves onto a reserved address", Change{Interfaces: []Interface{{ID: "eni-db", Subnet: "subnet-db", PrivateIPs: addrs("10.0.3.2"), Groups: []string{"sg-db"}}}},
			problem{KindInterface, "eni-db", FieldPrivateIPs, 0, "10.0.3.2", ErrReserved, "(base + 2)"}},
		{"an id twice in one change", Change{PrefixLists: []PrefixList{{ID: "pl-a"}, {ID: "pl-a"}}},
			problem{KindPrefixList, "pl-a", FieldID, 1, "", ErrDuplicateID, "declared twice"}},
		{"an interface without id", Change{Interfaces: []Interface{{Subnet: "subnet-db", PrivateIPs: addrs("10.0.3.31"), Groups: []string{"sg-db"}}}},
			problem{KindInterface, "", FieldID, 0, "", ErrNoID, "interface #0: id: must not be empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(traceConfig())
			require.NoError(t, err)
			// A tracked connection at eni-db before the change.
			syn, err := v.Send(pkt(t, "tcp 10.0.1.10:45000 > 10.0.3.30:5432 [S]"), at(0))
			require.NoError(t, err)
			require.True(t, syn.Allowed())
			before, tables := v.Config(), v.Connections(at(time.Second))

			err = v.Apply(tc.ch)
			got := configErrors(t, err)
			require.Len(t, got, 1, "%v", err)
			w, g := tc.want, got[0]
			assert.Equal(t, problem{w.kind, w.id, w.field, w.index, w.value, nil, ""}, problem{g.Kind, g.ID, g.Field, g.Index, g.Value, nil, ""}, g.Error())
			assert.ErrorIs(t, g, w.is)
			assert.Contains(t, g.Error(), w.msg)

			assert.Equal(t, before, v.Config())
			assert.Equal(t, tables, v.Connections(at(time.Second)))
			reply, err := v.Send(pkt(t, "tcp 10.0.3.30:5432 > 10.0.1.10:45000 [S.]"), at(time.Second))
			require.NoError(t, err)
			assert.True(t, reply.Allowed(), reply.Explain())
			assert.Equal(t, flow.CTEstablished, reply.Final.Conntrack)
		})
	}
}

// A valid change passes the same checks: moving an interface to another
// subnet with a new address, and adding a subnet with an IPv6 block.
func TestApplyValidChange(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	require.NoError(t, v.Apply(Change{
		Subnets:    []Subnet{{ID: "subnet-v6", CIDR: prefix("10.0.4.0/28"), IPv6CIDR: prefix("2001:db8:4::/64")}},
		Interfaces: []Interface{{ID: "eni-web2", Subnet: "subnet-v6", PrivateIPs: addrs("10.0.4.4"), IPv6Addrs: addrs("2001:db8:4::4"), Groups: []string{"sg-other"}}},
	}))
	assert.Equal(t, "subnet-v6", v.Config().Interfaces[1].Subnet)
}

// The sorted sweep that finds overlapping subnet blocks agrees with the
// plain pairwise check, its golden model, on random blocks: nested,
// repeated, disjoint and absent ones.
func TestOverlappingMatchesPairwise(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var blocks []*subnetBlocks
		for i := range rapid.IntRange(0, 12).Draw(t, "n") {
			a := netip.AddrFrom4([4]byte{10, 0, byte(rapid.IntRange(0, 7).Draw(t, "c")), byte(rapid.IntRange(0, 255).Draw(t, "d"))})
			p := netip.PrefixFrom(a, rapid.IntRange(20, 28).Draw(t, "bits")).Masked()
			if rapid.IntRange(0, 9).Draw(t, "absent") == 0 {
				p = netip.Prefix{}
			}
			blocks = append(blocks, &subnetBlocks{id: strconv.Itoa(i), v4: p})
		}
		want := map[int][]int{}
		for i, b := range blocks {
			for j, o := range blocks[:i] {
				if b.v4.IsValid() && o.v4.IsValid() && b.v4.Overlaps(o.v4) {
					want[i] = append(want[i], j)
				}
			}
		}
		got := overlapping(blocks, func(b *subnetBlocks) netip.Prefix { return b.v4 })
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("sweep %v, pairwise %v", got, want)
		}
	})
}
