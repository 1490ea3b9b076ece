package awsjson

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/ingest/source"
)

// Every value knows where it starts, in characters from 1.
func TestParsePositions(t *testing.T) {
	d, err := parse("f.json", []byte("{\n  \"é\": [1, \"x\",\n\t{\"k\": null}],\r\n  \"b\": true\n}"))
	require.Nil(t, err)
	require.Equal(t, kindObject, d.root.kind)
	assert.Equal(t, source.Pos{File: "f.json", Line: 1, Col: 1}, d.at(d.root))
	arr := d.root.field("é")
	require.NotNil(t, arr)
	assert.Equal(t, source.Pos{File: "f.json", Line: 2, Col: 8}, d.at(arr), "columns count characters: é is one")
	require.Len(t, arr.elems, 3)
	assert.Equal(t, source.Pos{File: "f.json", Line: 2, Col: 12}, d.at(arr.elems[1]))
	assert.Equal(t, "x", arr.elems[1].text)
	assert.Equal(t, source.Pos{File: "f.json", Line: 3, Col: 2}, d.at(arr.elems[2]), "a tab is one character")
	assert.Equal(t, kindNull, arr.elems[2].field("k").kind)
	b := d.root.field("b")
	assert.Equal(t, source.Pos{File: "f.json", Line: 4, Col: 8}, d.at(b))
	assert.True(t, b.b)
}

// A syntax error is reported at the character that breaks the document,
// in words that say what was wanted.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in       string
		line     int
		col      int
		contains string
	}{
		// The AWS CLI documentation's own mistakes.
		{"{\n  \"a\": 1,\n}", 2, 9, "a comma after the last field"},
		{`[1, 2, ]`, 1, 6, "a comma after the last element"},
		{`{"a": 'x'}`, 1, 7, "JSON strings take double quotes"},
		// Other breaks.
		{``, 1, 1, "the file is empty"},
		{"  \n ", 1, 1, "the file is empty"},
		{`{"a": 1`, 1, 8, "ends too early"},
		{`{"a" 1}`, 1, 6, "want ':'"},
		{`{"a": 1 "b": 2}`, 1, 9, "want ',' or '}'"},
		{`[1 2]`, 1, 4, "want ',' or ']'"},
		{`{"a": tru}`, 1, 7, "want a value"},
		{`{"a": 01}`, 1, 8, "want ',' or '}'"},
		{`{"a": -}`, 1, 8, "want a digit"},
		{`{"a": 1.}`, 1, 9, "want a digit"},
		{`{"a": "\x"}`, 1, 9, "want an escape"},
		{`{"a": "\u12G4"}`, 1, 12, "hexadecimal"},
		{"{\"a\": \"x\ny\"}", 1, 9, "inside a string"},
		{`{"a": "never`, 1, 7, "never ends"},
		{`{} {}`, 1, 4, "more after the end"},
		{`{1: 2}`, 1, 2, "a field name in double quotes"},
		{`{"a": 1, "a": 2}`, 1, 10, `"a" given twice in one object (first at f.json:1:2)`},
		{strings.Repeat("[", 70) + strings.Repeat("]", 70), 1, 65, "nested more than 64 deep"},
		{"\xff\xfe{\x00", 1, 1, "UTF-16"},
	} {
		_, err := parse("f.json", []byte(tc.in))
		require.NotNil(t, err, "%q", tc.in)
		assert.Equal(t, source.Pos{File: "f.json", Line: tc.line, Col: tc.col}, err.Pos, "%q: %s", tc.in, err.Msg)
		assert.Contains(t, err.Msg, tc.contains, "%q", tc.in)
	}
}

// A UTF-8 byte order mark, which some Windows tools write, is skipped.
func TestParseBOM(t *testing.T) {
	d, err := parse("f.json", []byte("\xef\xbb\xbf{\"a\": 1}"))
	require.Nil(t, err)
	assert.Equal(t, "1", d.root.field("a").text)
	assert.True(t, Is([]byte("\xef\xbb\xbf{\"Subnets\": []}")))
}

// plain turns a parsed value into what encoding/json's Unmarshal makes
// of the same text (numbers as exact rationals, to compare them exactly).
func plain(v *value) any {
	switch v.kind {
	case kindNull:
		return nil
	case kindBool:
		return v.b
	case kindNumber:
		r, ok := new(big.Rat).SetString(v.text)
		if !ok {
			return "bad number " + v.text
		}
		return r.String()
	case kindString:
		return v.text
	case kindArray:
		out := []any{}
		for _, e := range v.elems {
			out = append(out, plain(e))
		}
		return out
	}
	out := map[string]any{}
	for i, k := range v.keys {
		out[k] = plain(v.vals[i])
	}
	return out
}

func plainJSON(x any) any {
	switch x := x.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return "bad number " + string(x)
		}
		return r.String()
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, plainJSON(e))
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plainJSON(e)
		}
		return out
	}
	return x
}

// hasDupKeys reports whether a valid JSON text repeats a key in an object,
// which encoding/json accepts and this reader refuses.
func hasDupKeys(data []byte) bool {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next token is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].obj {
			if stack[n-1].key {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:n-1]
					goto next
				}
				k := tok.(string)
				if stack[n-1].keys[k] {
					return true
				}
				stack[n-1].keys[k] = true
				stack[n-1].key = false
				continue
			}
			stack[n-1].key = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, keys: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	next:
	}
}

// FuzzParse holds the scanner to encoding/json: it accepts exactly the
// valid JSON documents (less those that repeat a key or nest deeper than
// maxDepth) and reads the same values; it never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a": [1, -2.5e3, "x\u00e9\n", true, false, null, {}]}`, `[]`, `"s"`, `0`, `{"a":1,}`, `{"a": 'x'}`} {
		f.Add([]byte(s))
	}
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parse("f", data)
		trimmed := trimBOM(data)
		valid := json.Valid(trimmed)
		if err != nil {
			if err.Msg == "" || err.Pos.Line < 1 || err.Pos.Col < 1 {
				t.Fatalf("%q: error without a message or position: %+v", data, err)
			}
			if valid && !hasDupKeys(trimmed) && !strings.Contains(err.Msg, "nested more than") && !strings.Contains(err.Msg, "UTF-16") {
				t.Fatalf("%q: valid JSON refused: %s", data, err.Msg)
			}
			return
		}
		if !valid {
			t.Fatalf("%q: invalid JSON accepted", data)
		}
		dec := json.NewDecoder(strings.NewReader(string(trimmed)))
		dec.UseNumber()
		var want any
		if e := dec.Decode(&want); e != nil {
			t.Fatalf("%q: encoding/json: %v", data, e)
		}
		if got, w := plain(d.root), plainJSON(want); !assert.ObjectsAreEqual(w, got) {
			t.Fatalf("%q: read %#v, encoding/json %#v", data, got, w)
		}
	})
}

// addFixtures seeds a fuzzer with every JSON file of testdata.
func addFixtures(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.json")
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
}

// The checkpoints that make positions fast on long lines give the
// positions that counting from the line's start gives, for any bytes.
func TestPosCheckpoints(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pieces := []string{"a", " ", "\n", "é", "€", "😀", "\xff", "\xe2\x82", "\x80", strings.Repeat("x", 1000), strings.Repeat("ü", 700)}
		var b strings.Builder
		for range rapid.IntRange(0, 200).Draw(t, "pieces") {
			b.WriteString(rapid.SampledFrom(pieces).Draw(t, "piece"))
		}
		data := []byte(b.String())
		d := &doc{name: "f", data: data}
		d.index()
		for range 20 {
			off := rapid.IntRange(0, len(data)).Draw(t, "off")
			line := 1 + bytes.Count(data[:off], []byte("\n"))
			start := bytes.LastIndexByte(data[:off], '\n') + 1
			want := source.Pos{File: "f", Line: line, Col: utf8.RuneCount(data[start:off]) + 1}
			if got := d.pos(off); got != want {
				t.Fatalf("offset %d of %d bytes: %v, want %v", off, len(data), got, want)
			}
		}
	})
}
