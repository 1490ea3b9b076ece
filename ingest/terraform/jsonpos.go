package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/zclconf/go-cty/cty"
)

// A jnode is a JSON value with the offset where it starts, so that a
// message can point at it. encoding/json reads the tokens; the offsets
// come from Decoder.InputOffset.
type jnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	off   int
	str   string // a string, or a number's text
	b     bool
	keys  []string // an object's keys, in order
	vals  []*jnode // an object's values, as keys
	elems []*jnode // an array's elements
}

// maxDepth bounds the nesting of a JSON document the reader accepts: a
// plan nests a few levels per module, far fewer than this.
const maxDepth = 512

// parseJSON reads a whole JSON document.
func parseJSON(data []byte) (*jnode, error) {
	p := &jparser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	off := p.start()
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.errorAt(off, errors.New("data after the JSON document"))
	}
	return n, nil
}

type jparser struct {
	data []byte
	dec  *json.Decoder
}

// jsonError is a syntax error at a byte offset.
type jsonError struct {
	off int
	err error
}

func (e *jsonError) Error() string { return e.err.Error() }

func (p *jparser) errorAt(off int, err error) error { return &jsonError{off: off, err: err} }

// start returns the offset of the next token: past white space and the
// separators the decoder has not consumed yet.
func (p *jparser) start() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jparser) token() (json.Token, int, error) {
	off := p.start()
	t, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, int(se.Offset), p.errorAt(int(se.Offset), err)
		}
		if err == io.EOF {
			err = errors.New("unexpected end of JSON input")
		}
		return nil, off, p.errorAt(off, err)
	}
	return t, off, nil
}

func (p *jparser) value(depth int) (*jnode, error) {
	t, off, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.node(t, off, depth)
}

func (p *jparser) node(t json.Token, off, depth int) (*jnode, error) {
	if depth > maxDepth {
		return nil, p.errorAt(off, fmt.Errorf("nested more than %d levels deep", maxDepth))
	}
	n := &jnode{off: off}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			n.kind = 'o'
			for {
				t, koff, err := p.token()
				if err != nil {
					return nil, err
				}
				if d, ok := t.(json.Delim); ok && d == '}' {
					return n, nil
				}
				k, ok := t.(string)
				if !ok {
					return nil, p.errorAt(koff, errors.New("an object key must be a string"))
				}
				val, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, val)
			}
		case '[':
			n.kind = 'a'
			for {
				t, eoff, err := p.token()
				if err != nil {
					return nil, err
				}
				if d, ok := t.(json.Delim); ok && d == ']' {
					return n, nil
				}
				e, err := p.node(t, eoff, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
		default:
			return nil, p.errorAt(off, fmt.Errorf("unexpected %q", rune(v)))
		}
	case string:
		n.kind, n.str = 's', v
	case json.Number:
		n.kind, n.str = 'n', string(v)
	case bool:
		n.kind, n.b = 'b', v
	case nil:
		n.kind = 'z'
	}
	return n, nil
}

// get returns the value of key in an object, or nil.
func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- { // the last one wins, as in encoding/json
		if n.keys[i] == key {
			return n.vals[i]
		}
	}
	return nil
}

// path follows keys through nested objects.
func (n *jnode) path(keys ...string) *jnode {
	for _, k := range keys {
		n = n.get(k)
	}
	return n
}

func (n *jnode) isStr() bool { return n != nil && n.kind == 's' }

func (n *jnode) text() string {
	if n == nil || (n.kind != 's' && n.kind != 'n') {
		return ""
	}
	return n.str
}

// isTrue reports whether n is the JSON value true.
func (n *jnode) isTrue() bool { return n != nil && n.kind == 'b' && n.b }

// cty converts n to a cty value: objects to objects, arrays to tuples.
func (n *jnode) cty() cty.Value {
	switch n.kind {
	case 'o':
		if len(n.keys) == 0 {
			return cty.EmptyObjectVal
		}
		m := make(map[string]cty.Value, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].cty()
		}
		return cty.ObjectVal(m)
	case 'a':
		if len(n.elems) == 0 {
			return cty.EmptyTupleVal
		}
		es := make([]cty.Value, len(n.elems))
		for i, e := range n.elems {
			es[i] = e.cty()
		}
		return cty.TupleVal(es)
	case 's':
		return cty.StringVal(n.str)
	case 'n':
		v, err := cty.ParseNumberVal(n.str)
		if err != nil {
			return cty.StringVal(n.str)
		}
		return v
	case 'b':
		return cty.BoolVal(n.b)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}

// lines converts byte offsets of one file to positions.
type lines struct {
	name  string
	data  []byte
	start []int
}

func newLines(name string, data []byte) *lines {
	l := &lines{name: name, data: data, start: []int{0}}
	for i, c := range data {
		if c == '\n' {
			l.start = append(l.start, i+1)
		}
	}
	return l
}

// pos returns the position of offset off: line and column from 1, the
// column counted in characters.
func (l *lines) pos(off int) source.Pos {
	off = max(0, min(off, len(l.data)))
	i := sort.Search(len(l.start), func(i int) bool { return l.start[i] > off }) - 1
	return source.Pos{File: l.name, Line: i + 1, Col: utf8.RuneCount(l.data[l.start[i]:off]) + 1}
}
