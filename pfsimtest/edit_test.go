package pfsimtest_test

import (
	"net/netip"
	"reflect"
	"slices"
	"strconv"
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

// An edit changes one rule of one ACL or group and nothing else; the
// edited configuration is valid; the configuration given is untouched;
// and the Change makes the same edit on a running VPC.
func TestEditsChangeOneRule(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		orig := deepCopy(cfg)
		e := pfsimtest.Edits(cfg).Draw(t, "edit")
		require.True(t, reflect.DeepEqual(orig, cfg), "the configuration given is left as it was")
		_, err := vpc.New(e.Config)
		require.NoError(t, err, "edit %s", e)

		before, after := rulesOf(cfg, e), rulesOf(e.Config, e)
		switch e.Op {
		case pfsimtest.AddRule:
			require.Len(t, after, len(before)+1)
			assert.Equal(t, slices.Concat(before, []string{e.After}), after, "the rules before stay, the new one comes last")
			assert.Empty(t, e.Before)
		case pfsimtest.RemoveRule:
			require.Len(t, after, len(before)-1)
			// A group may hold the same rule twice (or two rules that differ
			// only in description), so any one copy may be the one removed.
			removed := -1
			for i := range before {
				if before[i] == e.Before && slices.Equal(slices.Concat(before[:i], before[i+1:]), after) {
					removed = i
				}
			}
			assert.GreaterOrEqual(t, removed, 0, "after is before without one copy of %q:\nbefore %q\nafter  %q", e.Before, before, after)
			assert.Empty(t, e.After)
		case pfsimtest.ChangeRule:
			require.Len(t, after, len(before))
			var changed []int
			for i := range before {
				if before[i] != after[i] {
					changed = append(changed, i)
				}
			}
			require.Len(t, changed, 1, "one rule changed: %s", e)
			assert.Equal(t, e.Before, before[changed[0]])
			assert.Equal(t, e.After, after[changed[0]])
		default:
			t.Fatalf("edit op %d", e.Op)
		}
		// The other direction and every other object are as they were.
		other := e
		other.Direction = e.Direction.Reverse()
		assert.Equal(t, rulesOf(cfg, other), rulesOf(e.Config, other))
		assert.Equal(t, withoutEdited(cfg, e), withoutEdited(e.Config, e))

		v, err := vpc.New(cfg)
		require.NoError(t, err)
		require.NoError(t, v.Apply(e.Change))
		assert.Equal(t, normalise(e.Config), normalise(v.Config()), "Apply(Change) makes the same edit")
	})
}

// Edits reach every kind of edit, both rule sets, both directions, the
// implicit default ACL, and ACL rules numbered next to an existing one,
// whose order then decides.
func TestEditsReachTheirEdges(t *testing.T) {
	cfg := webConfig()
	seen := map[string]int{}
	gen := pfsimtest.Edits(cfg)
	for seed := range 600 {
		e := gen.Example(seed)
		seen[e.Op.String()]++
		seen[e.Kind.String()+" "+e.Direction.String()]++
		if e.ID == vpc.DefaultACL {
			seen["default ACL"]++
		}
		if e.Kind == vpc.KindNetworkACL && e.Op == pfsimtest.AddRule {
			r, err := nacl.ParseRule(e.After)
			require.NoError(t, err)
			for _, old := range rulesOf(cfg, e) {
				o, err := nacl.ParseRule(old)
				require.NoError(t, err)
				if o.Number == r.Number-1 || o.Number == r.Number+1 {
					seen["numbered next to a rule"]++
				}
			}
		}
	}
	for _, want := range []string{"add", "remove", "change",
		"network ACL ingress", "network ACL egress", "security group ingress", "security group egress",
		"default ACL", "numbered next to a rule"} {
		assert.Positive(t, seen[want], "%q never drawn in 600 edits: %v", want, seen)
	}
}

// The words of an edit.
func TestEditString(t *testing.T) {
	for _, c := range []struct {
		e    pfsimtest.Edit
		want string
	}{
		{pfsimtest.Edit{Op: pfsimtest.AddRule, Kind: vpc.KindNetworkACL, ID: "acl-web", Direction: flow.Ingress, After: "90 deny tcp 443 0.0.0.0/0"},
			`network ACL acl-web ingress: add "90 deny tcp 443 0.0.0.0/0"`},
		{pfsimtest.Edit{Op: pfsimtest.RemoveRule, Kind: vpc.KindSecurityGroup, ID: "sg-web", Direction: flow.Egress, Before: "-1 to 0.0.0.0/0"},
			`security group sg-web egress: remove "-1 to 0.0.0.0/0"`},
		{pfsimtest.Edit{Op: pfsimtest.ChangeRule, Kind: vpc.KindSecurityGroup, ID: "sg-web", Direction: flow.Ingress, Before: "tcp 443 from 0.0.0.0/0", After: "tcp 443-444 from 0.0.0.0/0"},
			`security group sg-web ingress: change "tcp 443 from 0.0.0.0/0" into "tcp 443-444 from 0.0.0.0/0"`},
	} {
		assert.Equal(t, c.want, c.e.String())
	}
}

// A configuration with nothing to edit fails the test that draws from
// Edits, saying why.
func TestEditsNeedSomethingToEdit(t *testing.T) {
	requireRefused(t, pfsimtest.Edits(vpc.Config{}), "pfsimtest.Edits: the configuration has no network ACL, no security group and no subnet on the default ACL: nothing to edit")
	cfg := vpc.Config{Subnets: []vpc.Subnet{{ID: "s", CIDR: netip.MustParsePrefix("10.0.0.0/24")}}}
	failed, report := drawReport(t, pfsimtest.Edits(cfg))
	assert.False(t, failed, "a subnet on the default ACL: the default ACL can be edited\n%s", report)
}

// rulesOf returns the texts of the rules of e's ACL or group in e's
// direction, as c has them (the default ACL's when c does not declare it).
func rulesOf(c vpc.Config, e pfsimtest.Edit) []string {
	var out []string
	if e.Kind == vpc.KindSecurityGroup {
		i := slices.IndexFunc(c.SecurityGroups, func(g sg.Group) bool { return g.ID == e.ID })
		for _, r := range c.SecurityGroups[i].Rules(e.Direction) {
			out = append(out, r.Text(e.Direction))
		}
		return out
	}
	a := nacl.Default(vpc.DefaultACL)
	if i := slices.IndexFunc(c.NetworkACLs, func(a nacl.ACL) bool { return a.ID == e.ID }); i >= 0 {
		a = c.NetworkACLs[i]
	}
	rules := a.Ingress
	if e.Direction == flow.Egress {
		rules = a.Egress
	}
	for _, r := range rules {
		out = append(out, r.String())
	}
	return out
}

// withoutEdited returns c without the edited ACL or group.
func withoutEdited(c vpc.Config, e pfsimtest.Edit) vpc.Config {
	c = deepCopy(c)
	if e.Kind == vpc.KindSecurityGroup {
		c.SecurityGroups = slices.DeleteFunc(c.SecurityGroups, func(g sg.Group) bool { return g.ID == e.ID })
	} else {
		c.NetworkACLs = slices.DeleteFunc(c.NetworkACLs, func(a nacl.ACL) bool { return a.ID == e.ID })
	}
	if len(c.NetworkACLs) == 0 {
		c.NetworkACLs = nil // one ACL declared, or none: alike
	}
	return c
}

// deepCopy copies c and every slice in it.
func deepCopy(c vpc.Config) vpc.Config {
	c.PrefixLists = slices.Clone(c.PrefixLists)
	for i := range c.PrefixLists {
		c.PrefixLists[i].Entries = slices.Clone(c.PrefixLists[i].Entries)
	}
	c.SecurityGroups = slices.Clone(c.SecurityGroups)
	for i := range c.SecurityGroups {
		g := &c.SecurityGroups[i]
		g.Ingress, g.Egress = slices.Clone(g.Ingress), slices.Clone(g.Egress)
	}
	c.NetworkACLs = slices.Clone(c.NetworkACLs)
	for i := range c.NetworkACLs {
		a := &c.NetworkACLs[i]
		a.Ingress, a.Egress = slices.Clone(a.Ingress), slices.Clone(a.Egress)
	}
	c.Subnets = slices.Clone(c.Subnets)
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

// normalise makes empty and nil rule lists alike, for comparing.
func normalise(c vpc.Config) string {
	s := ""
	for _, a := range c.NetworkACLs {
		s += "acl " + a.ID + " " + strconv.Itoa(len(a.Ingress)) + " " + strconv.Itoa(len(a.Egress)) + "\n"
		for _, r := range append(slices.Clone(a.Ingress), a.Egress...) {
			s += r.String() + "\n"
		}
	}
	for _, g := range c.SecurityGroups {
		s += "sg " + g.ID + " " + strconv.Itoa(len(g.Ingress)) + " " + strconv.Itoa(len(g.Egress)) + "\n"
		for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
			s += r.String() + "\n"
		}
	}
	return s
}
