package terraform

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"pgregory.net/rapid"
)

func evalString(src string) (cty.Value, error) {
	expr, diags := hclsyntax.ParseExpression([]byte(src), "expr", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, diags := expr.Value(&hcl.EvalContext{Functions: functions()})
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// TestCIDRFunctions: the examples of Terraform's documentation of
// cidrsubnet, cidrhost, cidrnetmask and cidrsubnets, and their errors.
func TestCIDRFunctions(t *testing.T) {
	for _, tc := range []struct {
		expr, want string
	}{
		{`cidrsubnet("172.16.0.0/12", 4, 2)`, `"172.18.0.0/16"`},
		{`cidrsubnet("10.1.2.0/24", 4, 15)`, `"10.1.2.240/28"`},
		{`cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)`, `"fd00:fd12:3456:7800:a200::/72"`},
		{`cidrhost("10.12.112.0/20", 16)`, `"10.12.112.16"`},
		{`cidrhost("10.12.112.0/20", 268)`, `"10.12.113.12"`},
		{`cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)`, `"fd00:fd12:3456:7890::22"`},
		{`cidrhost("10.0.1.0/24", -1)`, `"10.0.1.255"`},
		{`cidrnetmask("172.16.0.0/12")`, `"255.240.0.0"`},
		{`cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)`, `["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]`},
		{`cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)`,
			`["fd00:fd12:3456:7800::/72","fd00:fd12:3456:7800:100::/72","fd00:fd12:3456:7800:200::/72","fd00:fd12:3456:7800:300::/88"]`},
		{`lookup({a = 1}, "a")`, `1`},
		{`lookup({a = 1}, "b", 2)`, `2`},
		{`tolist(toset(["b", "a", "b"]))`, `["a","b"]`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			v, err := evalString(tc.expr)
			require.NoError(t, err)
			assert.Equal(t, tc.want, jsonOf(t, v))
		})
	}
	for _, bad := range []string{
		`cidrsubnet("10.0.0.0/24", 9, 0)`,     // more bits than the address has
		`cidrsubnet("10.0.0.0/24", 2, 4)`,     // no network 4 in 2 bits
		`cidrsubnet("10.0.0.0/24", -1, 0)`,    // negative newbits
		`cidrsubnet("10.0.0.0", 2, 0)`,        // not a prefix
		`cidrhost("10.0.0.0/30", 4)`,          // no host 4 in a /30
		`cidrhost("10.0.0.0/30", 1.5)`,        // not a whole number
		`cidrnetmask("2001:db8::/32")`,        // IPv6 has no netmask
		`cidrsubnets("10.0.0.0/30", 1, 1, 1)`, // no room left
		`lookup({a = 1}, "b")`,
	} {
		t.Run(bad, func(t *testing.T) {
			_, err := evalString(bad)
			assert.Error(t, err)
		})
	}
}

func jsonOf(t testing.TB, v cty.Value) string {
	t.Helper()
	b, err := stdlibJSON(v)
	require.NoError(t, err)
	return b
}

func stdlibJSON(v cty.Value) (string, error) {
	r, err := functions()["jsonencode"].Call([]cty.Value{v})
	if err != nil {
		return "", err
	}
	return r.AsString(), nil
}

// TestCIDRSubnetsProperty: the blocks cidrsubnets returns lie inside the
// prefix, each aligned to its size, in ascending order without overlap;
// each is the cidrsubnet of its own number.
func TestCIDRSubnetsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bits := rapid.IntRange(8, 28).Draw(t, "bits")
		base := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(rapid.IntRange(0, 255).Draw(t, "b1")), 0, 0}), bits).Masked()
		newbits := rapid.SliceOfN(rapid.IntRange(1, 32-bits), 1, 6).Draw(t, "newbits")
		expr := fmt.Sprintf("cidrsubnets(%q", base.String())
		for _, n := range newbits {
			expr += fmt.Sprintf(", %d", n)
		}
		v, err := evalString(expr + ")")
		if err != nil {
			return // no room left: an error, never a panic
		}
		var prev netip.Prefix
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			p := netip.MustParsePrefix(e.AsString())
			if p.Bits() != bits+newbits[i] || p.Masked() != p || !base.Contains(p.Addr()) {
				t.Fatalf("%s: block %d %s", expr, i, p)
			}
			if prev.IsValid() && (prev.Overlaps(p) || p.Addr().Less(prev.Addr())) {
				t.Fatalf("%s: %s after %s", expr, p, prev)
			}
			prev = p
		}
	})
}
