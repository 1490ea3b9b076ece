package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The records of replay, as docs/json.md states them (the schema of
// json_test.go's kinds).
var (
	distKind = object(map[string]spec{"n": req(natInt), "mean": req(seconds_), "median": req(seconds_),
		"p90": req(seconds_), "p99": req(seconds_), "max": req(seconds_)})
	replaySchema = map[string]kind{
		"capture": object(map[string]spec{"type": req(str), "input": req(str), "format": req(str), "vpc": req(str),
			"packets": req(natInt), "allowed": req(natInt), "dropped": req(natInt), "exempt": req(natInt),
			"not_ip": req(natInt), "malformed": req(natInt), "no_interface": req(natInt), "out_of_order": req(natInt),
			"no_time": req(natInt), "skipped_examples": opt(strings_), "first": opt(str), "last": opt(str), "error": opt(str)}),
		"drops": object(map[string]spec{"type": req(str), "interface": req(str), "stage": req(str), "direction": req(dirs),
			"reason": req(str), "filter": req(str), "rule": req(str), "rule_text": req(str), "packets": req(posInt),
			"example": req(str), "what": req(str)}),
		"drop": object(map[string]spec{"type": req(str), "packet_number": req(posInt), "time": req(str), "packet": req(str),
			"why": req(str)}),
		"flow": object(map[string]spec{"type": req(str), "flow": req(str), "packets": req(posInt), "bytes": req(natInt),
			"allowed": req(natInt), "dropped": req(natInt), "uncounted_at_most": req(natInt)}),
		"disagreement": object(map[string]spec{"type": req(str), "file": req(str), "line": req(posInt), "record": req(str),
			"interface": req(str), "direction": req(dirs), "logged": req(kind{name: "string", enum: []string{"ACCEPT", "REJECT"}}),
			"played": req(posInt), "allowed": req(natInt), "dropped": req(natInt), "packet": req(str), "why": req(str)}),
		"invalid": object(map[string]spec{"type": req(str), "error": req(str)}),
		"flow-log": object(map[string]spec{"type": req(str), "input": req(str), "records": req(natInt),
			"replayed": req(natInt), "packets": req(natInt), "agree": req(natInt), "disagree": req(natInt),
			"nodata": req(natInt), "skipdata": req(natInt), "unknown_interface": req(natInt), "not_interface": req(natInt),
			"incomplete": req(natInt), "invalid": req(natInt), "flows": req(natInt), "durations_s": req(distKind),
			"packets_per_flow": req(distKind), "idle_gaps_s": req(distKind), "idle_gaps_over_timeout": req(natInt),
			"error": opt(str)}),
	}
)

// replayRecords parses one JSON record per line and checks each against
// replaySchema; a summary is checked as the kind of input it sums up.
func replayRecords(t *testing.T, out, summary string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		typ, _ := r["type"].(string)
		key := typ
		if typ == "summary" {
			key = summary
		}
		k, ok := replaySchema[key]
		require.True(t, ok, "record type %q is not in the schema: %s", typ, l)
		assert.Empty(t, validate(key, r, k), l)
		seen[typ]++
	}
	return seen
}

// Every record replay --json writes, for a capture and for a flow log,
// has the fields docs/json.md gives it, and nothing else.
func TestReplayJSONSchema(t *testing.T) {
	code, out, errOut := pfsim("replay", "--json", "--vpc", pingLesson, pingCapture(t, false))
	require.Equal(t, exitOK, code, errOut)
	seen := replayRecords(t, out, "capture")
	assert.Equal(t, map[string]int{"summary": 1, "drops": 1, "drop": 3, "flow": 1}, seen)

	// A flow log whose ping replies AWS logged as accepted: pfsim, whose
	// ACL drops them, disagrees.
	log := strings.Replace(pingLog(t), "REJECT", "ACCEPT", 1)
	code, out, errOut = pfsim("replay", "--json", "--vpc", pingLesson, writeTemp(t, "ping.log", []byte(log), false))
	require.Equal(t, exitFailed, code, errOut)
	seen = replayRecords(t, out, "flow-log")
	assert.Equal(t, map[string]int{"disagreement": 1, "summary": 1}, seen)

	// A line that is not a record: the input is invalid.
	code, out, _ = pfsim("replay", "--json", "--vpc", pingLesson, writeTemp(t, "bad.log", []byte(pingLog(t)+"2 not a record\n"), false))
	require.Equal(t, exitInvalid, code)
	seen = replayRecords(t, out, "flow-log")
	assert.Equal(t, 1, seen["invalid"], out)
}

// docs/json.md documents every record of replay and every field.
func TestReplayJSONDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	require.NoError(t, err)
	text := string(doc)
	i := strings.Index(text, "## The records of `replay`")
	require.GreaterOrEqual(t, i, 0, "docs/json.md has a section on replay")
	text = text[i:]
	var walk func(k kind)
	walk = func(k kind) {
		for name, s := range k.fields {
			assert.True(t, strings.Contains(text, "`"+name+"`"), "the field %s is documented", name)
			walk(s.kind)
		}
	}
	for typ, k := range replaySchema {
		if typ != "capture" && typ != "flow-log" {
			assert.True(t, strings.Contains(text, "`\""+typ+"\"`"), "the record type %s is documented", typ)
		}
		walk(k)
	}
}
