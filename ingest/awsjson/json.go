package awsjson

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/pfsim/pfsim/ingest/source"
)

// This file reads a JSON document (RFC 8259) into a small tree whose
// every value knows where it starts, so that a problem found later can be
// reported at FILE:LINE:COL. A syntax error is reported at the character
// that breaks it. String tokens are decoded by encoding/json once their
// extent is known, so escapes mean exactly what they mean there.

// maxDepth bounds how deeply values nest. AWS's describe outputs nest six
// levels at most; the bound keeps a hostile input from using the stack.
const maxDepth = 64

type valueKind uint8

const (
	kindNull valueKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k valueKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "a list"
	}
	return "an object"
}

// value is one JSON value and where it starts.
type value struct {
	kind valueKind
	off  int    // byte offset of its first character in the file
	text string // a string's contents, a number's digits
	b    bool
	// elems holds an array's elements; keys and vals an object's members,
	// in the order of the file (keys[i] names vals[i]).
	elems []*value
	keys  []string
	koffs []int // where each key starts
	vals  []*value
}

// field returns the member named key of an object, or nil.
func (v *value) field(key string) *value {
	if v == nil || v.kind != kindObject {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// doc is a parsed file: its tree and what turns offsets into positions.
type doc struct {
	name  string
	data  []byte
	root  *value
	lines []int // offset of the start of each line
	// cps are checkpoints every few KB, so that the column of an offset
	// on a long line (minified JSON is one line) is counted from the
	// nearest one, not from the line's start.
	cps []checkpoint
}

// checkpoint records, at an offset where a character starts, how many
// characters precede it on its line.
type checkpoint struct{ off, col int }

// cpEvery is the distance between checkpoints, in bytes.
const cpEvery = 4096

// index finds the lines and sets the checkpoints: O(len(data)).
func (d *doc) index() {
	d.lines = []int{0}
	for i, c := range d.data {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	last, col := 0, 0
	for next := cpEvery; next < len(d.data); next += cpEvery {
		p := next
		for p < len(d.data) && !utf8.RuneStart(d.data[p]) {
			p++
		}
		if p >= len(d.data) {
			break
		}
		if nl := bytes.LastIndexByte(d.data[last:p], '\n'); nl >= 0 {
			col = utf8.RuneCount(d.data[last+nl+1 : p])
		} else {
			col += utf8.RuneCount(d.data[last:p])
		}
		d.cps = append(d.cps, checkpoint{off: p, col: col})
		last, next = p, p
	}
}

// pos returns the position of the byte at off: line and column from 1,
// the column counted in characters.
func (d *doc) pos(off int) source.Pos {
	off = max(0, min(off, len(d.data)))
	line, _ := slices.BinarySearch(d.lines, off+1) // lines starting at or before off
	line--
	start := d.lines[line]
	col := 0
	if k, _ := slices.BinarySearchFunc(d.cps, off+1, func(c checkpoint, t int) int { return cmp.Compare(c.off, t) }); k > 0 && d.cps[k-1].off >= start {
		col, start = d.cps[k-1].col, d.cps[k-1].off
	}
	return source.Pos{File: d.name, Line: line + 1, Col: col + utf8.RuneCount(d.data[start:off]) + 1}
}

// at returns the position of v, or of the file's start when v is nil.
func (d *doc) at(v *value) source.Pos {
	if v == nil {
		return source.Pos{File: d.name, Line: 1, Col: 1}
	}
	return d.pos(v.off)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// parse reads data as one JSON document. A problem of the syntax is
// returned as a *source.Error at the offending character.
func parse(name string, data []byte) (*doc, *source.Error) {
	data = bytes.TrimPrefix(data, bom) // Windows tools write one; JSON has none
	d := &doc{name: name, data: data}
	d.index()
	if len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
		return nil, &source.Error{Pos: d.pos(0), Msg: "the file is UTF-16 text (as Windows PowerShell's > writes it); JSON must be UTF-8",
			Hint: "convert it, or write it with Out-File -Encoding utf8"}
	}
	s := &scanner{d: d, data: data}
	s.space()
	if s.off == len(data) {
		return nil, &source.Error{Pos: d.pos(0), Msg: "the file is empty"}
	}
	root, err := s.value(0)
	if err != nil {
		return nil, err
	}
	if s.space(); s.off < len(data) {
		return nil, s.fail("invalid JSON: more after the end of the document: " + s.describe())
	}
	d.root = root
	return d, nil
}

// scanner walks the bytes of a document.
type scanner struct {
	d    *doc
	data []byte
	off  int
}

func (s *scanner) space() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\r', '\n':
			s.off++
		default:
			return
		}
	}
}

// fail returns an error at the current offset.
func (s *scanner) fail(msg string) *source.Error {
	return &source.Error{Pos: s.d.pos(s.off), Msg: msg}
}

// describe names the character at the current offset for a message.
func (s *scanner) describe() string {
	if s.off >= len(s.data) {
		return "the end of the file"
	}
	r, _ := utf8.DecodeRune(s.data[s.off:])
	switch {
	case r == utf8.RuneError:
		return fmt.Sprintf("byte 0x%02x", s.data[s.off])
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf("character U+%04X", r)
	}
	return strconv.QuoteRune(r)
}

// want reports that the character at the current offset is not one of
// what the grammar wants there.
func (s *scanner) want(what string) *source.Error {
	if s.off >= len(s.data) {
		return s.fail("invalid JSON: the document ends too early: want " + what)
	}
	msg := "invalid JSON: want " + what + ", not " + s.describe()
	if s.data[s.off] == '\'' {
		msg += " (JSON strings take double quotes)"
	}
	return s.fail(msg)
}

func (s *scanner) value(depth int) (*value, *source.Error) {
	s.space()
	v := &value{off: s.off}
	if s.off >= len(s.data) {
		return nil, s.want("a value")
	}
	switch c := s.data[s.off]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return nil, s.fail("invalid input: values nested more than " + strconv.Itoa(maxDepth) + " deep")
		}
		if c == '[' {
			return v, s.array(v, depth)
		}
		return v, s.object(v, depth)
	case c == '"':
		v.kind = kindString
		str, err := s.str()
		v.text = str
		return v, err
	case c == '-' || c >= '0' && c <= '9':
		v.kind = kindNumber
		return v, s.number(v)
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [...]struct {
			word string
			kind valueKind
			b    bool
		}{{"true", kindBool, true}, {"false", kindBool, false}, {"null", kindNull, false}} {
			if bytes.HasPrefix(s.data[s.off:], []byte(lit.word)) {
				v.kind, v.b = lit.kind, lit.b
				s.off += len(lit.word)
				return v, nil
			}
		}
	}
	return nil, s.want("a value")
}

func (s *scanner) array(v *value, depth int) *source.Error {
	v.kind = kindArray
	s.off++ // [
	s.space()
	if s.off < len(s.data) && s.data[s.off] == ']' {
		s.off++
		return nil
	}
	for {
		e, err := s.value(depth + 1)
		if err != nil {
			return err
		}
		v.elems = append(v.elems, e)
		s.space()
		if s.off >= len(s.data) {
			return s.want("',' or ']'")
		}
		switch s.data[s.off] {
		case ']':
			s.off++
			return nil
		case ',':
			comma := s.off
			s.off++
			s.space()
			if s.off < len(s.data) && s.data[s.off] == ']' {
				s.off = comma
				return s.fail("invalid JSON: a comma after the last element of a list (JSON allows none)")
			}
		default:
			return s.want("',' or ']' after an element of a list")
		}
	}
}

func (s *scanner) object(v *value, depth int) *source.Error {
	v.kind = kindObject
	s.off++ // {
	s.space()
	if s.off < len(s.data) && s.data[s.off] == '}' {
		s.off++
		return nil
	}
	for {
		s.space()
		if s.off >= len(s.data) || s.data[s.off] != '"' {
			return s.want("a field name in double quotes")
		}
		koff := s.off
		key, err := s.str()
		if err != nil {
			return err
		}
		for i, k := range v.keys {
			if k == key {
				s.off = koff
				return s.fail("invalid input: field " + strconv.Quote(key) + " given twice in one object (first at " +
					s.d.pos(v.koffs[i]).String() + ")")
			}
		}
		s.space()
		if s.off >= len(s.data) || s.data[s.off] != ':' {
			return s.want("':' after the field name")
		}
		s.off++
		e, err := s.value(depth + 1)
		if err != nil {
			return err
		}
		v.keys, v.koffs, v.vals = append(v.keys, key), append(v.koffs, koff), append(v.vals, e)
		s.space()
		if s.off >= len(s.data) {
			return s.want("',' or '}'")
		}
		switch s.data[s.off] {
		case '}':
			s.off++
			return nil
		case ',':
			comma := s.off
			s.off++
			s.space()
			if s.off < len(s.data) && s.data[s.off] == '}' {
				s.off = comma
				return s.fail("invalid JSON: a comma after the last field of an object (JSON allows none)")
			}
		default:
			return s.want("',' or '}' after a field's value")
		}
	}
}

// str reads a string token and decodes it.
func (s *scanner) str() (string, *source.Error) {
	start := s.off
	s.off++       // "
	plain := true // no escapes
	for s.off < len(s.data) {
		switch c := s.data[s.off]; {
		case c == '"':
			s.off++
			if raw := s.data[start+1 : s.off-1]; plain && utf8.Valid(raw) {
				return string(raw), nil // nothing to decode
			}
			var out string
			if err := json.Unmarshal(s.data[start:s.off], &out); err != nil {
				s.off = start
				return "", s.fail("invalid JSON: a string that cannot be decoded: " + err.Error())
			}
			return out, nil
		case c == '\\':
			plain = false
			s.off++
			if s.off >= len(s.data) {
				return "", s.want("an escape")
			}
			switch s.data[s.off] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.off++
			case 'u':
				s.off++
				for range 4 {
					if s.off >= len(s.data) || !isHex(s.data[s.off]) {
						return "", s.want("four hexadecimal digits after \\u")
					}
					s.off++
				}
			default:
				return "", s.want("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
			}
		case c < 0x20:
			return "", s.fail("invalid JSON: " + s.describe() + " inside a string (write it escaped)")
		default:
			s.off++
		}
	}
	s.off = start
	return "", s.fail("invalid JSON: a string that never ends")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number token: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
func (s *scanner) number(v *value) *source.Error {
	start := s.off
	digits := func() *source.Error {
		if s.off >= len(s.data) || !isDigit(s.data[s.off]) {
			return s.want("a digit")
		}
		for s.off < len(s.data) && isDigit(s.data[s.off]) {
			s.off++
		}
		return nil
	}
	if s.data[s.off] == '-' {
		s.off++
	}
	if s.off < len(s.data) && s.data[s.off] == '0' {
		s.off++
	} else if err := digits(); err != nil {
		return err
	}
	if s.off < len(s.data) && s.data[s.off] == '.' {
		s.off++
		if err := digits(); err != nil {
			return err
		}
	}
	if s.off < len(s.data) && (s.data[s.off] == 'e' || s.data[s.off] == 'E') {
		s.off++
		if s.off < len(s.data) && (s.data[s.off] == '+' || s.data[s.off] == '-') {
			s.off++
		}
		if err := digits(); err != nil {
			return err
		}
	}
	v.text = string(s.data[start:s.off])
	return nil
}
