package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/scenario"
)

// Step.Input is the action as written, and Result.Word the one word of its
// result, for each kind of step.
func TestStepInputAndResultWord(t *testing.T) {
	const file = `name: the words of each kind of step
security_groups:
  - {id: sg-web, ingress: [{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}]}
  - {id: sg-two}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-web, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web], listening: [tcp/80]}
steps:
  - at: 0s
    packet: tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]
  - at: 1s
    packet: tcp 198.51.100.7:50001 > 10.0.1.10:22 [S]
  - at: 2s
    connect: tcp 198.51.100.7 > 10.0.1.10:80
  - at: 3s
    change:
      security_groups: [{id: sg-two}]
      interfaces: [{id: eni-web, security_groups: [sg-web, sg-two]}]
`
	f, _, err := scenario.Parse("words.yaml", []byte(file))
	require.NoError(t, err)
	rep, err := scenario.Run(f)
	require.NoError(t, err)
	require.Len(t, rep.Results, 4)
	for i, want := range []struct{ input, word string }{
		{"tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", "allow"},
		{"tcp 198.51.100.7:50001 > 10.0.1.10:22 [S]", "drop"},
		{"tcp 198.51.100.7 > 10.0.1.10:80", "connected"},
		{"sg-two, eni-web", "applied"},
	} {
		r := &rep.Results[i]
		assert.Equal(t, want.input, r.Step.Input(), "step %d", i+1)
		assert.Equal(t, want.word, r.Word(), "step %d", i+1)
	}
	failed := scenario.Result{Err: assert.AnError}
	assert.Equal(t, "error", failed.Word())
}
