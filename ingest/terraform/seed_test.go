package terraform

import (
	"os"
	"slices"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const seedLesson = "../../examples/scenarios/01-seed-web-server.yaml"

// seedIDs maps the seed's Terraform addresses to the lesson's ids.
var seedIDs = map[string]string{
	"aws_security_group.web": "sg-web",
	"aws_subnet.public":      "subnet-public",
	"aws_instance.web":       "eni-web",
}

func readFile(t testing.TB, name string) source.File {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return source.File{Name: name, Data: data}
}

// rename renames the objects of cfg and every reference to them.
func rename(cfg vpc.Config, ids map[string]string) vpc.Config {
	id := func(s string) string {
		if n, ok := ids[s]; ok {
			return n
		}
		return s
	}
	out := vpc.Config{CIDR: cfg.CIDR, PrefixLists: cfg.PrefixLists, NetworkACLs: cfg.NetworkACLs}
	for _, g := range cfg.SecurityGroups {
		g.ID = id(g.ID)
		for _, rules := range []*[]sg.Rule{&g.Ingress, &g.Egress} {
			*rules = slices.Clone(*rules)
			for i := range *rules {
				if (*rules)[i].Group != "" {
					(*rules)[i].Group = id((*rules)[i].Group)
				}
			}
		}
		out.SecurityGroups = append(out.SecurityGroups, g)
	}
	for _, s := range cfg.Subnets {
		s.ID = id(s.ID)
		out.Subnets = append(out.Subnets, s)
	}
	for _, i := range cfg.Interfaces {
		i.ID, i.Subnet = id(i.ID), id(i.Subnet)
		i.Groups = slices.Clone(i.Groups)
		for k := range i.Groups {
			i.Groups[k] = id(i.Groups[k])
		}
		out.Interfaces = append(out.Interfaces, i)
	}
	return out
}

// withModel returns the lesson with its VPC replaced by cfg: the same
// steps and expectations, run against what Terraform describes. What a
// host listens on is not Terraform's to say; it is taken from the lesson.
func withModel(t *testing.T, lesson *scenario.File, cfg vpc.Config) *scenario.File {
	t.Helper()
	f := *lesson
	f.PrefixLists, f.SecurityGroups, f.NetworkACLs, f.Subnets, f.Interfaces = nil, nil, nil, nil, nil
	for _, g := range cfg.SecurityGroups {
		f.SecurityGroups = append(f.SecurityGroups, scenario.SecurityGroup{Group: g,
			IngressPos: make([]scenario.RulePos, len(g.Ingress)), EgressPos: make([]scenario.RulePos, len(g.Egress))})
	}
	for _, a := range cfg.NetworkACLs {
		f.NetworkACLs = append(f.NetworkACLs, scenario.NetworkACL{ACL: a,
			IngressPos: make([]scenario.Pos, len(a.Ingress)), EgressPos: make([]scenario.Pos, len(a.Egress))})
	}
	for _, s := range cfg.Subnets {
		f.Subnets = append(f.Subnets, scenario.Subnet{Subnet: s})
	}
	for _, i := range cfg.Interfaces {
		for _, li := range lesson.Interfaces {
			if li.ID == i.ID {
				i.Listening = li.Listening
			}
		}
		f.Interfaces = append(f.Interfaces, scenario.Interface{Interface: i,
			PrivateIPsPos: make([]scenario.Pos, len(i.PrivateIPs)), IPv6AddrsPos: make([]scenario.Pos, len(i.IPv6Addrs)),
			GroupsPos: make([]scenario.Pos, len(i.Groups))})
	}
	return &f
}

// TestSeedMatchesLesson: the seed's Terraform, read as HCL and as a plan,
// gives the lesson's model, and the lesson's steps give the same verdicts
// and explanations against it, every expectation holding.
func TestSeedMatchesLesson(t *testing.T) {
	lesson, _, err := scenario.Load(seedLesson)
	require.NoError(t, err)
	want := scenario.Config(lesson)
	wantRun, err := scenario.Run(lesson)
	require.NoError(t, err)
	require.Zero(t, wantRun.Failed(), "the lesson itself must hold")

	hclCfg, hclWarns, err := LoadHCL([]source.File{readFile(t, "testdata/seed.tf")})
	require.NoError(t, err)
	assert.Empty(t, hclWarns)
	planCfg, planWarns, err := LoadPlan(readFile(t, "testdata/seed-plan.json"))
	require.NoError(t, err)
	assert.Empty(t, planWarns)

	for name, cfg := range map[string]vpc.Config{"hcl": hclCfg, "plan": planCfg} {
		t.Run(name, func(t *testing.T) {
			got := rename(cfg, seedIDs)
			// The same model: the group's rules, the default ACL's
			// numbered rules, the subnet, the interface.
			assert.Equal(t, want.SecurityGroups, got.SecurityGroups)
			require.Len(t, got.NetworkACLs, 1)
			assert.Equal(t, nacl.Default(vpc.DefaultACL), got.NetworkACLs[0])
			assert.Equal(t, want.NetworkACLs, got.NetworkACLs)
			assert.Equal(t, want.Subnets, got.Subnets)
			for i := range want.Interfaces {
				want.Interfaces[i].Listening = nil
			}
			assert.Equal(t, want.Interfaces, got.Interfaces)

			// The same verdicts, step by step.
			run, err := scenario.Run(withModel(t, lesson, got))
			require.NoError(t, err)
			assert.Zero(t, run.Failed())
			require.Len(t, run.Results, len(wantRun.Results))
			for i, r := range run.Results {
				w := wantRun.Results[i]
				assert.Equal(t, w.Explain(), r.Explain(), "step %d", i)
				if w.Deciding() != nil {
					require.NotNil(t, r.Deciding(), "step %d", i)
					assert.Equal(t, w.Deciding().Final, r.Deciding().Final, "step %d", i)
				}
			}
		})
	}
}
