package scenario

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits that keep Parse's work proportional to its input. A YAML alias
// lets a small file name a large subtree many times ("billion laughs");
// decoding stops once it has visited baseVisits nodes plus visitsPerByte
// per byte of input: far more than a file without aliases has (each of
// its nodes takes a byte at least), and room for a lot of sharing. A
// hopeless file stops at maxErrors errors.
const (
	baseVisits    = 100_000
	visitsPerByte = 4
	maxErrors     = 200
	// maxMergeDepth bounds `<<` merge keys that merge maps that merge maps;
	// an anchor can merge itself.
	maxMergeDepth = 16
)

// decoder walks the YAML node tree and collects errors and warnings.
type decoder struct {
	file   string
	errs   []*Error
	warns  []Warning
	visits int // nodes visited so far
	budget int // nodes that may be visited
	// stopped says why decoding gave up, once it has: from then on errors
	// are no longer recorded and every node reads as absent, so the walk
	// finishes quickly without descending further.
	stopped string
}

// stop gives up decoding, for the reason given (the first one counts).
func (d *decoder) stop(why string) {
	if d.stopped == "" {
		d.stopped = why
	}
}

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// failAt records an error.
func (d *decoder) failAt(p Pos, field, msg string) {
	if d.stopped != "" {
		return
	}
	d.errs = append(d.errs, &Error{Pos: p, Field: field, Msg: msg})
	if len(d.errs) >= maxErrors {
		d.stop("too many errors; stopped")
	}
}

// warnAt records a warning.
func (d *decoder) warnAt(p Pos, msg string) {
	d.warns = append(d.warns, Warning{Pos: p, Msg: msg})
}

// resolve follows an alias to the node it names and counts the visit.
// Once decoding has stopped, or the visit budget is spent, it returns nil.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	if d.stopped != "" {
		return nil
	}
	d.visits++
	if d.visits > d.budget {
		d.stop("the document is too large once its aliases are expanded")
		return nil
	}
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

var yamlLine = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// readYAML parses data as one YAML document and returns its root node,
// or nil when there is none (after recording why).
func (d *decoder) readYAML(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeNode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.failAt(Pos{File: d.file, Line: 1, Col: 1}, "", "the file is empty: a scenario needs at least a name")
			return nil
		}
		d.syntax(data, err)
		return nil
	}
	var extra yaml.Node
	switch err := decodeNode(dec, &extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntax(data, err)
	default:
		if len(extra.Content) > 0 && !isNull(extra.Content[0]) {
			d.failAt(d.pos(&extra), "", "a second YAML document: a scenario file holds exactly one")
		}
	}
	if len(doc.Content) == 0 {
		d.failAt(Pos{File: d.file, Line: 1, Col: 1}, "", "the file is empty: a scenario needs at least a name")
		return nil
	}
	return doc.Content[0]
}

// decodeNode decodes the next document, turning a panic of the YAML
// library into an error: Parse must not panic on any input.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("yaml: cannot parse the document")
		}
	}()
	return dec.Decode(n)
}

// syntax records a syntax error at the token that is wrong: for a JSON
// document, as encoding/json finds it; otherwise where a prefix of the
// document starts to fail with the same YAML error (see syntax.go), or,
// failing that, at the line the YAML library names.
func (d *decoder) syntax(data []byte, err error) {
	if looksJSON(data) {
		if line, col, msg, ok := jsonSyntax(data); ok {
			d.failAt(Pos{File: d.file, Line: line, Col: col}, "", "JSON syntax: "+msg)
			return
		}
	}
	msg := err.Error()
	p := Pos{File: d.file}
	if line, col, ok := syntaxPos(data, msg); ok {
		p.Line, p.Col = line, col
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if p.Line == 0 {
			p.Line, _ = strconv.Atoi(m[1])
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	msg += syntaxHint(msg)
	if p.Line == 0 {
		p.Line, p.Col = 1, 1
	}
	d.failAt(p, "", "YAML syntax: "+msg)
}

// syntaxHint returns a hint for the YAML errors that usually come from
// one mistake, or "".
func syntaxHint(msg string) string {
	switch msg {
	case "did not find expected '-' indicator", "did not find expected key":
		return " (is this line indented like the fields or list items beside it?)"
	case "mapping values are not allowed in this context":
		return " (a second ': ' on one line: quote a value that holds one, or indent a nested mapping on its own line)"
	case "found character that cannot start any token":
		return " (YAML indents with spaces, never tabs; quote a value that starts with @ or `)"
	}
	return ""
}

// obj is a YAML mapping being decoded: its fields by name, and how to name
// it in messages.
type obj struct {
	d    *decoder
	n    *yaml.Node
	path string // the path of the mapping: "network_acls[0]"
	ctx  string // the words naming it in messages: "nacl acl-web"
	keys map[string]*yaml.Node
	vals map[string]*yaml.Node // resolved values; null values are absent
	// suggested holds the known fields that an unknown one was taken for
	// ("did you mean"): their absence is not reported again.
	suggested map[string]bool
}

// object reads n as a mapping with the given known fields. It reports a
// value that is not a mapping, keys that are not names, repeated keys
// and unknown keys, and returns nil only for a value that is not a
// mapping. `<<` merge keys are honoured: fields written in the mapping
// win over merged ones.
func (d *decoder) object(n *yaml.Node, path, ctx string, known []string) *obj {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.failAt(d.pos(n), path, prefix(ctx)+"want a mapping of fields ("+strings.Join(known, ", ")+"), not "+describe(n))
		return nil
	}
	o := &obj{d: d, n: n, path: path, ctx: ctx, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	o.collect(n, known, true, 0)
	return o
}

// peek returns the value of field key of the mapping n, resolved, before
// n is read as an object: it lets messages about n's other fields name n
// by its id.
func (d *decoder) peek(n *yaml.Node, key string) *yaml.Node {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return d.resolve(n.Content[i+1])
		}
	}
	return nil
}

// named returns the words naming a declaration in messages: its kind and,
// when n has a usable one, its id ("security group sg-web").
func (d *decoder) named(n *yaml.Node, kind string) string {
	v := d.peek(n, "id")
	if v == nil || v.Kind != yaml.ScalarNode || isNull(v) || checkID(v.Value) != "" {
		return kind
	}
	return kind + " " + v.Value
}

// collect adds the fields of mapping n to o. explicit is false for a
// mapping merged in with `<<`, whose fields yield to those already there;
// depth counts nested merges.
func (o *obj) collect(n *yaml.Node, known []string, explicit bool, depth int) {
	d := o.d
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		v := n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode || isNull(k) {
			d.failAt(d.pos(k), o.path, prefix(o.ctx)+"a field name must be a plain word, not "+describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		name := k.Value
		if first, dup := o.keys[name]; dup {
			if explicit {
				d.failAt(d.pos(k), o.field(name), prefix(o.ctx)+name+": given twice (first at "+
					strconv.Itoa(first.Line)+":"+strconv.Itoa(first.Column)+")")
			}
			continue
		}
		if !slices.Contains(known, name) {
			hint := suggest(name, known, true)
			if name == "subnet_ids" && strings.HasPrefix(o.ctx, "nacl") {
				// aws_network_acl's subnet_ids: here the link is the subnet's.
				hint = ": a scenario links an ACL to its subnets the other way, in each subnet's network_acl field " +
					"(subnets: [{id: subnet-a, cidr_block: 10.0.1.0/24, network_acl: THIS-ACL}])"
			}
			d.failAt(d.pos(k), o.field(name), prefix(o.ctx)+"unknown field "+strconv.Quote(name)+hint)
			if best := closest(name, known); best != "" {
				if o.suggested == nil {
					o.suggested = map[string]bool{}
				}
				o.suggested[best] = true
			}
			continue
		}
		o.keys[name] = k
		if !isNull(v) {
			o.vals[name] = d.resolve(v)
		}
	}
	for _, m := range merges {
		if depth >= maxMergeDepth {
			d.failAt(d.pos(m), o.path, prefix(o.ctx)+"<<: merges nested too deep")
			return
		}
		m = d.resolve(m)
		var srcs []*yaml.Node
		switch {
		case m != nil && m.Kind == yaml.MappingNode:
			srcs = []*yaml.Node{m}
		case m != nil && m.Kind == yaml.SequenceNode:
			for _, s := range m.Content {
				srcs = append(srcs, d.resolve(s))
			}
		}
		for _, s := range srcs {
			if s == nil || s.Kind != yaml.MappingNode {
				d.failAt(d.pos(s), o.path, prefix(o.ctx)+"<<: want a mapping or a list of mappings to merge, not "+describe(s))
				continue
			}
			o.collect(s, known, false, depth+1)
		}
		if len(srcs) == 0 {
			d.failAt(d.pos(m), o.path, prefix(o.ctx)+"<<: want a mapping or a list of mappings to merge, not "+describe(m))
		}
	}
}

// field returns the path of the field key.
func (o *obj) field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// has reports whether the field is present with a non-null value.
func (o *obj) has(key string) bool { return o.vals[key] != nil }

// val returns the field's resolved value, nil when absent or null.
func (o *obj) val(key string) *yaml.Node { return o.vals[key] }

// fail records a problem of the field key whose value (or one element of
// it) is n: "CTX: KEY VALUE: PROBLEM".
func (o *obj) fail(key string, n *yaml.Node, problem string) {
	o.failPath(o.field(key), key, n, problem)
}

// failPath is fail with an explicit path (a list element's).
func (o *obj) failPath(path, key string, n *yaml.Node, problem string) {
	s := prefix(o.ctx) + key
	if v := show(n); v != "" {
		s += " " + v
	}
	o.d.failAt(o.d.pos(n), path, s+": "+problem)
}

// missing records that a required field is absent, at the mapping,
// unless an unknown field was reported as a likely misspelling of it.
func (o *obj) missing(key, hint string) {
	if o.suggested[key] {
		return
	}
	msg := prefix(o.ctx) + key + ": required"
	if hint != "" {
		msg += " (" + hint + ")"
	}
	o.d.failAt(o.d.pos(o.n), o.field(key), msg)
}

// at returns the position of the field's value, or of the mapping when
// the field is absent.
func (o *obj) at(key string) Pos {
	if n := o.val(key); n != nil {
		return o.d.pos(n)
	}
	return o.d.pos(o.n)
}

// scalar returns the field's value if it is a single value; nil when
// absent or (after an error) not a scalar.
func (o *obj) scalar(key string) *yaml.Node {
	n := o.val(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		o.fail(key, n, "want a single value, not "+describe(n))
		return nil
	}
	return n
}

// str returns the field as a string; ok is false when it is absent or
// not a single value.
func (o *obj) str(key string) (string, *yaml.Node, bool) {
	n := o.scalar(key)
	if n == nil {
		return "", nil, false
	}
	return n.Value, n, true
}

// integer returns the field as a whole number; ok is false when it is
// absent or not a whole number (reported).
func (o *obj) integer(key string) (int, *yaml.Node, bool) {
	n := o.scalar(key)
	if n == nil {
		return 0, nil, false
	}
	v, ok := intValue(n)
	if !ok {
		msg := "want a whole number"
		if strings.TrimLeft(strings.TrimSpace(n.Value), "+-0123456789_") == "" {
			msg = "out of range"
		}
		o.fail(key, n, msg)
		return 0, n, false
	}
	return v, n, true
}

// boolean returns the field as true or false.
func (o *obj) boolean(key string) (bool, *yaml.Node, bool) {
	n := o.scalar(key)
	if n == nil {
		return false, nil, false
	}
	var b bool
	if n.Tag != "!!bool" || n.Decode(&b) != nil {
		o.fail(key, n, "want true or false")
		return false, n, false
	}
	return b, n, true
}

// list returns the elements of a list field, resolved; ok is false when
// absent or not a list (reported).
func (o *obj) list(key string) ([]*yaml.Node, bool) {
	n := o.val(key)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		msg := "want a list, not " + describe(n)
		if n.Kind == yaml.ScalarNode && !isNull(n) {
			msg += ": write [" + n.Value + "]"
		}
		o.fail(key, n, msg)
		return nil, false
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		out[i] = o.d.resolve(e)
	}
	return out, true
}

// elem returns the path of element i of the list field key.
func (o *obj) elem(key string, i int) string { return o.field(key) + "[" + strconv.Itoa(i) + "]" }

// intValue reads a scalar as a whole number: a YAML integer, or a string
// holding a decimal one ("80"), as Terraform accepts.
func intValue(n *yaml.Node) (int, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.Tag {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil || v < -1<<31 || v > 1<<31-1 {
			return 0, false
		}
		return int(v), true
	case "!!str":
		v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 32)
		if err != nil {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}

// elemString returns a list element as a string, reporting one that is
// not a single value.
func (o *obj) elemString(key string, i int, n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		o.failPath(o.elem(key, i), key, n, "want a single value, not "+describe(n))
		return "", false
	}
	return n.Value, true
}

// prefix returns ctx followed by ": ", or nothing when ctx is empty.
func prefix(ctx string) string {
	if ctx == "" {
		return ""
	}
	return ctx + ": "
}

// show renders a scalar value for a message: as written when it is a
// plain word, quoted otherwise, shortened when long; "" for anything else.
func show(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return ""
	}
	v := n.Value
	if utf8.RuneCountInString(v) > 48 {
		r := []rune(v)
		v = string(r[:45]) + "..."
	}
	if v == "" || strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '"'
	}) >= 0 {
		return strconv.Quote(v)
	}
	return v
}

// describe names the kind of a node for "want X, not Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil || n.Kind == 0:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "null"
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

// suggest returns " (did you mean X?)" for the known word closest to w,
// or, when none is close and list is set, the known words.
func suggest(w string, known []string, list bool) string {
	best := closest(w, known)
	switch {
	case best != "":
		return " (did you mean " + best + "?)"
	case list && len(known) > 0:
		return "; known fields: " + strings.Join(known, ", ")
	}
	return ""
}

// closest returns the known word that w is likely a misspelling of, or "".
func closest(w string, known []string) string {
	best, bestD := "", 3
	lw := strings.ToLower(w)
	for _, k := range known {
		lk := strings.ToLower(k)
		dist := editDistance(lw, lk)
		if len(lw) >= 4 && (strings.HasPrefix(lk, lw) || strings.HasPrefix(lw, lk)) {
			dist = min(dist, 2) // a word cut short or run on: udp_stream
		}
		if dist < bestD {
			best, bestD = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes, capped
// for long words (they are never close to a field name).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
