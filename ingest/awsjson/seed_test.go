package awsjson_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

const seedLesson = "../../examples/scenarios/01-seed-web-server.yaml"

// seedIDs maps the lesson's ids to the AWS ids of testdata/seed.
var seedIDs = map[string]string{
	"sg-web":        "sg-0123456789abcdef0",
	"subnet-public": "subnet-0a1b2c3d4e5f60718",
	"eni-web":       "eni-0f1e2d3c4b5a69788",
	"default":       "acl-0d1e2f3a4b5c6d7e8",
}

// The seed lesson's VPC written by hand as AWS's describe outputs
// (testdata/seed; README.md there) is the lesson's model: the same rule
// sets, and every step of the lesson decides the same through it. The
// group's rules come from describe-security-groups, from
// describe-security-group-rules, or from both merged.
func TestSeedLessonFromAWSJSON(t *testing.T) {
	lesson, _, err := scenario.Load(seedLesson)
	require.NoError(t, err)
	want := scenario.Config(lesson)
	wantRep, err := scenario.Run(lesson)
	require.NoError(t, err)
	require.Zero(t, wantRep.Failed(), "the lesson holds")

	common := []string{"describe-vpcs.json", "describe-subnets.json", "describe-network-acls.json", "describe-network-interfaces.json"}
	for _, groups := range [][]string{
		{"describe-security-groups.json"},
		{"describe-security-group-rules.json"},
		{"describe-security-group-rules.json", "describe-security-groups.json"},
	} {
		t.Run(strings.Join(groups, "+"), func(t *testing.T) {
			var paths []string
			for _, f := range append(append([]string{}, common...), groups...) {
				paths = append(paths, "testdata/seed/"+f)
			}
			m, err := awsjson.Read(files(t, paths...), awsjson.Options{})
			require.NoError(t, err)
			assert.Empty(t, m.Warnings)
			got := m.Config
			assert.Equal(t, pfx("10.0.0.0/16"), got.CIDR)

			// The same rule sets. A security group's rules have no order
			// (SG-13); an ACL's are ordered by number (NACL-14).
			require.Len(t, got.SecurityGroups, len(want.SecurityGroups))
			for i, g := range want.SecurityGroups {
				assert.Equal(t, seedIDs[g.ID], got.SecurityGroups[i].ID)
				assert.ElementsMatch(t, g.Ingress, got.SecurityGroups[i].Ingress, g.ID)
				assert.ElementsMatch(t, g.Egress, got.SecurityGroups[i].Egress, g.ID)
			}
			require.Len(t, got.NetworkACLs, 1)
			require.Equal(t, vpc.DefaultACL, want.NetworkACLs[0].ID, "the lesson uses the implicit default ACL")
			assert.Equal(t, seedIDs["default"], got.NetworkACLs[0].ID)
			assert.ElementsMatch(t, want.NetworkACLs[0].Ingress, got.NetworkACLs[0].Ingress)
			assert.ElementsMatch(t, want.NetworkACLs[0].Egress, got.NetworkACLs[0].Egress)
			require.Len(t, got.Subnets, 1)
			assert.Equal(t, vpc.Subnet{ID: seedIDs["subnet-public"], CIDR: want.Subnets[0].CIDR, ACL: seedIDs["default"]}, got.Subnets[0])
			require.Len(t, got.Interfaces, 1)
			itf := want.Interfaces[0]
			itf.ID, itf.Subnet, itf.Groups, itf.Listening = seedIDs["eni-web"], seedIDs["subnet-public"], []string{seedIDs["sg-web"]}, nil
			assert.Equal(t, itf, got.Interfaces[0])

			// The same verdicts: the lesson's steps run through the
			// imported VPC. What the host listens on is not in AWS's
			// data; it comes from the lesson, as a user would add it.
			rep, err := scenario.Run(withVPC(lesson, got))
			require.NoError(t, err)
			require.Len(t, rep.Results, len(wantRep.Results))
			for i := range rep.Results {
				w, g := &wantRep.Results[i], &rep.Results[i]
				require.NoError(t, g.Err, "step %d", i)
				assert.Empty(t, g.Failures, "step %d: the lesson's expectation holds", i)
				if w.Attempt != nil {
					require.NotNil(t, g.Attempt, "step %d", i)
					assert.Equal(t, w.Attempt.Outcome, g.Attempt.Outcome, "step %d", i)
				}
				if wp := w.Deciding(); wp != nil {
					assert.Equal(t, sameWords(wp.Final), sameWords(g.Deciding().Final), "step %d: %s", i, g.Explain())
				}
			}
		})
	}
}

// sameWords is what a decision says but for which index of the rule set
// decided (the AWS output lists the group's rules in another order).
func sameWords(d flow.Decision) flow.Decision {
	d.Rule = 0
	return d
}

// withVPC returns the lesson with its VPC replaced by cfg (its ids
// mapped by seedIDs), keeping what the lesson's interfaces listen on.
func withVPC(lesson *scenario.File, cfg vpc.Config) *scenario.File {
	f := *lesson
	f.SecurityGroups, f.NetworkACLs, f.Subnets, f.Interfaces, f.PrefixLists = nil, nil, nil, nil, nil
	for _, g := range cfg.SecurityGroups {
		f.SecurityGroups = append(f.SecurityGroups, scenario.SecurityGroup{Group: g,
			IngressPos: make([]scenario.RulePos, len(g.Ingress)), EgressPos: make([]scenario.RulePos, len(g.Egress))})
	}
	for _, a := range cfg.NetworkACLs {
		f.NetworkACLs = append(f.NetworkACLs, scenario.NetworkACL{ACL: a})
	}
	for _, s := range cfg.Subnets {
		f.Subnets = append(f.Subnets, scenario.Subnet{Subnet: s})
	}
	imported := map[string]vpc.Interface{}
	for _, i := range cfg.Interfaces {
		imported[i.ID] = i
	}
	mapIface := func(i scenario.Interface) scenario.Interface {
		out := imported[seedIDs[i.ID]]
		out.Listening = i.Listening
		return scenario.Interface{Interface: out}
	}
	for _, i := range lesson.Interfaces {
		f.Interfaces = append(f.Interfaces, mapIface(i))
	}
	f.Steps = append([]scenario.Step(nil), lesson.Steps...)
	for i := range f.Steps {
		ch := &f.Steps[i].Change
		if len(ch.SecurityGroups)+len(ch.NetworkACLs)+len(ch.Subnets)+len(ch.PrefixLists) > 0 {
			panic("the seed lesson changes only interfaces")
		}
		ifs := ch.Interfaces
		ch.Interfaces = nil
		for _, x := range ifs {
			ch.Interfaces = append(ch.Interfaces, mapIface(x))
		}
	}
	return &f
}
