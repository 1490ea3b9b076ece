package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schema of the --json records, as docs/json.md states it: for each
// record type, its fields, each with its kind and whether it is always
// there. A record with a field the schema does not know, without one it
// requires, or with a value of another kind, fails. The schema is small
// enough to check by hand; a JSON Schema library would add a dependency
// for what these few lines do.

// kind is the kind of a field's value.
type kind struct {
	name   string          // "string", "int", "number", "bool", "array", "object"
	elem   *kind           // an array's elements
	fields map[string]spec // an object's fields
	enum   []string        // the strings allowed, if limited
	min    *float64        // the least number allowed
}

type spec struct {
	kind     kind
	required bool
}

func atLeast(min float64) *float64 { return &min }

var (
	str       = kind{name: "string"}
	posInt    = kind{name: "int", min: atLeast(1)}
	natInt    = kind{name: "int", min: atLeast(0)}
	seconds_  = kind{name: "number", min: atLeast(0)}
	boolean   = kind{name: "bool"}
	strings_  = kind{name: "array", elem: &str}
	verdicts  = kind{name: "string", enum: []string{"allow", "drop"}}
	stages    = kind{name: "string", enum: []string{"nacl", "sg"}}
	dirs      = kind{name: "string", enum: []string{"ingress", "egress"}}
	conntrack = kind{name: "string", enum: []string{"new", "established", "untracked", "exempt"}}
)

func req(k kind) spec { return spec{kind: k, required: true} }
func opt(k kind) spec { return spec{kind: k} }

func object(fields map[string]spec) kind { return kind{name: "object", fields: fields} }
func array(k kind) kind                  { return kind{name: "array", elem: &k} }

var hopKind = object(map[string]spec{
	"interface": req(str), "subnet": req(str), "stage": req(stages), "direction": req(dirs), "verdict": req(verdicts),
	"acl": opt(str), "rule": opt(str), "group": opt(str), "conntrack": opt(conntrack), "explanation": req(str),
})

var packetKind = object(map[string]spec{
	"packet": req(str), "verdict": req(verdicts), "explanation": req(str), "hops": req(array(hopKind)),
})

// decisionSpecs are the fields that sum a decision up, in step and answer
// records.
var decisionSpecs = map[string]spec{
	"stage": opt(stages), "acl": opt(str), "direction": opt(dirs), "rule": opt(str), "group": opt(str),
	"conntrack": opt(conntrack), "conn_state": opt(str),
}

func with(base map[string]spec, more map[string]spec) map[string]spec {
	out := map[string]spec{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

var schema = map[string]kind{
	"step": object(with(decisionSpecs, map[string]spec{
		"type": req(str), "file": req(str), "line": req(posInt), "col": req(posInt), "step": req(posInt),
		"at": req(seconds_), "at_text": req(str),
		"kind":   req(kind{name: "string", enum: []string{"packet", "connect", "change"}}),
		"input":  req(str),
		"result": req(kind{name: "string", enum: []string{"allow", "drop", "connected", "refused", "timeout", "applied", "error"}}),
		"ok":     opt(boolean), "failures": opt(strings_), "explanation": req(str), "error": opt(str),
		"hops": opt(array(hopKind)), "packets": opt(array(packetKind)),
		"changes": opt(array(object(map[string]spec{
			"kind": req(kind{name: "string", enum: []string{"security group", "network ACL"}}), "id": req(str),
			"added": req(strings_), "removed": req(strings_),
		}))),
		"tables": opt(array(object(map[string]spec{
			"interface": req(str), "flow": req(str), "state": req(str), "age": req(seconds_), "age_text": req(str),
			"expires_in": req(seconds_), "expires_in_text": req(str),
		}))),
	})),
	"error": object(map[string]spec{
		"type": req(str), "kind": req(kind{name: "string", enum: []string{"invalid", "unreadable"}}),
		"file": req(str), "line": req(natInt), "col": req(natInt), "step": opt(posInt), "field": opt(str), "message": req(str),
	}),
	"warning": object(map[string]spec{
		"type": req(str), "file": req(str), "line": req(posInt), "col": req(posInt), "message": req(str),
	}),
	"summary": object(map[string]spec{
		"type": req(str), "command": req(kind{name: "string", enum: []string{"check", "trace"}}),
		"files": req(natInt), "valid": req(natInt), "invalid": req(natInt), "unreadable": req(natInt),
		"steps": req(natInt), "expectations": req(natInt), "failed": req(natInt), "exit": req(kind{name: "int", enum: nil, min: atLeast(0)}),
	}),
	"answer": object(with(decisionSpecs, map[string]spec{
		"type": req(str), "file": req(str), "at": req(seconds_), "at_text": req(str), "steps_run": req(natInt),
		"kind": req(kind{name: "string", enum: []string{"packet", "connect"}}), "input": req(str),
		"result":      req(kind{name: "string", enum: []string{"allow", "drop", "connected", "refused", "timeout"}}),
		"explanation": req(str), "hops": opt(array(hopKind)), "packets": opt(array(packetKind)),
	})),
}

// validate returns what is wrong with value v against kind k, at path.
func validate(path string, v any, k kind) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	switch k.name {
	case "string":
		s, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
		} else if k.enum != nil && !slices.Contains(k.enum, s) {
			bad("%q is not one of %v", s, k.enum)
		}
	case "int", "number":
		n, ok := v.(float64)
		switch {
		case !ok:
			bad("want a number, got %T", v)
		case k.name == "int" && n != float64(int64(n)):
			bad("want a whole number, got %v", n)
		case k.min != nil && n < *k.min:
			bad("%v is less than %v", n, *k.min)
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			bad("want true or false, got %T", v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			break
		}
		for i, e := range a {
			errs = append(errs, validate(fmt.Sprintf("%s[%d]", path, i), e, *k.elem)...)
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			break
		}
		for name, f := range m {
			s, known := k.fields[name]
			if !known {
				bad("unknown field %q", name)
				continue
			}
			errs = append(errs, validate(path+"."+name, f, s.kind)...)
		}
		for name, s := range k.fields {
			if _, there := m[name]; s.required && !there {
				bad("missing field %q", name)
			}
		}
	}
	return errs
}

// checkRecord validates one line of --json output; it returns the record.
func checkRecord(t *testing.T, line string) map[string]any {
	t.Helper()
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &r), line)
	typ, _ := r["type"].(string)
	k, ok := schema[typ]
	require.True(t, ok, "record type %q is not in the schema: %s", typ, line)
	assert.Empty(t, validate(typ, r, k), line)
	// What the schema's kinds cannot say.
	if f, ok := r["failures"].([]any); ok && len(f) > 0 {
		assert.Equal(t, false, r["ok"], "a step with failures is not ok: %s", line)
	}
	if typ == "step" && r["result"] == "error" {
		assert.Equal(t, false, r["ok"], line)
		assert.NotEmpty(t, r["error"], line)
	}
	if typ == "error" && r["kind"] == "invalid" {
		assert.GreaterOrEqual(t, r["line"], float64(1), "an invalid file's error has a position: %s", line)
		assert.GreaterOrEqual(t, r["col"], float64(1), line)
	}
	return r
}

// Every record the lessons produce, with check and with trace --tables,
// and those of errors, warnings and answers, follows the schema. A step
// carries ok exactly when it expects something.
func TestJSONSchemaLessons(t *testing.T) {
	lessons, err := filepath.Glob("../../examples/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, lessons)
	types := map[string]int{}
	for _, args := range [][]string{
		append([]string{"check", "--json"}, lessons...),
		append([]string{"trace", "--json", "--tables"}, lessons...),
		{"check", "--json", "testdata/invalid.yaml", "testdata/badstep.yaml", "testdata/nope.yaml", "testdata/unused.yaml", "testdata/wipe.yaml", "testdata/noexpect.yaml"},
		{"send", "--json", "testdata/wrong.yaml", "tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]"},
		{"connect", "--json", "testdata/wrong.yaml", "tcp 198.51.100.7 > 10.0.1.10:443"},
		{"connect", "--json", "testdata/wrong.yaml", "icmp 198.51.100.7 > 10.0.1.10"},
	} {
		_, out, errOut := pfsim(args...)
		assert.Empty(t, errOut, "with --json everything is a record: %v", args)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.NotEmpty(t, lines)
		for _, l := range lines {
			r := checkRecord(t, l)
			types[r["type"].(string)]++
		}
	}
	for typ := range schema {
		assert.Positive(t, types[typ], "no %s record was checked", typ)
	}

	// ok is there exactly when the step expects something.
	_, out, _ := pfsim("check", "--json", "testdata/noexpect.yaml", "testdata/wrong.yaml")
	recs := records(t, out)
	require.Len(t, recs, 4)
	assert.NotContains(t, recs[0], "ok")
	assert.Contains(t, recs[1], "ok")
}

// The schema rejects what it should: the checker itself can fail.
func TestJSONSchemaRejects(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"type":"warning","file":"a","line":1,"col":1}`, `missing field "message"`},
		{`{"type":"warning","file":"a","line":1,"col":1,"message":"m","extra":1}`, `unknown field "extra"`},
		{`{"type":"warning","file":"a","line":0,"col":1,"message":"m"}`, "less than 1"},
		{`{"type":"summary","command":"check","files":1.5,"valid":1,"invalid":0,"unreadable":0,"steps":0,"expectations":0,"failed":0,"exit":0}`, "whole number"},
		{`{"type":"answer","file":"a","at":"1s","at_text":"1s","steps_run":0,"kind":"packet","input":"x","result":"allow","explanation":""}`, "want a number"},
		{`{"type":"answer","file":"a","at":1,"at_text":"1s","steps_run":0,"kind":"packet","input":"x","result":"maybe","explanation":""}`, `"maybe" is not one of`},
	} {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(tc.line), &r))
		errs := validate(r["type"].(string), r, schema[r["type"].(string)])
		assert.Contains(t, strings.Join(errs, "\n"), tc.want, tc.line)
	}
}

// docs/json.md documents every field of every record type, and its
// examples follow the schema.
func TestJSONDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	require.NoError(t, err)
	text := string(doc)
	var names []string
	var walk func(k kind)
	walk = func(k kind) {
		for name, s := range k.fields {
			names = append(names, name)
			walk(s.kind)
		}
		if k.elem != nil {
			walk(*k.elem)
		}
	}
	for typ, k := range schema {
		assert.Contains(t, text, "`\""+typ+"\"`", "the record type %s", typ)
		walk(k)
	}
	sort.Strings(names)
	for _, n := range slices.Compact(names) {
		assert.Contains(t, text, "`"+n+"`", "the field %s is documented", n)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(text, -1)
	require.NotEmpty(t, blocks, "json.md has an example")

	// The example is what the commands it shows print today.
	var got strings.Builder
	for _, args := range [][]string{
		{"check", "--json", "testdata/wrong.yaml"},
		{"check", "--json", "testdata/unused.yaml", "testdata/badstep.yaml", "testdata/nope.yaml"},
		{"send", "--json", "--at", "0s", "testdata/wrong.yaml", "tcp 198.51.100.7:51236 > 10.0.1.10:22 [S]"},
	} {
		_, out, _ := pfsim(args...)
		got.WriteString(out)
	}
	assert.Equal(t, got.String(), blocks[0][1], "docs/json.md's example")
	n := 0
	for _, b := range blocks {
		for _, l := range strings.Split(strings.TrimSpace(b[1]), "\n") {
			checkRecord(t, l)
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 5)
}
