package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func specScenarios(t *testing.T) []string {
	files, err := filepath.Glob("../../scenario/testdata/*.yaml")
	require.NoError(t, err)
	lessons, err := filepath.Glob("../../examples/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return append(files, lessons...)
}

// records parses standard output as JSON lines.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		recs = append(recs, r)
	}
	return recs
}

// check exits 0 when every expectation holds, and says so on standard
// error; standard output stays empty.
func TestCheckPasses(t *testing.T) {
	code, out, errOut := pfsim(append([]string{"check"}, specScenarios(t)...)...)
	assert.Equal(t, exitOK, code, out+errOut)
	assert.Empty(t, out, "nothing failed, so nothing on standard output")
	assert.Contains(t, errOut, "17 files: 17 valid, 0 invalid, 0 unreadable;")
	assert.Contains(t, errOut, "all hold")
}

// A wrong expectation makes check exit 1 and names the step: file:line,
// its number, what was expected, what happened and why.
func TestCheckFailsOnWrongExpectation(t *testing.T) {
	code, out, errOut := pfsim("check", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1, "one line per failed expectation: %s", out)
	assert.True(t, strings.HasPrefix(lines[0], "testdata/wrong.yaml:11: step 2 at 1s: packet tcp 198.51.100.7:51235 > 10.0.1.10:443 [S]: expected allow, got drop; why: "), lines[0])
	assert.Contains(t, lines[0], "no rule allows tcp from 198.51.100.7 to port 443")
	assert.Equal(t, "pfsim check: 1 file: 1 valid, 0 invalid, 0 unreadable; 2 steps, 2 expectations: 1 failed\n", errOut)
}

// An invalid file exits 2 with FILE:LINE:COL and the field named, and
// nothing of it runs; the summary counts valid, invalid and unreadable
// files apart.
func TestCheckInvalidAndUnreadable(t *testing.T) {
	code, out, errOut := pfsim("check", "testdata/invalid.yaml", "testdata/wrong.yaml", "testdata/no-such-file.yaml")
	assert.Equal(t, exitInvalid, code, "the worst status wins")
	assert.Contains(t, out, "step 2 at 1s", "the valid file still runs")
	assert.Contains(t, errOut, "testdata/invalid.yaml:5:19: nacl acl-public ingress rule_no 32767: must be 1..32766")
	assert.Contains(t, errOut, "testdata/no-such-file.yaml: open: no such file or directory")
	assert.Contains(t, errOut, "pfsim check: 3 files: 1 valid, 1 invalid, 1 unreadable; 2 steps, 2 expectations: 1 failed")

	code, _, errOut = pfsim("check", "testdata/no-such-file.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "1 file: 0 valid, 0 invalid, 1 unreadable; nothing ran")
}

// check DIR runs the scenario files in the directory (*.yaml, *.yml,
// *.json), sorted, and not those of its subdirectories; a directory
// without any is an error.
func TestCheckDirectory(t *testing.T) {
	dir := t.TempDir()
	wrong, err := os.ReadFile("testdata/wrong.yaml")
	require.NoError(t, err)
	ok := "name: nothing to run\n"
	for name, data := range map[string]string{
		"b.yaml": string(wrong), "a.yml": ok, "c.json": `{"name": "json"}`, "notes.txt": "not a scenario", "sub/d.yaml": "{",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	code, out, errOut := pfsim("check", "--json", dir)
	assert.Equal(t, exitFailed, code, errOut)
	recs := records(t, out)
	var files []string
	for _, r := range recs {
		if r["type"] == "step" && !contains(files, r["file"].(string)) {
			files = append(files, r["file"].(string))
		}
	}
	assert.Equal(t, []string{filepath.Join(dir, "b.yaml")}, files)
	sum := recs[len(recs)-1]
	assert.Equal(t, "summary", sum["type"])
	assert.Equal(t, float64(3), sum["files"], "a.yml, b.yaml, c.json")
	assert.Equal(t, float64(3), sum["valid"])

	empty := t.TempDir()
	code, _, errOut = pfsim("check", empty)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "no scenario files (*.yaml, *.yml, *.json) in this directory")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --json: one record per line with a type; errors only as records (once,
// nothing on standard error); positions always there; at in seconds
// beside its text; ok only where something was expected.
func TestCheckJSON(t *testing.T) {
	code, out, errOut := pfsim("check", "--json", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code)
	assert.Empty(t, errOut)
	recs := records(t, out)
	require.Len(t, recs, 3)
	step1, step2, sum := recs[0], recs[1], recs[2]
	assert.Equal(t, "step", step1["type"])
	assert.Equal(t, float64(1), step1["step"])
	assert.Equal(t, float64(8), step1["line"])
	assert.Equal(t, float64(5), step1["col"])
	assert.Equal(t, float64(0), step1["at"])
	assert.Equal(t, "0s", step1["at_text"])
	assert.Equal(t, "allow", step1["result"])
	assert.Equal(t, "new", step1["conntrack"])
	assert.Equal(t, true, step1["ok"])
	assert.Len(t, step1["hops"], 2)
	assert.Equal(t, float64(1), step2["at"])
	assert.Equal(t, "drop", step2["result"])
	assert.Equal(t, "sg", step2["stage"])
	assert.Equal(t, false, step2["ok"])
	assert.Equal(t, []any{"expected allow, got drop"}, step2["failures"])
	assert.Equal(t, map[string]any{"type": "summary", "command": "check", "files": float64(1), "valid": float64(1), "invalid": float64(0),
		"unreadable": float64(0), "steps": float64(2), "expectations": float64(2), "failed": float64(1), "exit": float64(1)}, sum)

	// A step that expects nothing has no ok.
	code, out, _ = pfsim("check", "--json", "testdata/noexpect.yaml")
	assert.Equal(t, exitOK, code)
	recs = records(t, out)
	require.Equal(t, "step", recs[len(recs)-2]["type"])
	assert.NotContains(t, recs[len(recs)-2], "ok")

	// Errors: once, as records, with their positions and step.
	code, out, errOut = pfsim("check", "--json", "testdata/invalid.yaml", "testdata/badstep.yaml", "testdata/no-such-file.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, errOut, "with --json nothing is printed twice")
	recs = records(t, out)
	require.Len(t, recs, 5, out)
	assert.Equal(t, "warning", recs[0]["type"], "the ACL no subnet uses")
	assert.Equal(t, map[string]any{"type": "error", "kind": "invalid", "file": "testdata/invalid.yaml", "line": float64(5), "col": float64(19),
		"field": "network_acls[0].ingress[0].rule_no", "message": "nacl acl-public ingress rule_no 32767: must be 1..32766"}, recs[1])
	assert.Equal(t, "error", recs[2]["type"])
	assert.Equal(t, float64(2), recs[2]["step"], "the error is in step 2")
	assert.Equal(t, "steps[1].at", recs[2]["field"])
	assert.Equal(t, "step 2 (at 1s): at 1s: goes back in time: the step before is at 2s (line 8); steps are in the order of time", recs[2]["message"])
	assert.Equal(t, map[string]any{"type": "error", "kind": "unreadable", "file": "testdata/no-such-file.yaml", "line": float64(0), "col": float64(0),
		"message": "open: no such file or directory"}, recs[3])
	assert.Equal(t, "summary", recs[4]["type"])
	assert.Equal(t, float64(2), recs[4]["invalid"])
	assert.Equal(t, float64(1), recs[4]["unreadable"])

	// Warnings are records too.
	_, out, errOut = pfsim("check", "--json", "testdata/unused.yaml")
	assert.Empty(t, errOut)
	recs = records(t, out)
	require.NotEmpty(t, recs)
	assert.Equal(t, "warning", recs[0]["type"])
	assert.Contains(t, recs[0]["message"], "no subnet uses this network ACL")
	assert.Equal(t, float64(4), recs[0]["line"])
}
