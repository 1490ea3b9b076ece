package terraform

import (
	"net/netip"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModulesPlan: resources of child modules are read under their full
// address, and values known only after apply are taken from the
// configuration's references, through module outputs and variables.
func TestModulesPlan(t *testing.T) {
	cfg, warns, err := LoadPlan(readFile(t, "testdata/modules-plan.json"))
	require.NoError(t, err)
	_, err = vpc.New(cfg)
	require.NoError(t, err)

	assert.Equal(t, mustPrefix("10.0.0.0/16"), cfg.CIDR)
	app := group(t, cfg, "module.net.aws_security_group.app")
	assert.Equal(t, []sg.Rule{{Protocol: proto("tcp"), FromPort: 443, ToPort: 443, CIDR: mustPrefix("0.0.0.0/0")}}, app.Ingress,
		"security_group_id = module.net.app_sg_id, through the module's output")
	assert.Empty(t, app.Egress, "a group made by aws_security_group has no egress rule of AWS's (SG-18c)")
	root := group(t, cfg, "aws_security_group.root")
	assert.Equal(t, []sg.Rule{{Protocol: proto("-1"), CIDR: mustPrefix("0.0.0.0/0")}}, root.Egress,
		"security_group_id = var.egress_group_id, through the module call's argument")

	require.Len(t, cfg.Subnets, 1)
	assert.Equal(t, vpc.Subnet{ID: "module.net.aws_subnet.app", CIDR: mustPrefix("10.0.2.0/24"), ACL: vpc.DefaultACL}, cfg.Subnets[0])
	require.Len(t, cfg.Interfaces, 1)
	i := cfg.Interfaces[0]
	assert.Equal(t, "aws_instance.app", i.ID)
	assert.Equal(t, "module.net.aws_subnet.app", i.Subnet)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.2.10")}, i.PrivateIPs)
	assert.Equal(t, []string{"module.net.aws_security_group.app"}, i.Groups)

	require.Len(t, warns, 2, "%v", warns)
	assert.Contains(t, warns[0].String(), "testdata/modules-plan.json:")
	assert.Contains(t, warns[0].String(), "aws_instance.worker private_ip: no private IPv4 address is given")
	assert.Contains(t, warns[1].String(), "resource type aws_route_table is not read (1 resource)")
}

// TestPlanOfState: the JSON of a state (terraform show -json after apply)
// holds values, not planned_values, with AWS's ids; references by id are
// mapped back to the resources that hold them.
func TestPlanOfState(t *testing.T) {
	state := `{
  "format_version": "1.0",
  "terraform_version": "1.9.5",
  "values": {
    "root_module": {
      "resources": [
        {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
         "values": {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "default_security_group_id": "sg-0def", "default_network_acl_id": "acl-0def"}},
        {"address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
         "values": {"id": "subnet-0a", "cidr_block": "10.0.1.0/24", "ipv6_cidr_block": ""}},
        {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
         "values": {"id": "sg-0web", "name": "web",
           "ingress": [{"cidr_blocks": [], "description": "", "from_port": 5432, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": ["sg-0web"], "self": false, "to_port": 5432}],
           "egress": []}},
        {"address": "aws_network_acl_association.a", "mode": "managed", "type": "aws_network_acl_association", "name": "a",
         "values": {"id": "aclassoc-1", "network_acl_id": "acl-0def", "subnet_id": "subnet-0a"}},
        {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
         "values": {"id": "i-1", "subnet_id": "subnet-0a", "private_ip": "10.0.1.10", "secondary_private_ips": [],
           "vpc_security_group_ids": ["sg-0web", "sg-0def"], "security_groups": [], "ipv6_addresses": []}}
      ]
    }
  }
}`
	cfg, warns, err := LoadPlan(source.File{Name: "state.json", Data: []byte(state)})
	require.NoError(t, err)
	_, err = vpc.New(cfg)
	require.NoError(t, err)
	web := group(t, cfg, "aws_security_group.web")
	require.Len(t, web.Ingress, 1)
	assert.Equal(t, "aws_security_group.web", web.Ingress[0].Group, "sg-0web is the group's own id")
	def := group(t, cfg, DefaultGroup)
	assert.Equal(t, []sg.Rule{{Protocol: proto("-1"), Group: DefaultGroup}}, def.Ingress, "AWS's default group (SG-18a)")
	require.Len(t, cfg.Interfaces, 1)
	assert.Equal(t, []string{"aws_security_group.web", DefaultGroup}, cfg.Interfaces[0].Groups)
	assert.Equal(t, vpc.DefaultACL, cfg.Subnets[0].ACL)
	require.Len(t, warns, 2, "%v", warns)
	assert.Contains(t, warns[0].String(), "the VPC's default network ACL is used but not declared")
	assert.Contains(t, warns[1].String(), "the VPC's default security group is used but not declared")
}

// TestPlanErrors: each problem of a plan is reported at the JSON value it
// comes from.
func TestPlanErrors(t *testing.T) {
	rule := func(values, unknown, config string) string {
		return `{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g", "values": {"name": "g"}},
    {"address": "aws_security_group_rule.r", "mode": "managed", "type": "aws_security_group_rule", "name": "r",
     "values": ` + values + `}
  ]}},
  "resource_changes": [
    {"address": "aws_security_group_rule.r", "type": "aws_security_group_rule", "name": "r",
     "change": {"actions": ["create"], "after_unknown": ` + unknown + `}}
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_security_group_rule.r", "mode": "managed", "type": "aws_security_group_rule", "name": "r",
     "expressions": ` + config + `}
  ]}}
}`
	}
	const ok = `{"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"]}`
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{name: "not JSON", data: "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {]\n}",
			want: []string{"plan.json:3:22: not valid JSON: invalid character ']'"}},
		{name: "not an object", data: "[1, 2]", want: []string{"plan.json:1:1: not a Terraform plan: the document is not a JSON object"}},
		{name: "no values", data: `{"format_version": "1.2"}`, want: []string{"plan.json:1:1: not a Terraform plan or state: no planned_values or values"}},
		{name: "trailing data", data: `{"format_version": "1.2"} {}`, want: []string{"plan.json:1:27: not valid JSON: data after the JSON document"}},
		{name: "known only after apply", data: rule(ok, `{"security_group_id": true}`,
			`{"security_group_id": {"references": ["var.group_id"]}}`),
			want: []string{"plan.json:10:79: aws_security_group_rule.r security_group_id: known only after apply (after_unknown); its references [var.group_id] name nothing the model holds (Terraform knows it only after apply"}},
		{name: "resolved from the configuration", data: rule(ok, `{"security_group_id": true}`,
			`{"security_group_id": {"references": ["aws_security_group.g.id", "aws_security_group.g"]}}`)},
		{name: "bad CIDR", data: rule(`{"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.300/8"], "security_group_id": "sg-1"}`, `{}`, `{}`),
			want: []string{`plan.json:6:102: aws_security_group_rule.r cidr_blocks: "10.0.0.300/8" is not a CIDR block`}},
		{name: "rules unknown without configuration", data: `{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g", "values": {"name": "g"}}]}},
  "resource_changes": [{"address": "aws_security_group.g", "change": {"after_unknown": {"ingress": true}}}]}`,
			want: []string{"plan.json:4:100: aws_security_group.g ingress: known only after apply (after_unknown), and the plan has no configuration to read it from"}},
		{name: "values not an object", data: rule(`[]`, `{}`, `{}`),
			want: []string{"plan.json:6:16: aws_security_group_rule.r values: values must be an object"}},
		{name: "resource without type", data: `{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "x"}]}}}`,
			want: []string{"plan.json:1:76: x: a resource without address or type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := LoadPlan(source.File{Name: "plan.json", Data: []byte(tc.data)})
			if len(tc.want) == 0 {
				require.NoError(t, err)
				g := group(t, cfg, "aws_security_group.g")
				assert.Equal(t, []sg.Rule{{Protocol: proto("tcp"), FromPort: 22, ToPort: 22, CIDR: mustPrefix("10.0.0.0/8")}}, g.Ingress)
				return
			}
			require.Error(t, err)
			var got []string
			for _, e := range source.Errors(err) {
				got = append(got, e.Error())
			}
			require.Len(t, got, len(tc.want), "%v", got)
			for i, w := range tc.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

// TestIsHCLIsPlan: detection by content.
func TestIsHCLIsPlan(t *testing.T) {
	seed := readFile(t, "testdata/seed.tf").Data
	plan := readFile(t, "testdata/seed-plan.json").Data
	for _, tc := range []struct {
		name        string
		data        []byte
		hcl, isPlan bool
	}{
		{"seed.tf", seed, true, false},
		{"seed-plan.json", plan, false, true},
		{"state", []byte(`{"format_version": "1.0", "values": {}}`), false, true},
		{"other JSON", []byte(`{"SecurityGroups": []}`), false, false},
		{"scenario YAML", []byte("name: x\nsecurity_groups: []\n"), false, false},
		{"tfvars only", []byte(`office = "192.0.2.0/24"`), false, false},
		{"empty", nil, false, false},
		{"variables only", []byte("variable \"x\" {}\n"), true, false},
		{"a syntax error further on", []byte("resource \"aws_vpc\" \"x\" {\n  cidr_block = \n}\n"), true, false},
		{"YAML that mentions resource", []byte("resource: x\n"), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.hcl, IsHCL(tc.data))
			assert.Equal(t, tc.isPlan, IsPlan(tc.data))
		})
	}
}

// TestPlanDataSources: data sources a plan has read name what the files do
// not declare, by address; a prefix list's entries are AWS's, read.
func TestPlanDataSources(t *testing.T) {
	data := `{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g",
     "values": {"id": "sg-0g", "name": "g", "egress": [], "ingress": [
       {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": [], "ipv6_cidr_blocks": [],
        "prefix_list_ids": ["pl-0office"], "security_groups": ["sg-0lb"], "self": false, "description": ""}]}}
  ]}},
  "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "data.aws_ec2_managed_prefix_list.office", "mode": "data", "type": "aws_ec2_managed_prefix_list", "name": "office",
     "values": {"id": "pl-0office", "entries": [{"cidr": "192.0.2.0/24", "description": "HQ"}, {"cidr": "2001:db8:aa::/48", "description": ""}]}},
    {"address": "data.aws_security_group.lb", "mode": "data", "type": "aws_security_group", "name": "lb",
     "values": {"id": "sg-0lb", "name": "lb"}}
  ]}}}
}`
	cfg, warns, err := LoadPlan(source.File{Name: "plan.json", Data: []byte(data)})
	require.NoError(t, err)
	_, err = vpc.New(cfg)
	require.NoError(t, err)
	g := group(t, cfg, "aws_security_group.g")
	require.Len(t, g.Ingress, 2)
	assert.Equal(t, "data.aws_ec2_managed_prefix_list.office", g.Ingress[0].PrefixList)
	assert.Equal(t, "data.aws_security_group.lb", g.Ingress[1].Group)
	require.Len(t, cfg.PrefixLists, 1)
	assert.Equal(t, []string{"192.0.2.0/24", "2001:db8:aa::/48"}, prefixes(cfg.PrefixLists[0].Entries))
	require.Len(t, warns, 1, "%v", warns)
	assert.Contains(t, warns[0].String(), "security group data.aws_security_group.lb is not declared in the files given")
}

// TestPlanUnknownRulesWarn: a group whose rules a plan knows only after
// apply, written with no blocks and given no rule resources, is read with
// no rules, and a warning says so (dynamic blocks are not in a plan's
// configuration).
func TestPlanUnknownRulesWarn(t *testing.T) {
	data := `{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g", "values": {"name": "g"}}]}},
  "resource_changes": [{"address": "aws_security_group.g", "change": {"after_unknown": {"id": true, "ingress": true, "egress": true}}}],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g", "expressions": {"name": {"constant_value": "g"}}}]}}}`
	cfg, warns, err := LoadPlan(source.File{Name: "plan.json", Data: []byte(data)})
	require.NoError(t, err)
	g := group(t, cfg, "aws_security_group.g")
	assert.Empty(t, g.Ingress)
	assert.Empty(t, g.Egress)
	require.Len(t, warns, 1)
	assert.Equal(t, "plan.json:4:112: aws_security_group.g ingress, egress: known only after apply, and the configuration writes no such blocks: read as no rules (if dynamic blocks write them, read the state after apply (terraform show -json))", warns[0].String())
}
