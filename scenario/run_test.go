package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

func runFile(t *testing.T, path string) *Report {
	t.Helper()
	f, _, err := Load(path)
	require.NoError(t, err)
	rep, err := Run(f)
	require.NoError(t, err)
	return rep
}

// Every expectation of the spec's scenarios and of the lessons holds.
func TestRunScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	lessons, err := filepath.Glob("../examples/scenarios/*.yaml")
	require.NoError(t, err)
	files = append(files, lessons...)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep := runFile(t, path)
			for _, r := range rep.Results {
				assert.True(t, r.OK(), "%s: %s: %v %v\n%s", r.Step.Pos, r.Step.Kind, r.Failures, r.Err, r.Explain())
			}
			assert.Zero(t, rep.Failed())
		})
	}
}

// A wrong expectation fails, and says what was expected and what happened.
func TestRunReportsWrongExpectations(t *testing.T) {
	src := `
name: wrong expectations
security_groups:
  - id: sg-web
    ingress: [{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}]
network_acls:
  - id: acl-web
    ingress: [{rule_no: 100, action: allow, protocol: tcp, from_port: 80, to_port: 80, cidr_block: 0.0.0.0/0}]
subnets: [{id: s, cidr_block: 10.0.1.0/24, network_acl: acl-web}]
interfaces: [{id: eni-web, subnet: s, private_ips: [10.0.1.10], security_groups: [sg-web], listening: [tcp/80]}]
steps:
  - at: 0s
    packet: tcp 198.51.100.7:51234 > 10.0.1.10:80 [S]
    expect: drop
  - at: 1s
    packet: tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]
    expect: {verdict: drop, stage: nacl, acl: acl-web, direction: ingress, rule: "100"}
  - at: 2s
    connect: tcp 198.51.100.7 > 10.0.1.10:80
    expect: connected
  - at: 3s
    packet: tcp 198.51.100.7:51235 > 10.0.1.10:80 [S]
    expect: {verdict: allow, conntrack: untracked}
`
	f, _, err := Parse("wrong.yaml", []byte(src))
	require.NoError(t, err)
	rep, err := Run(f)
	require.NoError(t, err)
	require.Len(t, rep.Results, 4)
	assert.Equal(t, 4, rep.Failed())
	assert.Equal(t, []string{"expected drop, got allow"}, rep.Results[0].Failures)
	assert.Equal(t, []string{"expected direction ingress, got egress", "expected rule 100, got *"}, rep.Results[1].Failures)
	assert.Equal(t, []string{"expected connected, got timeout"}, rep.Results[2].Failures)
	assert.Equal(t, []string{"expected conntrack untracked, got new"}, rep.Results[3].Failures)
	assert.Equal(t, 15, rep.Results[1].Step.Pos.Line, "the step's own line")
	cause := rep.Results[2].Deciding()
	require.NotNil(t, cause)
	assert.Equal(t, flow.StageNACL, cause.Final.Stage, "the connect's cause is the ACL's drop of the SYN-ACK")
	assert.True(t, strings.HasPrefix(rep.Results[2].Explain(), "timeout"))
}
