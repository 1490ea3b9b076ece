package terraform

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
	"github.com/zclconf/go-cty/cty"
)

// LoadPlan reads the JSON of `terraform show -json PLANFILE` (or of a
// state, `terraform show -json` after apply) into a VPC model.
//
// Resources come from planned_values (a state's values), the root module
// and every child module, named by their full address. A value Terraform
// knows only after apply (after_unknown in resource_changes) is taken from
// the configuration when its expression refers to a resource the model
// holds (a rule's security_group_id = aws_security_group.web.id), and is
// otherwise an error naming the resource and the attribute. Errors and
// warnings point at the value in the JSON file.
func LoadPlan(f source.File) (vpc.Config, []source.Warning, error) {
	m, err := ReadPlan(f)
	return m.Config, m.Warnings, err
}

// ReadPlan reads the JSON of terraform show as [LoadPlan] does, into a
// [Model] that also says where each object is described in the JSON. The
// Model is never nil; on error it holds the warnings found so far and no
// VPC.
func ReadPlan(f source.File) (*Model, error) {
	p := &plan{lines: newLines(f.Name, f.Data), changes: map[string]*jnode{}, configs: map[string]*jnode{}, calls: map[string]*jnode{}, confs: map[*record]*jnode{}}
	root, err := parseJSON(f.Data)
	if err != nil {
		var je *jsonError
		pos := source.Pos{File: f.Name}
		if errors.As(err, &je) {
			pos = p.lines.pos(je.off)
		}
		return &Model{}, source.Join([]*source.Error{{Pos: pos, Msg: "not valid JSON: " + err.Error(),
			Hint: "give the output of terraform show -json PLANFILE"}})
	}
	p.read(root)
	if len(p.errs) > 0 {
		return &Model{Warnings: source.SortWarnings(p.warns)}, source.Join(p.errs)
	}
	notRead(p.recs, &p.warns)
	b := newBuilder(p.recs)
	b.fromPlan = true
	cfg := b.build()
	p.errs = append(p.errs, b.errs...)
	p.warns = append(p.warns, b.warns...)
	if len(p.errs) > 0 {
		return &Model{Warnings: source.SortWarnings(p.warns)}, source.Join(p.errs)
	}
	return &Model{Config: cfg, Warnings: source.SortWarnings(p.warns), origins: b.origins()}, nil
}

// IsPlan reports whether data looks like the JSON of terraform show: an
// object with format_version and planned_values, values or
// resource_changes.
func IsPlan(data []byte) bool {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	n, err := parseJSON(t)
	if err != nil || n.kind != 'o' || n.get("format_version") == nil {
		return false
	}
	return n.get("planned_values") != nil || n.get("values") != nil || n.get("resource_changes") != nil
}

type plan struct {
	lines   *lines
	recs    []*record
	errs    []*source.Error
	warns   []source.Warning
	changes map[string]*jnode // resource address → its resource_changes entry
	configs map[string]*jnode // module path ("" for root) → configuration module
	calls   map[string]*jnode // module path → the module_calls entry that calls it
	// byAddr finds the records of a resource by address without index.
	byAddr   map[string][]*record
	pending  []pendingAttr
	confs    map[*record]*jnode
	seenData map[string]bool
}

const hintAfterApplyPlan = "Terraform knows it only after apply: read the state after apply (terraform show -json), or set it in the configuration"

func (p *plan) errorf(n *jnode, resource, field, hint, format string, args ...any) {
	p.errs = append(p.errs, &source.Error{Pos: p.at(n), Resource: resource, Field: field,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (p *plan) at(n *jnode) source.Pos {
	if n == nil {
		return source.Pos{File: p.lines.name}
	}
	return p.lines.pos(n.off)
}

func (p *plan) read(root *jnode) {
	if root.kind != 'o' {
		p.errorf(root, "", "", "give the output of terraform show -json PLANFILE", "not a Terraform plan: the document is not a JSON object")
		return
	}
	if v := root.get("format_version"); v.isStr() && !strings.HasPrefix(v.str, "0.") && !strings.HasPrefix(v.str, "1.") {
		p.warns = append(p.warns, source.Warning{Pos: p.at(v), Field: "format_version",
			Msg: fmt.Sprintf("format version %q is newer than the versions 0.x and 1.x this reader knows", v.str)})
	}
	for _, c := range root.get("resource_changes").elemsOf() {
		if a := c.get("address"); a.isStr() {
			p.changes[a.str] = c
		}
	}
	p.indexConfig("", root.path("configuration", "root_module"), nil)
	values := root.get("planned_values")
	if values == nil {
		values = root.get("values")
	}
	if values == nil {
		p.errorf(root, "", "", "give the output of terraform show -json PLANFILE, or of terraform show -json after apply",
			"not a Terraform plan or state: no planned_values or values")
		return
	}
	mod := values.get("root_module")
	if mod == nil {
		// An empty state has no root module: nothing to read.
		return
	}
	p.byAddr = map[string][]*record{}
	p.seenData = map[string]bool{}
	p.module(mod, "", 0, false)
	// Data sources read while planning are in the prior state.
	if ps := root.path("prior_state", "values", "root_module"); ps != nil {
		p.module(ps, "", 0, true)
	}
	for _, r := range p.recs {
		p.resolve(r)
	}
}

func (n *jnode) elemsOf() []*jnode {
	if n == nil || n.kind != 'a' {
		return nil
	}
	return n.elems
}

// indexConfig records the configuration of module path and its children.
func (p *plan) indexConfig(path string, mod, call *jnode) {
	if mod == nil || mod.kind != 'o' || len(p.configs) > 10000 {
		return
	}
	if _, seen := p.configs[path]; seen {
		return
	}
	p.configs[path] = mod
	if call != nil {
		p.calls[path] = call
	}
	calls := mod.get("module_calls")
	if calls == nil || calls.kind != 'o' {
		return
	}
	for i, name := range calls.keys {
		child := calls.vals[i]
		p.indexConfig(join(path, "module."+name), child.get("module"), child)
	}
}

func join(path, next string) string {
	if path == "" {
		return next
	}
	return path + "." + next
}

var indexRE = regexp.MustCompile(`\[[^\]]*\]`)

// module reads the resources of a planned_values module and its children.
func (p *plan) module(mod *jnode, addr string, depth int, dataOnly bool) {
	if mod.kind != 'o' || depth > 100 {
		return
	}
	cfgPath := indexRE.ReplaceAllString(addr, "")
	for _, rn := range mod.get("resources").elemsOf() {
		if rn.get("mode").text() == "data" {
			p.dataResource(rn)
			continue
		}
		if !dataOnly {
			p.resource(rn, cfgPath)
		}
	}
	for _, child := range mod.get("child_modules").elemsOf() {
		ca := child.get("address").text()
		if ca == "" {
			p.errorf(child, "", "child_modules", "", "a child module without an address")
			continue
		}
		p.module(child, ca, depth+1, dataOnly)
	}
}

// dataResource reads a data source Terraform has read: its AWS id names it
// in the model, and a prefix list's entries are known.
func (p *plan) dataResource(rn *jnode) {
	addr := rn.get("address").text()
	values := rn.get("values")
	id := values.get("id")
	if addr == "" || !id.isStr() || id.str == "" || p.seenData[addr] {
		return
	}
	p.seenData[addr] = true
	r := &record{typ: tDataSource, id: addr, pos: p.at(rn.get("address")), awsID: id.str, attrs: map[string]val{}}
	switch rn.get("type").text() {
	case "aws_ec2_managed_prefix_list", "aws_prefix_list":
		r.typ = tDataPrefixList
		var cidrs []*jnode
		for _, e := range values.get("entries").elemsOf() {
			cidrs = append(cidrs, e.get("cidr"))
		}
		cidrs = append(cidrs, values.get("cidr_blocks").elemsOf()...)
		var vs []cty.Value
		for _, c := range cidrs {
			if c.isStr() {
				vs = append(vs, cty.StringVal(c.str))
			}
		}
		if len(vs) > 0 {
			r.attrs["cidrs"] = val{v: cty.TupleVal(vs), pos: p.at(values)}
		} else {
			r.attrs["cidrs"] = val{v: cty.EmptyTupleVal, pos: p.at(values)}
		}
	}
	p.recs = append(p.recs, r)
}

// resource reads one resource instance of planned_values.
func (p *plan) resource(rn *jnode, cfgPath string) {
	addr := rn.get("address").text()
	typ := rn.get("type").text()
	if addr == "" || typ == "" {
		p.errorf(rn, addr, "", "", "a resource without address or type")
		return
	}
	an := rn.get("address")
	r := &record{typ: typ, id: addr, pos: p.at(an)}
	p.recs = append(p.recs, r)
	if !readTypes[typ] {
		return
	}
	r.attrs, r.blocks = map[string]val{}, map[string][]block{}
	values := rn.get("values")
	if values != nil && values.kind != 'o' && values.kind != 'z' {
		p.errorf(values, addr, "values", "", "values must be an object")
		return
	}
	var unknown *jnode
	if c := p.changes[addr]; c != nil {
		unknown = c.path("change", "after_unknown")
	}
	conf := p.configOf(cfgPath, rn)
	if conf != nil {
		p.confs[r] = conf
	}
	r.inline = conf.path("expressions", "ingress") != nil || conf.path("expressions", "egress") != nil
	if id := values.get("id"); id.isStr() && id.str != "" {
		r.awsID = id.str
	}
	name := strings.TrimPrefix(addr, cfgPath+".")
	base := indexRE.ReplaceAllString(name, "")
	p.byAddr[join(cfgPath, base)] = append(p.byAddr[join(cfgPath, base)], r)
	// The planned values' keys, then those only after_unknown names, in
	// the document's order.
	seen := map[string]bool{}
	var keys []string
	for _, n := range []*jnode{values, unknown} {
		if n == nil || n.kind != 'o' {
			continue
		}
		for _, k := range n.keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	for _, k := range keys {
		vn, un := values.get(k), unknown.get(k)
		if wants(typ, k) {
			r.blocks[k] = p.blocks(r, k, vn, un, conf.path("expressions", k), cfgPath)
			continue
		}
		r.attrs[k] = p.attr(r, k, vn, un, conf.path("expressions", k), cfgPath)
	}
}

// configured reports whether the configuration of r was found: then an
// argument it does not set is not set.
func (p *plan) configured(r *record) bool { return p.confs[r] != nil }

// configOf finds the configuration of a resource in module cfgPath.
func (p *plan) configOf(cfgPath string, rn *jnode) *jnode {
	mod := p.configs[cfgPath]
	typ, name := rn.get("type").text(), rn.get("name").text()
	for _, c := range mod.get("resources").elemsOf() {
		if c.get("type").text() == typ && c.get("name").text() == name && c.get("mode").text() != "data" {
			return c
		}
	}
	return nil
}

// unresolved marks a value that is known only after apply; resolve may
// fill it from the configuration's references.
type unresolved struct {
	expr    *jnode
	cfgPath string
}

// attr reads one attribute of a resource: its planned value, or an
// unknown value waiting for resolve.
func (p *plan) attr(r *record, name string, vn, un, expr *jnode, cfgPath string) val {
	if isUnknown(un) && expr == nil && p.configured(r) {
		// The configuration does not set it: AWS or the provider picks
		// the value, as it would for a resource the configuration omits
		// it from. Read it as not given.
		return val{}
	}
	if isUnknown(un) {
		pos := p.at(un)
		v := val{v: cty.DynamicVal, pos: pos, why: "known only after apply (after_unknown)", hint: hintAfterApplyPlan}
		if expr != nil {
			p.pending = append(p.pending, pendingAttr{r: r, name: name, expr: expr, cfgPath: cfgPath})
		}
		return v
	}
	if vn == nil {
		return val{}
	}
	return val{v: vn.cty(), pos: p.at(vn)}
}

// isUnknown reports whether an after_unknown entry marks the value, or any
// element of it, unknown.
func isUnknown(un *jnode) bool {
	if un == nil {
		return false
	}
	switch un.kind {
	case 'b':
		return un.b
	case 'a':
		for _, e := range un.elems {
			if isUnknown(e) {
				return true
			}
		}
	case 'o':
		for _, e := range un.vals {
			if isUnknown(e) {
				return true
			}
		}
	}
	return false
}

// blocks reads nested blocks (ingress, egress, entry): from the planned
// values, or, when Terraform knows them only after apply, from the
// configuration.
func (p *plan) blocks(r *record, kind string, vn, un, expr *jnode, cfgPath string) []block {
	var out []block
	if un.isTrue() && expr == nil && p.configured(r) {
		// Not written as blocks in the configuration: the rules come from
		// rule resources, or there are none. Dynamic blocks are not in a
		// plan's configuration, so the builder says so when no rule
		// resource adds to the object either.
		r.unknownBlocks = append(r.unknownBlocks, val{pos: p.at(un), why: kind})
		return nil
	}
	if un.isTrue() && expr == nil {
		p.errs = append(p.errs, &source.Error{Pos: p.at(un), Resource: r.id, Field: kind,
			Msg: "known only after apply (after_unknown), and the plan has no configuration to read it from", Hint: hintAfterApplyPlan})
		return nil
	}
	if un.isTrue() || (vn == nil && expr != nil) {
		// The whole set is unknown: rebuild it from the configuration.
		for i, e := range expr.elemsOf() {
			bl := block{pos: p.at(e), field: fmt.Sprintf("%s[%d]", kind, i), attrs: map[string]val{}}
			for j, k := range e.keys {
				bl.attrs[k] = p.fromExpr(r, kind+"."+k, e.vals[j], cfgPath)
			}
			out = append(out, bl)
		}
		return out
	}
	if vn != nil && vn.kind != 'a' && vn.kind != 'z' {
		p.errorf(vn, r.id, kind, "", "must be a list of blocks")
		return nil
	}
	// Terraform prints a set in an order of its own; put the blocks back
	// in the order the configuration writes them, where each can be
	// matched, so that a plan gives the model the configuration gives.
	elems := slices.Clone(vn.elemsOf())
	var unk []*jnode
	if un != nil && un.kind == 'a' && len(un.elems) == len(elems) {
		unk = slices.Clone(un.elems)
	}
	order := make([]int, len(elems))
	for i, e := range elems {
		var eu *jnode
		if unk != nil {
			eu = unk[i]
		}
		order[i] = matchIndex(e, eu, expr)
		if order[i] < 0 {
			order[i] = len(elems) + i
		}
	}
	idx := make([]int, len(elems))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return order[idx[a]] < order[idx[b]] })
	sorted := make([]*jnode, len(elems))
	var sortedUnk []*jnode
	for i, j := range idx {
		sorted[i] = elems[j]
		if unk != nil {
			sortedUnk = append(sortedUnk, unk[j])
		}
	}
	un = &jnode{kind: 'a', elems: sortedUnk}
	for i, e := range sorted {
		field := fmt.Sprintf("%s[%d]", kind, i)
		if e.kind != 'o' {
			p.errorf(e, r.id, field, "", "must be an object")
			continue
		}
		var eu *jnode
		if un != nil && un.kind == 'a' && i < len(un.elems) {
			eu = un.elems[i]
		}
		bl := block{pos: p.at(e), field: field, attrs: map[string]val{}}
		var match *jnode
		for j, k := range e.keys {
			ku := eu.get(k)
			if isUnknown(ku) {
				if match == nil {
					match = matchBlock(e, eu, expr)
				}
				if me := match.get(k); me != nil {
					bl.attrs[k] = p.fromExpr(r, field+"."+k, me, cfgPath)
					continue
				}
				bl.attrs[k] = val{v: cty.DynamicVal, pos: p.at(ku), why: "known only after apply (after_unknown)", hint: hintAfterApplyPlan}
				continue
			}
			bl.attrs[k] = val{v: e.vals[j].cty(), pos: p.at(e.vals[j])}
		}
		out = append(out, bl)
	}
	return out
}

// matchBlock finds the configuration block a planned block came from: the
// one block whose constant arguments all equal the planned known values.
func matchBlock(e, eu, expr *jnode) *jnode {
	if i := matchIndex(e, eu, expr); i >= 0 {
		return expr.elems[i]
	}
	return nil
}

// matchIndex is the index of matchBlock's block, or -1.
func matchIndex(e, eu, expr *jnode) int {
	found := -1
	for ci, c := range expr.elemsOf() {
		ok := true
		for i, k := range c.keys {
			cv := c.vals[i].get("constant_value")
			if cv == nil || isUnknown(eu.get(k)) {
				continue
			}
			if !cv.cty().RawEquals(normalize(e.get(k))) && !sameScalar(cv, e.get(k)) {
				ok = false
				break
			}
		}
		if ok {
			if found >= 0 {
				return -1
			}
			found = ci
		}
	}
	return found
}

func normalize(n *jnode) cty.Value {
	if n == nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return n.cty()
}

// sameScalar compares "80" with 80, as Terraform converts them.
func sameScalar(a, b *jnode) bool {
	if a == nil || b == nil {
		return false
	}
	sa, ea := scalarString(a.cty())
	sb, eb := scalarString(b.cty())
	return ea == nil && eb == nil && sa == sb
}

type pendingAttr struct {
	r       *record
	name    string
	expr    *jnode
	cfgPath string
}

// fromExpr reads a configuration expression: a constant, or references
// that resolve to objects of the model.
func (p *plan) fromExpr(r *record, field string, e *jnode, cfgPath string) val {
	if cv := e.get("constant_value"); cv != nil {
		return val{v: cv.cty(), pos: p.at(cv)}
	}
	if refs := e.get("references"); refs != nil {
		if v, ok := p.refValue(refs, cfgPath, listFields[field[strings.LastIndex(field, ".")+1:]]); ok {
			return val{v: v, pos: p.at(refs)}
		}
		return val{v: cty.DynamicVal, pos: p.at(refs), why: "known only after apply, and its references " + refText(refs) + " name nothing the model holds", hint: hintAfterApplyPlan}
	}
	return val{v: cty.DynamicVal, pos: p.at(e), why: "known only after apply", hint: hintAfterApplyPlan}
}

func refText(refs *jnode) string {
	var s []string
	for _, e := range refs.elemsOf() {
		s = append(s, e.text())
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// resolve fills the unknown attributes of r whose configuration refers to
// objects of the model.
func (p *plan) resolve(r *record) {
	for _, pa := range p.pending {
		if pa.r != r {
			continue
		}
		refs := pa.expr.get("references")
		if refs == nil {
			continue
		}
		if v, ok := p.refValue(refs, pa.cfgPath, listFields[pa.name]); ok {
			old := r.attrs[pa.name]
			r.attrs[pa.name] = val{v: v, pos: old.pos}
		} else {
			old := r.attrs[pa.name]
			old.why = "known only after apply (after_unknown); its references " + refText(refs) + " name nothing the model holds"
			r.attrs[pa.name] = old
		}
	}
}

// refValue turns the references of an expression into a value: the model
// id of each resource referred to by its id, or its known attribute. A
// list of several gives a tuple; it fails if any reference cannot be
// followed.
func (p *plan) refValue(refs *jnode, cfgPath string, list bool) (cty.Value, bool) {
	var vals []cty.Value
	seen := map[string]bool{}
	elems := refs.elemsOf()
	for i, e := range elems {
		ref := e.text()
		// Terraform lists a reference and its prefixes:
		// "aws_security_group.web.id", "aws_security_group.web"; keep the
		// longest.
		if i > 0 && strings.HasPrefix(elems[i-1].text(), ref) {
			continue
		}
		v, ok := p.follow(ref, cfgPath, 0)
		if !ok {
			return cty.NilVal, false
		}
		for _, x := range v {
			k := x.GoString()
			if !seen[k] {
				seen[k] = true
				vals = append(vals, x)
			}
		}
	}
	switch {
	case len(vals) == 0:
		return cty.NilVal, false
	case len(vals) == 1 && !list:
		return vals[0], true
	case !list:
		return cty.NilVal, false
	}
	var flat []cty.Value
	for _, v := range vals {
		if v.Type().IsTupleType() || v.Type().IsListType() || v.Type().IsSetType() {
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				flat = append(flat, e)
			}
			continue
		}
		flat = append(flat, v)
	}
	if len(flat) == 0 {
		return cty.EmptyTupleVal, true
	}
	return cty.TupleVal(flat), true
}

// listFields are the arguments that hold lists: a reference resolved for
// one of them is a list of what it names.
var listFields = map[string]bool{
	"cidr_blocks": true, "ipv6_cidr_blocks": true, "prefix_list_ids": true, "security_groups": true,
	"vpc_security_group_ids": true, "subnet_ids": true, "private_ips": true, "private_ip_list": true,
	"secondary_private_ips": true, "ipv6_addresses": true,
}

// follow resolves one reference made in module cfgPath.
func (p *plan) follow(ref, cfgPath string, depth int) ([]cty.Value, bool) {
	if depth > 20 {
		return nil, false
	}
	parts := strings.Split(ref, ".")
	switch parts[0] {
	case "var":
		if len(parts) < 2 {
			return nil, false
		}
		call := p.calls[cfgPath]
		refs := call.path("expressions", indexRE.ReplaceAllString(parts[1], ""), "references")
		parent := cfgPath[:max(0, strings.LastIndex(cfgPath, ".module."))]
		if !strings.Contains(cfgPath, ".module.") {
			parent = ""
		}
		var out []cty.Value
		for _, e := range refs.elemsOf() {
			v, ok := p.follow(e.text(), parent, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v...)
		}
		return out, len(out) > 0
	case "module":
		if len(parts) < 3 {
			return nil, false
		}
		child := join(cfgPath, "module."+indexRE.ReplaceAllString(parts[1], ""))
		refs := p.configs[child].path("outputs", parts[2], "expression", "references")
		var out []cty.Value
		for _, e := range refs.elemsOf() {
			v, ok := p.follow(e.text(), child, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v...)
		}
		return out, len(out) > 0
	case "local", "each", "count", "path", "terraform", "self":
		return nil, false
	case "data":
		if len(parts) < 3 {
			return nil, false
		}
		addr := join(cfgPath, "data."+parts[1]+"."+indexRE.ReplaceAllString(parts[2], ""))
		if len(parts) == 3 || parts[3] == "id" {
			return []cty.Value{cty.StringVal(addr)}, true
		}
		return nil, false
	}
	if len(parts) < 2 {
		return nil, false
	}
	name := parts[1]
	idx := ""
	if i := strings.Index(name, "["); i >= 0 {
		name, idx = name[:i], name[i:]
	}
	recs := p.byAddr[join(cfgPath, parts[0]+"."+name)]
	if idx != "" {
		var one []*record
		for _, r := range recs {
			if strings.HasSuffix(r.id, idx) {
				one = append(one, r)
			}
		}
		recs = one
	}
	if len(recs) == 0 {
		return nil, false
	}
	attr := "id"
	if len(parts) > 2 {
		attr = parts[2]
	}
	var out []cty.Value
	for _, r := range recs {
		if attr == "id" {
			out = append(out, cty.StringVal(recordModelID(r)))
			continue
		}
		v, ok := r.attrs[attr]
		if r.typ == "aws_vpc_endpoint" && attr == "prefix_list_id" && !(v.given() && v.known()) {
			out = append(out, cty.StringVal(r.id+".prefix_list_id"))
			continue
		}
		if !ok || !v.given() || !v.known() {
			return nil, false
		}
		out = append(out, v.v)
	}
	return out, true
}

// recordModelID is the id a record's object has in the model.
func recordModelID(r *record) string {
	switch r.typ {
	case tDefaultGroup:
		return DefaultGroup
	case tDefaultACL:
		return vpc.DefaultACL
	}
	return r.id
}
