package terraform

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/zclconf/go-cty/cty"
)

// Limits on what following module calls may make, so that a configuration
// cannot make the reader work without end.
const (
	// maxModuleDepth is how deep module calls may nest.
	maxModuleDepth = 32
	// maxModuleInstances is how many module instances one reading makes
	// at most, all calls and their count or for_each together.
	maxModuleInstances = 1000
)

// reader is what all the modules of one reading share: the options, the
// problems found, and the files of each module directory read.
type reader struct {
	opts  Options
	errs  []*source.Error
	warns []source.Warning
	dirs  map[string]dirFiles
	made  int // module instances made
}

// dirFiles is what Options.ReadDir answered for one directory.
type dirFiles struct {
	files []source.File
	err   error
}

// readDir returns the files of a module directory, asking Options.ReadDir
// once per directory.
func (rd *reader) readDir(dir string) ([]source.File, error) {
	if d, ok := rd.dirs[dir]; ok {
		return d.files, d.err
	}
	files, err := rd.opts.ReadDir(dir)
	rd.dirs[dir] = dirFiles{files: files, err: err}
	return files, err
}

// failed returns what ReadHCL returns on error.
func (rd *reader) failed() (*Model, error) {
	return &Model{Warnings: source.SortWarnings(dedupWarnings(rd.warns))}, source.Join(dedupErrors(rd.errs))
}

// A modCall is a module block.
type modCall struct {
	name  string
	addr  string // "module.web_sg", after the calling module's prefix
	block *hclsyntax.Block
	pos   source.Pos
	// follow reports that the call is followed: its source is a local
	// directory and Options.ReadDir is set. dir is that directory and
	// files its configuration files; broken says why they cannot be read
	// (an error says so too).
	follow bool
	dir    string
	files  []source.File
	broken string
	// badArgs reports that the call's arguments do not fit the module's
	// variables (an error says so): its resources are not read.
	badArgs bool

	state     int
	keyed     int
	instances []*modInst
	why       result // why the instances are not known
}

// A modInst is one instance of a followed module call.
type modInst struct {
	addr  string // "module.web_sg", "module.web_sg[0]", `module.web_sg["a"]`
	key   cty.Value
	child *module
}

// An outputDecl is an output block.
type outputDecl struct {
	name   string
	pos    source.Pos
	value  *hclsyntax.Attribute
	state  int
	result result
}

// callMeta are the arguments of a module block that are not the module's
// input variables.
var callMeta = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

// isLocalSource reports whether a module source is a path on disk, which
// Terraform tells by its start.
func isLocalSource(src string) bool {
	return strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")
}

// declareCall declares a module block and, when it is followed, reads the
// files of its directory.
func (m *module) declareCall(bl *hclsyntax.Block, pos source.Pos) {
	name := bl.Labels[0]
	addr := m.prefix + "module." + name
	if old, ok := m.calls[name]; ok {
		m.errorf(bl.DefRange(), addr, "", "rename or remove one of them", "duplicate module call: also declared at %s", old.pos)
		return
	}
	c := &modCall{name: name, addr: addr, block: bl, pos: pos}
	m.calls[name] = c
	m.callSeq = append(m.callSeq, c)
	src, srcOK := "", false
	a, hasSrc := bl.Body.Attributes["source"]
	if hasSrc {
		if v, d := a.Expr.Value(nil); !d.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			src, srcOK = v.AsString(), true
		}
	}
	if m.rd.opts.ReadDir == nil || !isLocalSource(src) {
		shown := ""
		if srcOK {
			shown = " (" + src + ")"
		}
		what := "module calls are not followed"
		if m.rd.opts.ReadDir != nil {
			what = "only module calls with a local source (./ or ../) are followed"
		}
		m.warnf(bl.DefRange(), addr, "", "use the plan JSON (terraform show -json PLANFILE), which holds the resources of every module",
			"%s: the resources of module %s%s are not read", what, name, shown)
		return
	}
	c.follow = true
	c.dir = filepath.Clean(filepath.Join(filepath.Dir(bl.DefRange().Filename), filepath.FromSlash(src)))
	fail := func(hint, format string, args ...any) {
		c.broken = fmt.Sprintf(format, args...)
		m.errorf(a.SrcRange, addr, "source", hint, "%s", c.broken)
	}
	if chain := m.cycle(c); chain != "" {
		fail("a module cannot call itself, directly or through other modules", "module calls go round in a cycle: %s", chain)
		return
	}
	if m.depth >= maxModuleDepth {
		fail("", "module calls nest deeper than pfsim follows (%d)", maxModuleDepth)
		return
	}
	files, err := m.rd.readDir(c.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fail(fmt.Sprintf("the source is a path from the directory of %s", bl.DefRange().Filename),
			"the module's directory %s does not exist", c.dir)
		return
	case err != nil:
		fail("", "the module's directory %s cannot be read: %v", c.dir, err)
		return
	}
	for _, f := range files {
		// .tfvars files set the root module's variables only; other
		// files are not configuration.
		if strings.HasSuffix(f.Name, ".tf") || strings.HasSuffix(f.Name, ".tf.json") {
			c.files = append(c.files, f)
		}
	}
	if len(c.files) == 0 {
		fail("a module is a directory of .tf files", "the module's directory %s has no .tf file", c.dir)
	}
}

// cycle returns the chain of module calls that leads back to a directory
// already read when m calls c, or "" when there is none.
func (m *module) cycle(c *modCall) string {
	var chain []*module
	for p := m; p != nil; p = p.parent {
		chain = append(chain, p)
		if p.dir != c.dir && !(p.parent == nil && p.dirs[c.dir]) {
			continue
		}
		var parts []string
		for i := len(chain) - 1; i >= 0; i-- {
			q := chain[i]
			if q.parent == nil {
				parts = append(parts, fmt.Sprintf("the root module (%s)", c.dir))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", strings.TrimSuffix(q.prefix, "."), q.dir))
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", m.prefix+"module."+c.name, c.dir))
		return strings.Join(parts, " -> ")
	}
	return ""
}

// files describes where the module's declarations are, for messages.
func (m *module) files() string {
	if m.parent == nil {
		return "the files given"
	}
	return fmt.Sprintf("the files of %s (%s)", strings.TrimSuffix(m.prefix, "."), m.dir)
}

// expandCall works out the instances of a followed module call from its
// count or for_each, and makes a child module for each.
func (m *module) expandCall(c *modCall) bool {
	switch c.state {
	case done:
		return c.instances != nil
	case busy:
		c.why = unknownResult(c.addr+"'s count or for_each refers to itself", "")
		return false
	}
	c.state = busy
	defer func() { c.state = done }()
	if c.broken != "" {
		c.why = unknownResult(fmt.Sprintf("depends on %s (%s), which cannot be read: %s", c.addr, c.pos, c.broken), "")
		return false
	}
	keyed, keys, why, ok := m.instanceKeys(c.block.Body.Attributes, c.addr)
	c.keyed = keyed
	if !ok {
		c.why = why
		return false
	}
	if m.rd.made+len(keys) > maxModuleInstances {
		c.why = unknownResult(fmt.Sprintf("more module instances than pfsim reads (%d)", maxModuleInstances), "")
		return false
	}
	m.rd.made += len(keys)
	c.instances = []*modInst{}
	if len(keys) == 0 {
		// No instance (count = 0, an empty for_each): the call's arguments
		// are checked against the module all the same, as Terraform does;
		// the instance made for that is not read.
		keyed := c.keyed
		c.keyed = single
		m.child(c, instKey{addr: c.addr})
		c.keyed = keyed
	}
	for _, k := range keys {
		c.instances = append(c.instances, &modInst{addr: k.addr, key: k.key, child: m.child(c, k)})
	}
	return true
}

// child makes the module of one instance of a call: its files parsed, its
// variables set from the call's arguments.
func (m *module) child(c *modCall, k instKey) *module {
	ch := newModule(m.rd, m)
	ch.prefix = k.addr + "."
	ch.dir = c.dir
	for _, f := range c.files {
		ch.parse(f)
	}
	iter := map[string]cty.Value{}
	switch c.keyed {
	case counted:
		iter["count"] = cty.ObjectVal(map[string]cty.Value{"index": k.key})
	case forEach:
		iter["each"] = cty.ObjectVal(map[string]cty.Value{"key": k.key, "value": k.each})
	}
	attrs := c.block.Body.Attributes
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if callMeta[name] {
			continue
		}
		a := attrs[name]
		d := ch.vars[name]
		if d == nil {
			c.badArgs = true
			m.errorf(a.NameRange, c.addr, name, "declare it in the module with a variable block, or remove the argument",
				"the module (%s) has no variable %q", c.dir, name)
			continue
		}
		d.arg, d.caller, d.iter = a, m, iter
	}
	for _, name := range slices.Sorted(maps.Keys(ch.vars)) {
		d := ch.vars[name]
		if d.def == nil && d.arg == nil {
			c.badArgs = true
			m.errorf(c.block.DefRange(), c.addr, "", fmt.Sprintf("set %s = ... in the module block", name),
				"the module's variable %q (%s) is required: it has no default and the call does not set it", name, d.pos)
		}
	}
	return ch
}

// callRecords returns the records of the modules m calls, in the order
// the calls are declared.
func (m *module) callRecords() []*record {
	var recs []*record
	for _, c := range m.callSeq {
		if !c.follow || c.broken != "" {
			continue
		}
		if !m.expandCall(c) {
			m.unknownInstances(c.block, c.keyed, c.pos, c.addr, "the module's instances", c.why,
				"use the plan JSON (terraform show -json PLANFILE), where Terraform has expanded the module")
			continue
		}
		if c.badArgs {
			continue
		}
		for _, in := range c.instances {
			recs = append(recs, in.child.records()...)
		}
	}
	return recs
}

// callValue returns a followed module call's value for references: an
// object of the outputs named in need (all of them when all is set), a
// tuple of such objects (count) or an object of them keyed like for_each.
func (m *module) callValue(c *modCall, need map[string]bool, all bool) result {
	if !m.expandCall(c) {
		w := c.why
		w.v = cty.DynamicVal
		return w
	}
	if c.badArgs {
		return unknownResult(fmt.Sprintf("depends on %s (%s), whose arguments do not fit the module's variables", c.addr, c.pos), "")
	}
	var waits []blocker
	objs := make([]cty.Value, len(c.instances))
	for i, in := range c.instances {
		names := maps.Clone(need)
		if all {
			for n := range in.child.outputs {
				names[n] = true
			}
		}
		objs[i], waits = objectOf(names, func(n string) result { return in.child.outputValue(in.addr, n) }, waits)
	}
	keys := make([]cty.Value, len(c.instances))
	for i, in := range c.instances {
		keys[i] = in.key
	}
	return instancesValue(c.keyed, keys, objs, waits)
}

// outputValue evaluates the output name of module instance addr.
func (m *module) outputValue(addr, name string) result {
	o := m.outputs[name]
	if o == nil {
		return unknownResult(fmt.Sprintf("%s has no output %q (%s)", addr, name, m.dir), "declare it with an output block in the module")
	}
	switch o.state {
	case done:
		return o.result
	case busy:
		return unknownResult(fmt.Sprintf("%s.%s refers to itself", addr, name), "")
	}
	o.state = busy
	defer func() { o.state = done }()
	if o.value == nil {
		o.result = unknownResult(fmt.Sprintf("the output %q of %s (%s) has no value", name, addr, o.pos), "")
		return o.result
	}
	v, waits, diags := m.eval(o.value.Expr, nil, nil)
	if diags.HasErrors() {
		o.result = unknownResult(fmt.Sprintf("the output %q of %s (%s) cannot be evaluated: %s", name, addr, o.pos, diagMsg(diags[0])), "")
		if diags[0].Subject != nil {
			o.result.diagPos = posOf(*diags[0].Subject)
		}
		return o.result
	}
	o.result = result{v: v, waits: waits}
	return o.result
}

// dedupErrors drops the errors that repeat one already listed: each
// instance of a module call reads the same files, and finds the same
// problems in them.
func dedupErrors(es []*source.Error) []*source.Error {
	seen := map[string]bool{}
	var out []*source.Error
	for _, e := range es {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	return out
}

// dedupWarnings drops the warnings that repeat one already listed.
func dedupWarnings(ws []source.Warning) []source.Warning {
	seen := map[string]bool{}
	var out []source.Warning
	for _, w := range ws {
		if s := w.String(); !seen[s] {
			seen[s] = true
			out = append(out, w)
		}
	}
	return out
}
