package terraform

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// LoadHCL reads Terraform configuration files (.tf; all given files form
// one module) into a VPC model. A file whose name ends in .tfvars sets
// variables instead, as terraform.tfvars does. Module calls are not
// followed: each is a warning; [ReadHCL] with [Options.ReadDir] follows
// local ones.
//
// It returns the model, the warnings (what was read but not modelled, and
// what was assumed), and every problem found as [*source.Error] values
// joined with [source.Join]. A model is returned only when there is no
// error; it is valid for [vpc.New]. [ReadHCL] also says where each object
// is declared.
func LoadHCL(files []source.File) (vpc.Config, []source.Warning, error) {
	m, err := ReadHCL(files, Options{})
	return m.Config, m.Warnings, err
}

// Options tune [ReadHCL]. The zero Options read the files given and
// nothing else.
type Options struct {
	// ReadDir returns the configuration files (.tf) of the module in
	// directory dir, a path as the files' names are written (a module
	// call's source, "./modules/sg", joined to the directory of the file
	// that holds the call). It should return the files sorted by name,
	// each named by its path; files whose names do not end in .tf are
	// ignored (.tfvars files set the variables of the root module only).
	// An error that wraps [io/fs.ErrNotExist] says that the directory does
	// not exist.
	//
	// When ReadDir is set, module calls whose source is a local path
	// ("./..." or "../...") are followed: the module's resources are read
	// under their addresses ("module.web_sg.aws_security_group.this") and
	// its outputs are evaluated. When it is nil, module calls are not
	// followed, each is a warning, and their outputs are unknown.
	ReadDir func(dir string) ([]source.File, error)
}

// ReadHCL reads Terraform configuration files as [LoadHCL] does, into a
// [Model] that also says where each object is declared, and follows the
// local module calls when o.ReadDir is set. The Model is never nil; on
// error it holds the warnings found so far and no VPC.
func ReadHCL(files []source.File, o Options) (*Model, error) {
	rd := &reader{opts: o, dirs: map[string]dirFiles{}}
	m := newModule(rd, nil)
	m.dirs = map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".tfvars") {
			m.dirs[filepath.Clean(filepath.Dir(f.Name))] = true
		}
	}
	for _, f := range files {
		m.parse(f)
	}
	if len(rd.errs) > 0 {
		return rd.failed()
	}
	recs := m.records()
	notRead(recs, &rd.warns)
	b := newBuilder(recs)
	b.checkSpelling = true
	cfg := b.build()
	rd.errs = append(rd.errs, b.errs...)
	rd.warns = append(rd.warns, b.warns...)
	if len(rd.errs) > 0 {
		return rd.failed()
	}
	return &Model{Config: cfg, Warnings: source.SortWarnings(dedupWarnings(rd.warns)), origins: b.origins()}, nil
}

// IsHCL reports whether data looks like Terraform configuration: it has a
// resource, data, variable, locals, module, provider, terraform or output
// block. A file with a syntax error further on still looks like one, so
// that LoadHCL can say where the error is.
func IsHCL(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] == '{' || trimmed[0] == '[' {
		return false
	}
	f, diags := hclsyntax.ParseConfig(data, "", hcl.InitialPos)
	if diags.HasErrors() {
		return blockStart.Match(data)
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return false
	}
	for _, bl := range body.Blocks {
		switch bl.Type {
		case "resource", "data", "variable", "locals", "module", "provider", "terraform", "output":
			return true
		}
	}
	return false
}

// blockStart matches the first line of a top-level Terraform block:
// `resource "aws_vpc" "main" {`.
var blockStart = regexp.MustCompile(`(?m)^(resource|data)\s+"[^"\n]+"\s+"[^"\n]+"\s*\{|^(variable|module|provider|output)\s+"[^"\n]+"\s*\{|^(locals|terraform)\s*\{`)

// module is one instance of a Terraform module: the declarations of all
// its files. The root module is the files given; a child is made for each
// instance of a followed module call.
type module struct {
	rd      *reader
	vars    map[string]*varDecl
	locals  map[string]*localDecl
	res     map[string]*resDecl // "TYPE.NAME"
	data    map[string]*resDecl // "TYPE.NAME"
	order   []*resDecl
	calls   map[string]*modCall // by the call's name
	callSeq []*modCall          // in the order declared
	outputs map[string]*outputDecl
	tfvars  map[string]cty.Value

	// prefix starts the addresses of the module's resources:
	// "" in the root, "module.web_sg." or `module.a["x"].module.b.`.
	prefix string
	// parent is the module that calls this one (nil for the root), dir
	// the directory of its files, dirs those of the root's files.
	parent *module
	dir    string
	dirs   map[string]bool
	depth  int
}

func newModule(rd *reader, parent *module) *module {
	m := &module{rd: rd, parent: parent,
		vars: map[string]*varDecl{}, locals: map[string]*localDecl{},
		res: map[string]*resDecl{}, data: map[string]*resDecl{},
		calls: map[string]*modCall{}, outputs: map[string]*outputDecl{},
		tfvars: map[string]cty.Value{},
	}
	if parent != nil {
		m.depth = parent.depth + 1
	}
	return m
}

type varDecl struct {
	name   string
	pos    source.Pos
	def    hcl.Expression
	typ    hcl.Expression
	state  int
	result result
	// arg is the module call's argument that sets the variable, evaluated
	// in the calling module (caller) with the call instance's count or
	// each (iter).
	arg    *hclsyntax.Attribute
	caller *module
	iter   map[string]cty.Value
}

type localDecl struct {
	name   string
	attr   *hclsyntax.Attribute
	state  int
	result result
}

type resDecl struct {
	mode      string // "resource" or "data"
	typ, name string
	addr      string // "aws_security_group.web", "data.aws_vpc.main"
	block     *hclsyntax.Block
	pos       source.Pos
	state     int
	keyed     int // single, counted or for_each
	instances []*inst
	why       result // why the instances are not known
}

const (
	single = iota
	counted
	forEach
)

type inst struct {
	r     *resDecl
	addr  string
	key   cty.Value
	each  cty.Value
	attrs map[string]*attrState
}

type attrState struct {
	state  int
	result result
}

// A result is a value and, when it is not wholly known, what it waits for.
type result struct {
	v       cty.Value
	waits   []blocker
	diagPos source.Pos
}

// A blocker is something a value depends on that the reader cannot know.
type blocker struct {
	why, hint string
}

// Evaluation states of a declaration, to find cycles.
const (
	todo = iota
	busy
	done
)

func posOf(r hcl.Range) source.Pos {
	return source.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
}

func (m *module) errorf(r hcl.Range, resource, field, hint, format string, args ...any) {
	m.rd.errs = append(m.rd.errs, &source.Error{Pos: posOf(r), Resource: resource, Field: field,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (m *module) warnf(r hcl.Range, resource, field, hint, format string, args ...any) {
	m.rd.warns = append(m.rd.warns, source.Warning{Pos: posOf(r), Resource: resource, Field: field,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (m *module) diags(diags hcl.Diagnostics, resource, field string) bool {
	bad := false
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		bad = true
		r := hcl.Range{}
		if d.Subject != nil {
			r = *d.Subject
		}
		m.rd.errs = append(m.rd.errs, &source.Error{Pos: posOf(r), Resource: resource, Field: field, Msg: diagMsg(d)})
	}
	return bad
}

func diagMsg(d *hcl.Diagnostic) string {
	msg := strings.TrimSuffix(strings.ToLower(d.Summary[:1])+d.Summary[1:], ".")
	if d.Detail != "" {
		msg += ": " + strings.TrimSuffix(d.Detail, ".")
	}
	return msg
}

// parse reads one file's declarations.
func (m *module) parse(f source.File) {
	if strings.HasSuffix(f.Name, ".tf.json") {
		m.rd.errs = append(m.rd.errs, &source.Error{Pos: source.Pos{File: f.Name},
			Msg:  "Terraform's JSON configuration syntax is not read",
			Hint: "give the .tf files, or use the plan JSON (terraform show -json PLANFILE)"})
		return
	}
	file, diags := hclsyntax.ParseConfig(f.Data, f.Name, hcl.InitialPos)
	if m.diags(diags, "", "") {
		return
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return
	}
	if strings.HasSuffix(f.Name, ".tfvars") {
		for name, a := range body.Attributes {
			v, diags := a.Expr.Value(&hcl.EvalContext{Functions: functions()})
			if !m.diags(diags, "var."+name, "") {
				m.tfvars[name] = v
			}
		}
		for _, bl := range body.Blocks {
			m.errorf(bl.DefRange(), "", "", "", "a .tfvars file sets variables; it has no blocks")
		}
		return
	}
	for name, a := range body.Attributes {
		m.errorf(a.SrcRange, "", name, "", "an argument at the top level of a configuration file: Terraform expects blocks there")
	}
	for _, bl := range body.Blocks {
		m.declare(bl)
	}
}

var labelsOf = map[string]int{
	"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "provider": 1,
	"locals": 0, "terraform": 0, "moved": 0, "import": 0, "removed": 0, "check": 1,
}

func (m *module) declare(bl *hclsyntax.Block) {
	want, known := labelsOf[bl.Type]
	if !known {
		m.errorf(bl.DefRange(), "", "", "", "unknown block type %q in a Terraform configuration", bl.Type)
		return
	}
	if len(bl.Labels) != want {
		m.errorf(bl.DefRange(), "", "", "", "a %s block needs %d labels; this one has %d", bl.Type, want, len(bl.Labels))
		return
	}
	pos := posOf(bl.DefRange())
	switch bl.Type {
	case "variable":
		name := bl.Labels[0]
		if old, ok := m.vars[name]; ok {
			m.errorf(bl.DefRange(), m.prefix+"var."+name, "", "remove one of them", "duplicate variable: also declared at %s", old.pos)
			return
		}
		d := &varDecl{name: name, pos: pos}
		if a, ok := bl.Body.Attributes["default"]; ok {
			d.def = a.Expr
		}
		if a, ok := bl.Body.Attributes["type"]; ok {
			d.typ = a.Expr
		}
		m.vars[name] = d
	case "locals":
		for name, a := range bl.Body.Attributes {
			if old, ok := m.locals[name]; ok {
				m.errorf(a.NameRange, m.prefix+"local."+name, "", "remove one of them", "duplicate local value: also declared at %s", posOf(old.attr.NameRange))
				continue
			}
			m.locals[name] = &localDecl{name: name, attr: a}
		}
	case "resource", "data":
		typ, name := bl.Labels[0], bl.Labels[1]
		key := typ + "." + name
		tbl, addr := m.res, m.prefix+key
		if bl.Type == "data" {
			tbl, addr = m.data, m.prefix+"data."+key
		}
		if old, ok := tbl[key]; ok {
			m.errorf(bl.DefRange(), addr, "", "rename or remove one of them", "duplicate %s: also declared at %s", bl.Type, old.pos)
			return
		}
		d := &resDecl{mode: bl.Type, typ: typ, name: name, addr: addr, block: bl, pos: pos}
		tbl[key] = d
		if bl.Type == "resource" {
			m.order = append(m.order, d)
		}
	case "module":
		m.declareCall(bl, pos)
	case "output":
		name := bl.Labels[0]
		if old, ok := m.outputs[name]; ok {
			m.errorf(bl.DefRange(), m.prefix+"output."+name, "", "rename or remove one of them", "duplicate output: also declared at %s", old.pos)
			return
		}
		m.outputs[name] = &outputDecl{name: name, pos: pos, value: bl.Body.Attributes["value"]}
	}
}

// --- evaluation -----------------------------------------------------------

func unknownResult(why, hint string) result {
	return result{v: cty.DynamicVal, waits: []blocker{{why: why, hint: hint}}}
}

func (m *module) variable(d *varDecl) result {
	addr := m.prefix + "var." + d.name
	switch d.state {
	case done:
		return d.result
	case busy:
		return unknownResult(addr+" refers to itself", "")
	}
	d.state = busy
	defer func() { d.state = done }()
	var v cty.Value
	var waits []blocker
	if d.arg != nil {
		var diags hcl.Diagnostics
		v, waits, diags = d.caller.eval(d.arg.Expr, nil, d.iter)
		if diags.HasErrors() {
			d.result = unknownResult(fmt.Sprintf("%s, set at %s, cannot be evaluated: %s", addr, posOf(d.arg.NameRange), diagMsg(diags[0])), "")
			if diags[0].Subject != nil {
				d.result.diagPos = posOf(*diags[0].Subject)
			}
			return d.result
		}
	} else if tv, ok := m.tfvars[d.name]; ok {
		v = tv
	} else if d.def != nil {
		var diags hcl.Diagnostics
		v, diags = d.def.Value(&hcl.EvalContext{Functions: functions()})
		if diags.HasErrors() {
			d.result = unknownResult(fmt.Sprintf("the default of %s (%s) cannot be evaluated: %s", addr, d.pos, diagMsg(diags[0])), "")
			return d.result
		}
	} else {
		hint := "give it a default, add a .tfvars file to the files given, or use the plan JSON"
		if m.parent != nil {
			hint = "set it in the module call"
		}
		d.result = unknownResult(fmt.Sprintf("depends on %s (%s), which has no default", addr, d.pos), hint)
		return d.result
	}
	if d.typ != nil {
		if ty, diags := typeexpr.TypeConstraint(d.typ); !diags.HasErrors() {
			if c, err := convert.Convert(v, ty); err == nil {
				v = c
			}
		}
	}
	d.result = result{v: v, waits: waits}
	return d.result
}

func (m *module) local(d *localDecl) result {
	switch d.state {
	case done:
		return d.result
	case busy:
		return unknownResult(m.prefix+"local."+d.name+" refers to itself", "")
	}
	d.state = busy
	v, waits, diags := m.eval(d.attr.Expr, nil, nil)
	d.state = done
	if diags.HasErrors() {
		d.result = unknownResult(fmt.Sprintf("%slocal.%s (%s) cannot be evaluated: %s", m.prefix, d.name, posOf(d.attr.NameRange), diagMsg(diags[0])), "")
		return d.result
	}
	d.result = result{v: v, waits: waits}
	return d.result
}

// expand works out the instances of a resource from count or for_each.
func (m *module) expand(d *resDecl) bool {
	switch d.state {
	case done:
		return d.instances != nil || d.why.waits == nil
	case busy:
		d.why = unknownResult(d.addr+"'s count or for_each refers to itself", "")
		return false
	}
	d.state = busy
	defer func() { d.state = done }()
	keyed, keys, why, ok := m.instanceKeys(d.block.Body.Attributes, d.addr)
	d.keyed = keyed
	if !ok {
		d.why = why
		return false
	}
	d.instances = []*inst{}
	for _, k := range keys {
		d.instances = append(d.instances, &inst{r: d, addr: k.addr, key: k.key, each: k.each})
	}
	return true
}

// An instKey is one instance of a resource or a module call: its address
// and its count.index, or its each.key and each.value.
type instKey struct {
	addr      string
	key, each cty.Value
}

// instanceKeys works out the instances of the resource or module call at
// addr from its count or for_each argument among attrs. When they cannot
// be known, it returns why.
func (m *module) instanceKeys(attrs hclsyntax.Attributes, addr string) (int, []instKey, result, bool) {
	if a, ok := attrs["count"]; ok {
		v, waits, diags := m.eval(a.Expr, nil, nil)
		if diags.HasErrors() {
			return counted, nil, unknownResult(fmt.Sprintf("count cannot be evaluated: %s", diagMsg(diags[0])), ""), false
		}
		if !v.IsWhollyKnown() {
			return counted, nil, result{v: cty.DynamicVal, waits: waits}, false
		}
		n, err := convert.Convert(v, cty.Number)
		if err != nil || n.IsNull() || !n.AsBigFloat().IsInt() || n.AsBigFloat().Sign() < 0 {
			return counted, nil, unknownResult("count is not a whole number, 0 or more", ""), false
		}
		c, _ := n.AsBigFloat().Int64()
		if c > 10000 {
			return counted, nil, unknownResult(fmt.Sprintf("count is %d: more instances than pfsim reads (10000)", c), ""), false
		}
		keys := []instKey{}
		for i := range c {
			keys = append(keys, instKey{addr: fmt.Sprintf("%s[%d]", addr, i), key: cty.NumberIntVal(i)})
		}
		return counted, keys, result{}, true
	}
	if a, ok := attrs["for_each"]; ok {
		v, waits, diags := m.eval(a.Expr, nil, nil)
		if diags.HasErrors() {
			return forEach, nil, unknownResult(fmt.Sprintf("for_each cannot be evaluated: %s", diagMsg(diags[0])), ""), false
		}
		if !v.IsWhollyKnown() {
			return forEach, nil, result{v: cty.DynamicVal, waits: waits}, false
		}
		ty := v.Type()
		if v.IsNull() || !(ty.IsMapType() || ty.IsObjectType() || ty.IsSetType()) {
			return forEach, nil, unknownResult("for_each is not a map or a set of strings", ""), false
		}
		keys := []instKey{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if ty.IsSetType() {
				if e.Type() != cty.String || e.IsNull() {
					return forEach, nil, unknownResult("for_each over a set needs strings", ""), false
				}
				k = e
			}
			keys = append(keys, instKey{addr: fmt.Sprintf("%s[%q]", addr, k.AsString()), key: k, each: e})
		}
		return forEach, keys, result{}, true
	}
	return single, []instKey{{addr: addr}}, result{}, true
}

// metaArgs are the arguments of every resource that are not the
// resource's own.
var metaArgs = map[string]bool{"count": true, "for_each": true, "provider": true, "depends_on": true}

// attr evaluates an argument of an instance, or what the model knows of
// an attribute Terraform computes.
func (m *module) attr(in *inst, name string) result {
	if in.attrs == nil {
		in.attrs = map[string]*attrState{}
	}
	st := in.attrs[name]
	if st == nil {
		st = &attrState{}
		in.attrs[name] = st
	}
	switch st.state {
	case done:
		return st.result
	case busy:
		return unknownResult(fmt.Sprintf("%s.%s refers to itself", in.addr, name), "")
	}
	st.state = busy
	st.result = m.attrValue(in, name)
	st.state = done
	return st.result
}

func (m *module) attrValue(in *inst, name string) result {
	d := in.r
	if name == "id" {
		return result{v: cty.StringVal(modelID(d, in))}
	}
	if d.mode == "data" {
		return unknownResult(fmt.Sprintf("depends on %s (%s), which Terraform reads from AWS", d.addr, d.pos),
			hintPlan)
	}
	if a, ok := d.block.Body.Attributes[name]; ok && !metaArgs[name] {
		v, waits, diags := m.eval(a.Expr, in, nil)
		if diags.HasErrors() {
			r := unknownResult(diagMsg(diags[0]), "")
			if diags[0].Subject != nil {
				r.diagPos = posOf(*diags[0].Subject)
			}
			return r
		}
		return result{v: v, waits: waits}
	}
	switch d.typ + "." + name {
	case tVPC + ".default_security_group_id":
		return result{v: cty.StringVal(DefaultGroup)}
	case tVPC + ".default_network_acl_id":
		return result{v: cty.StringVal(vpc.DefaultACL)}
	case tInstance + ".primary_network_interface_id":
		return result{v: cty.StringVal(in.addr)}
	case "aws_vpc_endpoint.prefix_list_id":
		// A gateway endpoint's prefix list is AWS's: its id names it,
		// its entries are AWS's to know.
		return result{v: cty.StringVal(in.addr + ".prefix_list_id")}
	}
	return unknownResult(fmt.Sprintf("depends on %s.%s, which is known only after apply", in.addr, name), hintAfterApply)
}

// modelID is the id an instance's object has in the model: its address,
// or the VPC's default group or ACL for the resources that manage them.
func modelID(d *resDecl, in *inst) string {
	switch {
	case d.mode == "resource" && d.typ == tDefaultGroup:
		return DefaultGroup
	case d.mode == "resource" && d.typ == tDefaultACL:
		return vpc.DefaultACL
	}
	return in.addr
}

// value returns a resource's value for references: one object, a tuple
// (count) or an object keyed like for_each, each object holding the
// attributes named in need (all arguments when all is set).
func (m *module) value(d *resDecl, need map[string]bool, all bool) result {
	if !m.expand(d) {
		w := d.why
		w.v = cty.DynamicVal
		return w
	}
	var waits []blocker
	objs := make([]cty.Value, len(d.instances))
	for i, in := range d.instances {
		names := map[string]bool{"id": true}
		for n := range need {
			names[n] = true
		}
		if all {
			for n := range d.block.Body.Attributes {
				if !metaArgs[n] {
					names[n] = true
				}
			}
		}
		objs[i], waits = objectOf(names, func(n string) result { return m.attr(in, n) }, waits)
	}
	keys := make([]cty.Value, len(d.instances))
	for i, in := range d.instances {
		keys[i] = in.key
	}
	return instancesValue(d.keyed, keys, objs, waits)
}

// objectOf evaluates the named attributes into an object, in a fixed
// order, so that a cycle is found at the same place every time; what the
// unknown ones wait for is added to waits.
func objectOf(names map[string]bool, get func(string) result, waits []blocker) (cty.Value, []blocker) {
	attrs := map[string]cty.Value{}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		r := get(n)
		attrs[n] = r.v
		if !r.v.IsWhollyKnown() {
			waits = append(waits, r.waits...)
		}
	}
	return cty.ObjectVal(attrs), waits
}

// instancesValue is the value of the instances of a resource or module
// call as Terraform shapes it: the one object of a single instance, a
// tuple of a counted one's, an object by key of a for_each one's.
func instancesValue(keyed int, keys, objs []cty.Value, waits []blocker) result {
	switch keyed {
	case counted:
		if len(objs) == 0 {
			return result{v: cty.EmptyTupleVal}
		}
		return result{v: cty.TupleVal(objs), waits: waits}
	case forEach:
		if len(objs) == 0 {
			return result{v: cty.EmptyObjectVal}
		}
		byKey := map[string]cty.Value{}
		for i, k := range keys {
			byKey[k.AsString()] = objs[i]
		}
		return result{v: cty.ObjectVal(byKey), waits: waits}
	}
	return result{v: objs[0], waits: waits}
}

// attrAfter returns the attribute a traversal reads after its first n
// steps, skipping one index: aws_x.y[0].id → "id".
func attrAfter(t hcl.Traversal, n int) string {
	if len(t) > n {
		if _, ok := t[n].(hcl.TraverseIndex); ok {
			n++
		}
	}
	if len(t) > n {
		if a, ok := t[n].(hcl.TraverseAttr); ok {
			return a.Name
		}
	}
	return ""
}

func stepName(t hcl.Traversal, n int) string {
	if len(t) > n {
		if a, ok := t[n].(hcl.TraverseAttr); ok {
			return a.Name
		}
	}
	return ""
}

// eval evaluates expr for instance in (nil outside a resource) with the
// extra variables iter (a dynamic block's iterator). It builds a context
// holding only what expr refers to, evaluating each referenced variable,
// local and resource attribute on demand.
func (m *module) eval(expr hcl.Expression, in *inst, iter map[string]cty.Value) (cty.Value, []blocker, hcl.Diagnostics) {
	vars := map[string]cty.Value{}
	var waits []blocker
	varObj, localObj := map[string]cty.Value{}, map[string]cty.Value{}
	dataObj := map[string]map[string]cty.Value{}
	modObj := map[string]cty.Value{}
	type need struct {
		attrs map[string]bool
		all   bool
	}
	resNeed := map[*resDecl]*need{}
	callNeed := map[*modCall]*need{}
	undeclared := map[string]map[string]cty.Value{}
	keep := func(r result) cty.Value {
		if !r.v.IsWhollyKnown() {
			waits = append(waits, r.waits...)
		}
		return r.v
	}
	for _, t := range expr.Variables() {
		root := t.RootName()
		if v, ok := iter[root]; ok {
			vars[root] = v
			continue
		}
		switch root {
		case "var":
			if d := m.vars[stepName(t, 1)]; d != nil {
				varObj[d.name] = keep(m.variable(d))
			}
		case "local":
			if d := m.locals[stepName(t, 1)]; d != nil {
				localObj[d.name] = keep(m.local(d))
			}
		case "count":
			if in != nil && in.r.keyed == counted {
				vars["count"] = cty.ObjectVal(map[string]cty.Value{"index": in.key})
			}
		case "each":
			if in != nil && in.r.keyed == forEach {
				vars["each"] = cty.ObjectVal(map[string]cty.Value{"key": in.key, "value": in.each})
			}
		case "path":
			dot := cty.StringVal(".")
			mod := dot
			if m.parent != nil {
				mod = cty.StringVal(filepath.ToSlash(m.dir))
			}
			vars["path"] = cty.ObjectVal(map[string]cty.Value{"module": mod, "root": dot, "cwd": dot})
		case "terraform":
			vars["terraform"] = cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")})
		case "self":
			vars["self"] = cty.DynamicVal
		case "data":
			typ, name := stepName(t, 1), stepName(t, 2)
			if typ == "" || name == "" {
				continue
			}
			if dataObj[typ] == nil {
				dataObj[typ] = map[string]cty.Value{}
			}
			d := m.data[typ+"."+name]
			if d == nil {
				dataObj[typ][name] = keep(unknownResult(fmt.Sprintf("depends on %sdata.%s.%s, which is not declared in %s", m.prefix, typ, name, m.files()), hintGiveFile))
				continue
			}
			n := map[string]bool{}
			if a := attrAfter(t, 3); a != "" {
				n[a] = true
			}
			dataObj[typ][name] = keep(m.value(d, n, false))
		case "module":
			name := stepName(t, 1)
			if name == "" {
				continue
			}
			c := m.calls[name]
			if c == nil || !c.follow {
				where := "which is not declared in " + m.files()
				if c != nil {
					where = fmt.Sprintf("(%s), whose outputs pfsim does not evaluate", c.pos)
				}
				modObj[name] = keep(unknownResult(fmt.Sprintf("depends on %smodule.%s %s", m.prefix, name, where),
					"use the plan JSON (terraform show -json PLANFILE), where module outputs are resolved"))
				continue
			}
			n := callNeed[c]
			if n == nil {
				n = &need{attrs: map[string]bool{}}
				callNeed[c] = n
			}
			if a := attrAfter(t, 2); a != "" {
				n.attrs[a] = true
			} else {
				n.all = true
			}
		default:
			name := stepName(t, 1)
			if name == "" {
				continue
			}
			d := m.res[root+"."+name]
			if d == nil {
				if undeclared[root] == nil {
					undeclared[root] = map[string]cty.Value{}
				}
				undeclared[root][name] = keep(unknownResult(fmt.Sprintf("depends on %s%s.%s, which is not declared in %s", m.prefix, root, name, m.files()), hintGiveFile))
				continue
			}
			n := resNeed[d]
			if n == nil {
				n = &need{attrs: map[string]bool{}}
				resNeed[d] = n
			}
			if a := attrAfter(t, 2); a != "" {
				n.attrs[a] = true
			} else {
				n.all = true
			}
		}
	}
	resObj := map[string]map[string]cty.Value{}
	ds := slices.SortedFunc(maps.Keys(resNeed), func(a, b *resDecl) int { return strings.Compare(a.addr, b.addr) })
	for _, d := range ds {
		n := resNeed[d]
		if resObj[d.typ] == nil {
			resObj[d.typ] = map[string]cty.Value{}
		}
		resObj[d.typ][d.name] = keep(m.value(d, n.attrs, n.all))
	}
	cs := slices.SortedFunc(maps.Keys(callNeed), func(a, b *modCall) int { return strings.Compare(a.name, b.name) })
	for _, c := range cs {
		n := callNeed[c]
		modObj[c.name] = keep(m.callValue(c, n.attrs, n.all))
	}
	for typ, byName := range undeclared {
		if resObj[typ] == nil {
			resObj[typ] = map[string]cty.Value{}
		}
		for n, v := range byName {
			resObj[typ][n] = v
		}
	}
	if len(varObj) > 0 {
		vars["var"] = cty.ObjectVal(varObj)
	}
	if len(localObj) > 0 {
		vars["local"] = cty.ObjectVal(localObj)
	}
	if len(modObj) > 0 {
		vars["module"] = cty.ObjectVal(modObj)
	}
	if len(dataObj) > 0 {
		d := map[string]cty.Value{}
		for typ, byName := range dataObj {
			d[typ] = cty.ObjectVal(byName)
		}
		vars["data"] = cty.ObjectVal(d)
	}
	for typ, byName := range resObj {
		vars[typ] = cty.ObjectVal(byName)
	}
	v, diags := expr.Value(&hcl.EvalContext{Variables: vars, Functions: functions()})
	if v == cty.NilVal {
		v = cty.DynamicVal
	}
	if v.IsWhollyKnown() {
		waits = nil
	}
	return v, waits, diags
}

// explain turns what a value waits for into one message and its hint.
func explain(waits []blocker) (string, string) {
	if len(waits) == 0 {
		return "", ""
	}
	seen := map[string]bool{}
	var whys []string
	hint := ""
	for _, w := range waits {
		if seen[w.why] {
			continue
		}
		seen[w.why] = true
		whys = append(whys, w.why)
		if hint == "" {
			hint = w.hint
		}
	}
	if len(whys) > 3 {
		whys = append(whys[:3], fmt.Sprintf("and %d more", len(whys)-3))
	}
	return strings.Join(whys, "; "), hint
}

// --- records ----------------------------------------------------------------

// records evaluates every resource the model is built from, and lists the
// others by type so that they can be reported as not read.
func (m *module) records() []*record {
	var recs []*record
	for _, d := range m.order {
		if !readTypes[d.typ] {
			recs = append(recs, &record{typ: d.typ, id: d.addr, pos: d.pos})
			continue
		}
		if !m.expand(d) {
			m.unknownInstances(d.block, d.keyed, d.pos, d.addr, "the instances", d.why, hintPlan)
			continue
		}
		for _, in := range d.instances {
			recs = append(recs, m.record(d, in))
		}
	}
	return append(recs, m.callRecords()...)
}

// unknownInstances reports that the instances of a resource or module
// call (what) cannot be known, at its count or for_each value, saying
// what they wait for; hint is the way out when the wait names none.
func (m *module) unknownInstances(bl *hclsyntax.Block, keyed int, pos source.Pos, addr, what string, why result, hint string) {
	msg, h := explain(why.waits)
	if h == "" {
		h = hint
	}
	field := "count"
	if keyed == forEach {
		field = "for_each"
	}
	if a := bl.Body.Attributes[field]; a != nil {
		pos = posOf(a.Expr.Range())
	}
	m.rd.errs = append(m.rd.errs, &source.Error{Pos: pos, Resource: addr, Field: field,
		Msg: what + " cannot be known: " + msg, Hint: h})
}

func (m *module) record(d *resDecl, in *inst) *record {
	r := &record{typ: d.typ, id: in.addr, pos: d.pos, attrs: map[string]val{}, blocks: map[string][]block{}}
	for _, name := range slices.Sorted(maps.Keys(d.block.Body.Attributes)) {
		a := d.block.Body.Attributes[name]
		if metaArgs[name] {
			continue
		}
		r.attrs[name] = m.valOf(m.attr(in, name), a.Expr.Range())
	}
	for _, kind := range blockTypes[d.typ] {
		if a, ok := d.block.Body.Attributes[kind]; ok {
			// Attributes as blocks: ingress = [{...}, ...].
			r.inline = r.inline || kind == "ingress" || kind == "egress"
			delete(r.attrs, kind)
			r.blocks[kind] = append(r.blocks[kind], m.blocksFromAttr(d, in, kind, a)...)
		}
	}
	counts := map[string]int{}
	for _, bl := range d.block.Body.Blocks {
		kind := bl.Type
		if kind == "dynamic" && len(bl.Labels) == 1 {
			kind = bl.Labels[0]
		}
		if !wants(d.typ, kind) {
			continue
		}
		if kind == "ingress" || kind == "egress" {
			r.inline = true
		}
		if bl.Type == "dynamic" {
			for _, b := range m.dynamic(d, in, bl, kind, &counts) {
				r.blocks[kind] = append(r.blocks[kind], b)
			}
			continue
		}
		field := fmt.Sprintf("%s[%d]", kind, counts[kind])
		counts[kind]++
		r.blocks[kind] = append(r.blocks[kind], block{pos: posOf(bl.DefRange()), field: field, attrs: m.blockAttrs(bl.Body, in, nil)})
	}
	return r
}

func wants(typ, kind string) bool {
	for _, k := range blockTypes[typ] {
		if k == kind {
			return true
		}
	}
	return false
}

func (m *module) valOf(r result, rng hcl.Range) val {
	v := val{v: r.v, pos: posOf(rng)}
	if r.diagPos.IsValid() {
		v.pos = r.diagPos
	}
	if !r.v.IsWhollyKnown() {
		v.why, v.hint = explain(r.waits)
	}
	return v
}

func (m *module) blockAttrs(body *hclsyntax.Body, in *inst, iter map[string]cty.Value) map[string]val {
	attrs := map[string]val{}
	for _, name := range slices.Sorted(maps.Keys(body.Attributes)) {
		a := body.Attributes[name]
		v, waits, diags := m.eval(a.Expr, in, iter)
		r := result{v: v, waits: waits}
		if diags.HasErrors() {
			r = unknownResult(diagMsg(diags[0]), "")
			if diags[0].Subject != nil {
				r.diagPos = posOf(*diags[0].Subject)
			}
		}
		attrs[name] = m.valOf(r, a.Expr.Range())
	}
	return attrs
}

// dynamic expands a dynamic block: one block per element of for_each.
func (m *module) dynamic(d *resDecl, in *inst, bl *hclsyntax.Block, kind string, counts *map[string]int) []block {
	fe, ok := bl.Body.Attributes["for_each"]
	if !ok {
		m.errorf(bl.DefRange(), in.addr, "dynamic."+kind, "", "a dynamic block needs for_each")
		return nil
	}
	var content *hclsyntax.Block
	for _, c := range bl.Body.Blocks {
		if c.Type == "content" {
			content = c
		}
	}
	if content == nil {
		m.errorf(bl.DefRange(), in.addr, "dynamic."+kind, "", "a dynamic block needs a content block")
		return nil
	}
	iterName := kind
	if a, ok := bl.Body.Attributes["iterator"]; ok {
		if t, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() && len(t) == 1 {
			iterName = t.RootName()
		}
	}
	v, waits, diags := m.eval(fe.Expr, in, nil)
	if diags.HasErrors() {
		m.diags(diags, in.addr, "dynamic."+kind+".for_each")
		return nil
	}
	if !v.IsWhollyKnown() {
		why, hint := explain(waits)
		if hint == "" {
			hint = hintPlan
		}
		m.rd.errs = append(m.rd.errs, &source.Error{Pos: posOf(fe.Expr.Range()), Resource: in.addr, Field: "dynamic." + kind + ".for_each",
			Msg: "the blocks cannot be known: " + why, Hint: hint})
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		m.errorf(fe.Expr.Range(), in.addr, "dynamic."+kind+".for_each", "", "for_each must be a collection, not %s", v.Type().FriendlyName())
		return nil
	}
	var out []block
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		iter := map[string]cty.Value{iterName: cty.ObjectVal(map[string]cty.Value{"key": k, "value": e})}
		field := fmt.Sprintf("%s[%d]", kind, (*counts)[kind])
		(*counts)[kind]++
		out = append(out, block{pos: posOf(content.DefRange()), field: field, attrs: m.blockAttrs(content.Body, in, iter)})
	}
	return out
}

// blocksFromAttr reads the attribute form of nested blocks:
// ingress = [{ from_port = 80, ... }].
func (m *module) blocksFromAttr(d *resDecl, in *inst, kind string, a *hclsyntax.Attribute) []block {
	r := m.attr(in, kind)
	v := r.v
	if !v.IsWhollyKnown() {
		why, hint := explain(r.waits)
		m.rd.errs = append(m.rd.errs, &source.Error{Pos: posOf(a.Expr.Range()), Resource: in.addr, Field: kind, Msg: why, Hint: hint})
		return nil
	}
	if v.IsNull() {
		return nil
	}
	if !v.CanIterateElements() {
		m.errorf(a.Expr.Range(), in.addr, kind, "", "must be a list of objects, not %s", v.Type().FriendlyName())
		return nil
	}
	var elems []hclsyntax.Expression
	if tc, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
		elems = tc.Exprs
	}
	var out []block
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, e := it.Element()
		rng := a.Expr.Range()
		if i < len(elems) {
			rng = elems[i].Range()
		}
		field := fmt.Sprintf("%s[%d]", kind, i)
		if e.IsNull() || !(e.Type().IsObjectType() || e.Type().IsMapType()) {
			m.errorf(rng, in.addr, field, "", "must be an object")
			continue
		}
		attrs := map[string]val{}
		for ai := e.ElementIterator(); ai.Next(); {
			k, av := ai.Element()
			attrs[k.AsString()] = val{v: av, pos: posOf(rng)}
		}
		out = append(out, block{pos: posOf(rng), field: field, attrs: attrs})
	}
	return out
}
