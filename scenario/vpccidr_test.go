package scenario_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
)

// vpc_cidr_block gives the VPC its block: subnets must lie in it, and its
// base + 2 is the Amazon DNS server, whose traffic no filter sees (NOT-10).
func TestVPCCIDRBlock(t *testing.T) {
	const head = "name: a VPC with its block\nvpc_cidr_block: "
	const rest = `
security_groups:
  - {id: sg-web}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-web, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web]}
steps:
  - at: 0s
    packet: udp 10.0.1.10:40000 > 10.0.0.2:53
    expect: {verdict: allow, conntrack: exempt}
`
	f, ws, err := scenario.Parse("vpc.yaml", []byte(head+"10.0.0.0/16"+rest))
	require.NoError(t, err)
	assert.Empty(t, ws)
	assert.Equal(t, netip.MustParsePrefix("10.0.0.0/16"), f.VPCCIDR)
	assert.Equal(t, f.VPCCIDR, scenario.Config(f).CIDR)
	rep, err := scenario.Run(f)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.True(t, rep.Results[0].OK(), "%v", rep.Results[0].Failures)
	assert.Equal(t, flow.StageExempt, rep.Results[0].Path.Final.Stage)

	// Without the block, 10.0.0.2 is an address outside the VPC: the
	// group, which has no egress rule, drops the query.
	f, _, err = scenario.Parse("vpc.yaml", []byte("name: no block"+rest))
	require.NoError(t, err)
	rep, err = scenario.Run(f)
	require.NoError(t, err)
	assert.Equal(t, flow.Drop, rep.Results[0].Path.Final.Verdict)

	for _, tc := range []struct{ value, want string }{
		{"10.0.0.0/33", `vpc.yaml:2:17: vpc_cidr_block 10.0.0.0/33: want the VPC's IPv4 block, such as 10.0.0.0/16`},
		{"2001:db8::/56", `vpc.yaml:2:17: vpc_cidr_block 2001:db8::/56: want the VPC's IPv4 block`},
		{"10.0.0.0/8", `vpc.yaml:2:17: vpc_cidr_block 10.0.0.0/8: a VPC's block is /16 to /28`},
		// The subnet lies outside the block: reported at the subnet's block.
		{"10.9.0.0/16", `vpc.yaml:6:32: subnet subnet-a: cidr_block 10.0.1.0/24: not in the VPC's cidr_block 10.9.0.0/16`},
	} {
		_, _, err := scenario.Parse("vpc.yaml", []byte(head+tc.value+rest))
		require.Error(t, err, tc.value)
		errs := scenario.Errors(err)
		require.Len(t, errs, 1, "%v", err)
		assert.Contains(t, errs[0].Error(), tc.want, tc.value)
	}

	_, ws, err = scenario.Parse("vpc.yaml", []byte(head+"10.0.0.1/16"+rest))
	require.NoError(t, err)
	require.Len(t, ws, 1)
	assert.Contains(t, ws[0].String(), "vpc.yaml:2:17: vpc_cidr_block 10.0.0.1/16 has host bits set: taken as 10.0.0.0/16")
}
