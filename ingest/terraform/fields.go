package terraform

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/zclconf/go-cty/cty"

	"github.com/pfsim/pfsim/ingest/source"
)

// fields reads the arguments of one record or block, reporting every
// problem at the argument with the resource and the field named.
type fields struct {
	b     *builder
	res   string // resource address, for messages
	path  string // "ingress[0]." for a block's fields, "" for the resource's
	pos   source.Pos
	attrs map[string]val
	// asked records the arguments the reader looked for, given or not,
	// so that an argument given but never asked for that is spelt like
	// one asked for can be pointed out (misspelt).
	asked map[string]bool
}

func (b *builder) fieldsOf(r *record) fields {
	return b.track(fields{b: b, res: r.id, pos: r.pos, attrs: r.attrs})
}

func (b *builder) blockFields(r *record, bl block) fields {
	return b.track(fields{b: b, res: r.id, path: bl.field + ".", pos: bl.pos, attrs: bl.attrs})
}

// track gives f its record of the arguments asked for and keeps it for
// misspelt.
func (b *builder) track(f fields) fields {
	f.asked = map[string]bool{}
	b.read = append(b.read, f)
	return f
}

func (f fields) get(name string) val {
	f.asked[name] = true
	return f.attrs[name]
}

func (f fields) has(name string) bool {
	f.asked[name] = true
	return f.attrs[name].given()
}

// misspelt warns about each argument that was given but never asked for
// and lies within two edits of one that was asked for in the same block:
// "cidr_blok" for "cidr_block". Terraform would refuse it; without the
// warning, the rule would silently miss its peer. Arguments far from
// every one pfsim reads (ami, tags, instance_type) are left alone.
func (b *builder) misspelt() {
	for _, f := range b.read {
		names := make([]string, 0, len(f.attrs))
		for n := range f.attrs {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if f.asked[n] || len(n) < 4 {
				continue
			}
			best, dist := "", 3
			for a := range f.asked {
				if d := levenshtein.Distance(n, a, nil); d < dist || d == dist && a < best {
					best, dist = a, d
				}
			}
			if best != "" {
				f.warnf(n, "", "unknown argument: did you mean %s? (pfsim ignores it)", best)
			}
		}
	}
}

// at returns where argument name is written, or the block's position.
func (f fields) at(name string) source.Pos {
	if v, ok := f.attrs[name]; ok && v.pos.IsValid() {
		return v.pos
	}
	return f.pos
}

func (f fields) errorf(name, hint, format string, args ...any) {
	f.b.errs = append(f.b.errs, &source.Error{Pos: f.at(name), Resource: f.res, Field: f.field(name),
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (f fields) warnf(name, hint, format string, args ...any) {
	f.b.warns = append(f.b.warns, source.Warning{Pos: f.at(name), Resource: f.res, Field: f.field(name),
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// field is the path of argument name; "" names the block itself.
func (f fields) field(name string) string {
	if name == "" {
		return strings.TrimSuffix(f.path, ".")
	}
	return f.path + name
}

// unknown reports a value the reader cannot know.
func (f fields) unknown(name string, v val) {
	why := v.why
	if why == "" {
		why = "the value is known only after apply"
	}
	f.errorf(name, v.hint, "%s", why)
}

// require reports a missing argument; it returns false when one is missing.
func (f fields) require(names ...string) bool {
	ok := true
	for _, n := range names {
		if !f.has(n) {
			f.b.errs = append(f.b.errs, &source.Error{Pos: f.pos, Resource: f.res, Field: f.path + n,
				Msg: "required argument missing"})
			ok = false
		}
	}
	return ok
}

// str reads a string argument (a number or bool is converted, as Terraform
// converts it). given is false when the argument is absent or null; ok is
// false when an error was reported.
func (f fields) str(name string) (s string, given, ok bool) {
	v := f.get(name)
	if !v.given() {
		return "", false, true
	}
	if !v.known() {
		f.unknown(name, v)
		return "", true, false
	}
	s, err := scalarString(v.v)
	if err != nil {
		f.errorf(name, "", "%v", err)
		return "", true, false
	}
	return s, true, true
}

// int reads a whole-number argument; a string holding one is converted.
func (f fields) int(name string) (n int, given, ok bool) {
	s, given, ok := f.str(name)
	if !given || !ok {
		return 0, given, ok
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < -1<<31 || n > 1<<31-1 {
		f.errorf(name, "", "%q is not a whole number", s)
		return 0, true, false
	}
	return n, true, true
}

// bool reads a boolean argument; "true" and "false" strings are converted.
func (f fields) bool(name string) (b, given, ok bool) {
	s, given, ok := f.str(name)
	if !given || !ok {
		return false, given, ok
	}
	switch s {
	case "true":
		return true, true, true
	case "false":
		return false, true, true
	}
	f.errorf(name, "", "%q is not true or false", s)
	return false, true, false
}

// strs reads a list or set of strings.
func (f fields) strs(name string) (list []string, given, ok bool) {
	v := f.get(name)
	if !v.given() {
		return nil, false, true
	}
	if !v.known() {
		f.unknown(name, v)
		return nil, true, false
	}
	ty := v.v.Type()
	if !(ty.IsListType() || ty.IsSetType() || ty.IsTupleType()) {
		// Terraform turns a single string into a list only where the
		// schema asks for one; a lone value is a mistake worth naming.
		f.errorf(name, "", "must be a list, not %s", ty.FriendlyName())
		return nil, true, false
	}
	ok = true
	for it := v.v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			f.errorf(name, "", "holds a null element")
			ok = false
			continue
		}
		s, err := scalarString(e)
		if err != nil {
			f.errorf(name, "", "%v", err)
			ok = false
			continue
		}
		list = append(list, s)
	}
	return list, true, ok
}

// prefix reads a CIDR of the given family (4 or 6).
func (f fields) prefix(name, s string, family int) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		f.errorf(name, "", "%q is not a CIDR block", s)
		return netip.Prefix{}, false
	}
	if family == 4 && !p.Addr().Is4() {
		f.errorf(name, "put IPv6 blocks in the IPv6 argument", "%q is not an IPv4 CIDR block", s)
		return netip.Prefix{}, false
	}
	if family == 6 && !p.Addr().Is6() {
		f.errorf(name, "put IPv4 blocks in the IPv4 argument", "%q is not an IPv6 CIDR block", s)
		return netip.Prefix{}, false
	}
	return p, true
}

// addr reads an address of the given family.
func (f fields) addr(name, s string, family int) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		f.errorf(name, "", "%q is not an IP address", s)
		return netip.Addr{}, false
	}
	if (family == 4) != a.Is4() {
		f.errorf(name, "", "%q is not an IPv%d address", s, family)
		return netip.Addr{}, false
	}
	return a, true
}

// scalarString renders a known string, number or bool as a string.
func scalarString(v cty.Value) (string, error) {
	switch ty := v.Type(); {
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Number:
		return numberString(v.AsBigFloat()), nil
	case ty == cty.Bool:
		if v.True() {
			return "true", nil
		}
		return "false", nil
	default:
		return "", fmt.Errorf("must be a string or a number, not %s", ty.FriendlyName())
	}
}
