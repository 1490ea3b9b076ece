package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Where a syntax error is.
//
// The YAML library reports a syntax error at the line where the block or
// flow collection that holds the bad token starts ("line 2: did not find
// expected '-' indicator" for a key mis-indented on line 4), and some
// errors at no line at all ("mapping values are not allowed in this
// context"). It keeps the bad token's position to itself. The parser is a
// stream parser: it fails at the first token it cannot use, and what comes
// after that token never changes the error. So the bad token is where a
// prefix of the document starts to fail with the very same error: the
// first line whose inclusion makes the prefix fail so, then the first
// character on that line. A cut inside a multi-line flow collection or
// quoted string can fail on its own (the stream ends inside it); when
// that failure reads the same as the real one, the position found lies
// between the collection's start, which the library reports, and the bad
// token: never further from it than the library's line.
//
// A JSON document (one that starts with { or [) that the YAML parser
// refuses is read again by encoding/json, whose errors carry the byte
// offset of the bad character.

// maxLocate bounds the size of a document whose YAML syntax errors are
// located by parsing prefixes: about 2·log2(lines) parses of up to the
// whole document.
const maxLocate = 4 << 20

// yamlError returns the first error reading data as a scenario does (one
// document, then nothing but an empty one), or nil.
func yamlError(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeNode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	var extra yaml.Node
	if err := decodeNode(dec, &extra); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// syntaxPos finds the line and column of the token that makes data fail
// with the YAML error msg (see above); ok is false when it cannot.
func syntaxPos(data []byte, msg string) (line, col int, ok bool) {
	if len(data) > maxLocate {
		return 0, 0, false
	}
	fails := func(n int) bool {
		err := yamlError(data[:n])
		return err != nil && err.Error() == msg
	}
	// ends[i] is the offset just past line i+1, its newline included.
	var ends []int
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	if !fails(len(data)) {
		return 0, 0, false
	}
	// The first line whose end makes the prefix fail.
	lo, hi := 0, len(ends)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(ends[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start := 0
	if lo > 0 {
		start = ends[lo-1]
	}
	// The first character of that line whose inclusion makes it fail.
	text := data[start:ends[lo]]
	var cuts []int // cuts[c] is the offset just past the line's (c+1)th character
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if r == '\n' || r == '\r' {
			break
		}
		i += size
		cuts = append(cuts, start+i)
	}
	c, h := 0, len(cuts)
	for c < h {
		mid := (c + h) / 2
		if fails(cuts[mid]) {
			h = mid
		} else {
			c = mid + 1
		}
	}
	// c == len(cuts): only the line's end makes it fail; point just past
	// its last character.
	if strings.Contains(msg, "unknown anchor") && len(cuts) > 0 {
		// The alias is read whole before it is looked up: point at its *.
		if i := bytes.LastIndexByte(data[start:cuts[min(c, len(cuts)-1)]], '*'); i >= 0 {
			c = utf8.RuneCount(data[start : start+i])
		}
	}
	return lo + 1, c + 1, true
}

// looksJSON reports whether data starts, after white space, as a JSON
// object or array does.
func looksJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// jsonSyntax returns the position and message of the first JSON syntax
// error in data; ok is false when data is valid JSON.
func jsonSyntax(data []byte) (line, col int, msg string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		// One value, then only white space.
		if _, err = dec.Token(); errors.Is(err, io.EOF) {
			return 0, 0, "", false
		}
		if err == nil {
			off := int(dec.InputOffset())
			line, col = offsetPos(data, max(off-1, 0))
			return line, col, "a second JSON value after the document", true
		}
	}
	// The stream ended too soon: at its last character.
	off := len(bytes.TrimRight(data, " \t\r\n")) - 1
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset) - 1 // Offset counts the bad byte
	}
	line, col = offsetPos(data, max(off, 0))
	return line, col, strings.TrimPrefix(err.Error(), "json: "), true
}

// offsetPos turns a byte offset of data into a line and a column, both
// from 1, the column counting characters.
func offsetPos(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[lineStart:]) + 1
}
