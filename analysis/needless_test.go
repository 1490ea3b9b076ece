package analysis

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
)

// without returns a copy of a without the rules of direction dir whose
// numbers drop reports.
func without(a nacl.ACL, dir flow.Direction, drop func(n int) bool) nacl.ACL {
	keep := func(rs []nacl.Rule) []nacl.Rule {
		return slices.DeleteFunc(slices.Clone(rs), func(r nacl.Rule) bool { return drop(r.Number) })
	}
	if dir == flow.Egress {
		a.Egress = keep(a.Egress)
	} else {
		a.Ingress = keep(a.Ingress)
	}
	return a
}

// TestNeedless: removing every rule reported shadowed or needless changes
// no verdict, symbolically and packet by packet; removing any rule left
// then changes some; each needless rule's deciders come after it and act
// as it does.
func TestNeedless(t *testing.T) {
	g := grid()
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t, "acl-n", 7)
		gone := map[flow.Direction]map[int]bool{flow.Ingress: {}, flow.Egress: {}}
		for _, s := range ShadowedRules(a) {
			gone[s.Direction][s.Number] = true
		}
		needless := NeedlessRules(a)
		for _, n := range needless {
			require.False(t, gone[n.Direction][n.Number], "%s is reported shadowed too", n)
			gone[n.Direction][n.Number] = true
		}
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			full := Space{aclRuleSet(aclRules(&a, dir), dir).build()}
			less := without(a, dir, func(n int) bool { return gone[dir][n] })
			assert.True(t, Space{aclRuleSet(aclRules(&less, dir), dir).build()}.Equal(full), "the reported rules change nothing")
			for i := range g {
				assert.Equal(t, nacl.Reference(&a, &g[i], dir).Verdict, nacl.Reference(&less, &g[i], dir).Verdict, "%s", g[i])
			}
			for _, r := range aclRules(&less, dir) {
				fewer := without(less, dir, func(n int) bool { return n == r.Number })
				assert.False(t, Space{aclRuleSet(aclRules(&fewer, dir), dir).build()}.Equal(full), "rule %s is needed", r)
			}
		}
		for _, n := range needless {
			self, err := nacl.ParseRule(n.Rule)
			require.NoError(t, err)
			require.NotEmpty(t, n.DecidedBy)
			for _, d := range n.DecidedBy {
				if d == defaultDeny {
					assert.Equal(t, nacl.Deny, self.Action, "%s: only a deny falls to the default rule", n)
					continue
				}
				r, err := nacl.ParseRule(strings.TrimPrefix(d, "rule "))
				require.NoError(t, err)
				assert.Greater(t, r.Number, self.Number, "%s: deciders come after it", n)
				assert.Equal(t, self.Action, r.Action, "%s: deciders act as it does", n)
			}
		}
	})
}

// The cases a reader meets: an allow that a later, wider allow repeats; a
// deny that the default rule repeats; an allow that a later allow repeats
// only with a deny between them, which makes it needed.
func TestNeedlessCases(t *testing.T) {
	acl := func(rules ...string) nacl.ACL {
		a := nacl.ACL{ID: "acl-1"}
		for _, s := range rules {
			r, err := nacl.ParseRule(s)
			require.NoError(t, err)
			a.Ingress = append(a.Ingress, r)
		}
		return a
	}
	texts := func(ns []Needless) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.String())
		}
		return out
	}
	for _, c := range []struct {
		name  string
		rules []string
		want  []string
	}{
		{"a wider allow after", []string{"100 allow tcp 80 0.0.0.0/0", "200 allow -1 0.0.0.0/0"},
			[]string{"network ACL acl-1 ingress rule 100 allow tcp 80 0.0.0.0/0 changes no verdict: without it, rule 200 allow -1 0.0.0.0/0 decides its packets the same way"}},
		{"a deny the default repeats", []string{"100 allow tcp 443 0.0.0.0/0", "200 deny tcp 23 0.0.0.0/0"},
			[]string{"network ACL acl-1 ingress rule 200 deny tcp 23 0.0.0.0/0 changes no verdict: without it, rule * (default deny) decides its packets the same way"}},
		{"a deny between", []string{"100 allow tcp 80 0.0.0.0/0", "150 deny tcp 80-90 198.51.100.0/24", "200 allow -1 0.0.0.0/0"}, nil},
		{"two copies: the later one is shadowed, the first is needed", []string{"100 allow tcp 80 0.0.0.0/0", "110 allow tcp 80 0.0.0.0/0"}, nil},
		{"a deny a shadowed deny would repeat: the shadowed one goes first", []string{"100 deny tcp 20-25 0.0.0.0/0", "200 deny tcp 22 0.0.0.0/0", "300 allow tcp 80 0.0.0.0/0"},
			[]string{"network ACL acl-1 ingress rule 100 deny tcp 20-25 0.0.0.0/0 changes no verdict: without it, rule * (default deny) decides its packets the same way"}},
		{"part by a later rule, part by the default", []string{"100 deny tcp 20-25 198.51.100.0/24", "200 deny tcp 22 0.0.0.0/0", "300 allow tcp 0-65535 10.0.0.0/8"},
			[]string{"network ACL acl-1 ingress rule 100 deny tcp 20-25 198.51.100.0/24 changes no verdict: without it, rule 200 deny tcp 22 0.0.0.0/0; rule * (default deny) decide its packets the same way"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, texts(NeedlessRules(acl(c.rules...))))
		})
	}
}
