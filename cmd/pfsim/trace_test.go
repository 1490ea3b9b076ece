package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trace shows every step under column headers, with a legend for the TCP
// flags, then each step as "step N at T" with the stages its packets
// met; colour only when asked for (or on a terminal).
func TestTrace(t *testing.T) {
	code, out, errOut := pfsim("trace", "../../scenario/testdata/02-nacl-forgot-ephemeral-ports.yaml")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "STEP  AT ")
	assert.Contains(t, out, "RESULT")
	assert.Contains(t, out, "EXPECTATION\n")
	assert.Contains(t, out, flagsLegend)
	assert.Contains(t, out, "dropped by network ACL acl-web egress rule * (default deny)")
	assert.Contains(t, out, "✓ as expected")
	assert.Contains(t, out, "\nstep 1 at 0s: ")
	assert.NotContains(t, out, "[1]", "one numbering of steps")
	assert.NotContains(t, out, "\x1b[")
	assert.Contains(t, errOut, "pfsim trace: 1 file: 1 valid")

	_, out, _ = pfsim("trace", "--color=always", "testdata/wrong.yaml")
	assert.Contains(t, out, "\x1b[31m")
	assert.Contains(t, out, "✗ expected allow, got drop")
	_, out, _ = pfsim("trace", "--color=never", "testdata/wrong.yaml")
	assert.NotContains(t, out, "\x1b[")
}

// --color alone means always, and never takes the next argument, the
// file, as its value; auto colours a terminal unless NO_COLOR is set.
func TestTraceColorFlag(t *testing.T) {
	code, out, errOut := pfsim("trace", "--color", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code, errOut)
	assert.Contains(t, out, "\x1b[31m")
	assert.Contains(t, out, "testdata/wrong.yaml: an expectation that does not hold")

	for _, tc := range []struct {
		name    string
		tty     bool
		noColor string
		want    bool
	}{
		{"a terminal", true, "", true},
		{"a terminal with NO_COLOR", true, "1", false},
		{"a pipe", false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o, e strings.Builder
			t.Setenv("NO_COLOR", tc.noColor)
			run([]string{"trace", "testdata/wrong.yaml"}, &o, &e, tc.tty)
			assert.Equal(t, tc.want, strings.Contains(o.String(), "\x1b["))
		})
	}
}

// A connect step shows each packet of the exchange with every filter it
// met: the ACL rule and the group that passed it.
func TestTraceConnectStages(t *testing.T) {
	_, out, _ := pfsim("trace", "../../examples/scenarios/02-stateless-acl-return-ports.yaml")
	i := strings.Index(out, "\nstep ") // the details, after the table
	require.GreaterOrEqual(t, i, 0)
	detail := out[i:]
	j := strings.Index(detail, ": connect ")
	require.GreaterOrEqual(t, j, 0, "a connect step in the details")
	block := detail[j:]
	if k := strings.Index(block[1:], "\nstep "); k >= 0 {
		block = block[:k+1]
	}
	assert.Contains(t, block, "[S]: allow\n        ")
	assert.Contains(t, block, "nacl ingress: allowed by network ACL")
	assert.Contains(t, block, "sg ingress: allowed by security group")
}

// trace --tables lists each interface's tracked connections after every
// step; --json carries them too, with ages in seconds.
func TestTraceTables(t *testing.T) {
	code, out, _ := pfsim("trace", "--tables", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "tables:\n      eni-web: tcp 198.51.100.7:51234 > 10.0.1.10:80 SYN_SENT, opened 0s ago, expires in 2m0s")
	assert.Contains(t, out, "opened 1s ago, expires in 1m59s", "the same entry one step later")

	_, out, _ = pfsim("trace", "--tables", "--json", "testdata/wrong.yaml")
	recs := records(t, out)
	require.Len(t, recs, 3)
	assert.Equal(t, []any{map[string]any{"interface": "eni-web", "flow": "tcp 198.51.100.7:51234 > 10.0.1.10:80", "state": "SYN_SENT",
		"age": float64(1), "age_text": "1s", "expires_in": float64(119), "expires_in_text": "1m59s"}}, recs[1]["tables"])

	_, out, _ = pfsim("trace", "--json", "testdata/wrong.yaml")
	assert.NotContains(t, records(t, out)[0], "tables", "only with --tables")
}

// A time far in the future is refused when the file is read, so that
// trace --tables never shows a negative expiry.
func TestTraceTimeBound(t *testing.T) {
	code, _, errOut := pfsim("trace", "--tables", "testdata/faraway.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "testdata/faraway.yaml:9:9: step 1: at 2562047h: more than 876000h (100 years) after the start")
}

// A change shows what it added and removed, and warns when leaving out a
// direction wipes its rules.
func TestTraceChange(t *testing.T) {
	code, out, errOut := pfsim("trace", "testdata/wipe.yaml")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "testdata/wipe.yaml:15:11: warning: nacl acl-web: this change gives no ingress rules")
	assert.Contains(t, out, "step 1 at 1s: change acl-web\n    network ACL acl-web replaced (applies to the next packet)\n      + egress 110 allow tcp 1024-65535 0.0.0.0/0\n      - ingress 100 allow tcp 80 0.0.0.0/0\n")

	_, out, _ = pfsim("trace", "--json", "testdata/wipe.yaml")
	recs := records(t, out)
	require.Equal(t, "warning", recs[0]["type"])
	assert.Equal(t, []any{map[string]any{"kind": "network ACL", "id": "acl-web",
		"added": []any{"egress 110 allow tcp 1024-65535 0.0.0.0/0"}, "removed": []any{"ingress 100 allow tcp 80 0.0.0.0/0"}}}, recs[1]["changes"])
}
