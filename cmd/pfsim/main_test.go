package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pfsim(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e, false)
	return code, o.String(), e.String()
}

func specScenarios(t *testing.T) []string {
	files, err := filepath.Glob("../../scenario/testdata/*.yaml")
	require.NoError(t, err)
	lessons, err := filepath.Glob("../../examples/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return append(files, lessons...)
}

// check exits 0 when every expectation holds.
func TestCheckPasses(t *testing.T) {
	code, out, errOut := pfsim(append([]string{"check"}, specScenarios(t)...)...)
	assert.Equal(t, exitOK, code, out+errOut)
	assert.Empty(t, out, "nothing failed, so nothing on standard output")
	assert.Contains(t, errOut, "all expectations hold")
}

// A wrong expectation makes check exit 1 and names the step: file:line,
// what was expected, what happened and why.
func TestCheckFailsOnWrongExpectation(t *testing.T) {
	code, out, errOut := pfsim("check", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1, "one line per failed expectation: %s", out)
	assert.True(t, strings.HasPrefix(lines[0], "testdata/wrong.yaml:11: step 2 at 1s: packet tcp 198.51.100.7:51235 > 10.0.1.10:443 [S]: expected allow, got drop; why: "), lines[0])
	assert.Contains(t, lines[0], "no rule allows tcp from 198.51.100.7 to port 443")
	assert.Contains(t, errOut, "1 failed")
}

// An invalid file exits 2 with FILE:LINE:COL and the field named, and
// nothing of it runs.
func TestCheckInvalidFile(t *testing.T) {
	code, _, errOut := pfsim("check", "testdata/invalid.yaml", "testdata/wrong.yaml")
	assert.Equal(t, exitInvalid, code, "the worst status wins")
	assert.Contains(t, errOut, "testdata/invalid.yaml:5:")
	assert.Contains(t, errOut, "rule_no 32767: must be 1..32766")
	assert.Contains(t, errOut, "some files are invalid")

	code, _, errOut = pfsim("check", "testdata/no-such-file.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "no-such-file.yaml")
}

// --json writes one record per step, with the verdict and the reasons.
func TestCheckJSON(t *testing.T) {
	code, out, _ := pfsim("check", "--json", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var recs []record
	for _, l := range lines {
		var r record
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		recs = append(recs, r)
	}
	assert.Equal(t, "allow", recs[0].Result)
	assert.Equal(t, "new", recs[0].Conntrack)
	assert.True(t, recs[0].OK)
	assert.Len(t, recs[0].Hops, 2)
	assert.Equal(t, "drop", recs[1].Result)
	assert.Equal(t, "sg", recs[1].Stage)
	assert.Equal(t, "ingress", recs[1].Direction)
	assert.False(t, recs[1].OK)
	assert.Equal(t, []string{"expected allow, got drop"}, recs[1].Failures)

	code, out, _ = pfsim("check", "testdata/invalid.yaml", "--json")
	assert.Equal(t, exitInvalid, code)
	var bad map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &bad))
	assert.Equal(t, float64(5), bad["line"])
}

// trace shows every step with its verdict and explanation; colour only
// when asked for (or on a terminal).
func TestTrace(t *testing.T) {
	code, out, _ := pfsim("trace", "../../scenario/testdata/02-nacl-forgot-ephemeral-ports.yaml")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "dropped by network ACL acl-web egress rule * (default deny)")
	assert.Contains(t, out, "✓ as expected")
	assert.NotContains(t, out, "\x1b[")

	_, out, _ = pfsim("trace", "--color=always", "testdata/wrong.yaml")
	assert.Contains(t, out, "\x1b[31m")
	assert.Contains(t, out, "✗ expected allow, got drop")
}

// Help and usage errors.
func TestUsage(t *testing.T) {
	code, out, _ := pfsim("--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "pfsim check")
	code, out, _ = pfsim("check", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Exit status")
	code, _, errOut := pfsim("check")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "no scenario file")
	code, _, errOut = pfsim("frobnicate")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "unknown command")
	code, _, errOut = pfsim("trace", "--color=pink", "x.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "--color")
}

// The README shows `pfsim trace` of the seed's web server; it must be what
// the command prints today.
func TestREADMETrace(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	const begin = "<!-- trace:begin examples/scenarios/01-seed-web-server.yaml -->\n```text\n$ pfsim trace examples/scenarios/01-seed-web-server.yaml\n"
	i := strings.Index(s, begin)
	require.GreaterOrEqual(t, i, 0, "README has the trace block")
	j := strings.Index(s[i:], "```\n<!-- trace:end -->")
	require.Greater(t, j, 0)
	shown := s[i+len(begin) : i+j]

	t.Chdir("../..")
	code, out, _ := pfsim("trace", "examples/scenarios/01-seed-web-server.yaml")
	require.Equal(t, exitOK, code)
	assert.Equal(t, out, shown)
}

// trace --tables lists each interface's tracked connections after every
// step; --json carries them too.
func TestTraceTables(t *testing.T) {
	code, out, _ := pfsim("trace", "--tables", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "tables:\n      eni-web: tcp 198.51.100.7:51234 > 10.0.1.10:80 SYN_SENT, opened 0s ago, expires in 2m0s")
	assert.Contains(t, out, "opened 1s ago, expires in 1m59s", "the same entry one step later")

	_, out, _ = pfsim("trace", "--tables", "--json", "testdata/wrong.yaml")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var r record
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &r))
	require.Len(t, r.Tables, 1)
	assert.Equal(t, connRecord{Interface: "eni-web", Flow: "tcp 198.51.100.7:51234 > 10.0.1.10:80", State: "SYN_SENT",
		Opened: "1s", Expires: "1m59s"}, r.Tables[0])

	_, _, errOut := pfsim("check", "--tables", "testdata/wrong.yaml")
	assert.Contains(t, errOut, "unknown flag --tables", "a trace flag")
}
