package awsjson

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
)

// This file reads the fields of one JSON object of an AWS resource, and
// reports a problem with the resource's id and the field's path inside
// it: "sg-903004f8 IpPermissions[0].FromPort".

// obj is a JSON object being read as (part of) one AWS resource.
type obj struct {
	r    *reader
	d    *doc
	v    *value
	res  string // the resource's id, or its place in the file when it has none
	path string // the path of v inside the resource: "IpPermissions[0]"
}

// field returns the path of member key.
func (o obj) field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// elem returns the path of element i of list member key.
func (o obj) elem(key string, i int) string { return o.field(key) + "[" + strconv.Itoa(i) + "]" }

// get returns member key, or nil when it is absent or null.
func (o obj) get(key string) *value {
	v := o.v.field(key)
	if v == nil || v.kind == kindNull {
		return nil
	}
	return v
}

// at returns the position of member key, or of the object when absent.
func (o obj) at(key string) source.Pos {
	if v := o.get(key); v != nil {
		return o.d.at(v)
	}
	return o.d.at(o.v)
}

// where returns where member key is written (the object, when absent).
func (o obj) where(key string) where {
	v := o.get(key)
	if v == nil {
		v = o.v
	}
	return where{path: o.field(key), d: o.d, off: v.off}
}

// failAt records an error about the value v of the field at path.
func (o obj) failAt(v *value, path, msg string) {
	at := o.v
	if v != nil {
		at = v
	}
	o.r.fail(&source.Error{Pos: o.d.at(at), Resource: o.res, Field: path, Msg: msg})
}

// fail records an error about member key (its value, or the object when
// it is absent).
func (o obj) fail(key, msg string) { o.failAt(o.get(key), o.field(key), msg) }

// warnAt records a warning about the value v of the field at path.
func (o obj) warnAt(v *value, path, msg, hint string) {
	at := o.v
	if v != nil {
		at = v
	}
	o.r.warn(source.Warning{Pos: o.d.at(at), Resource: o.res, Field: path, Msg: msg, Hint: hint})
}

// child returns the object v, element i of list member key, for reading.
// ok is false (and the problem reported) when v is not an object.
func (o obj) child(key string, i int, v *value) (obj, bool) {
	c := obj{r: o.r, d: o.d, v: v, res: o.res, path: o.elem(key, i)}
	if i < 0 {
		c.path = o.field(key)
	}
	if v.kind != kindObject {
		o.failAt(v, c.path, "want an object, not "+v.kind.String())
		return c, false
	}
	return c, true
}

// sub returns the object member key, if present.
func (o obj) sub(key string) (obj, bool) {
	v := o.get(key)
	if v == nil {
		return obj{}, false
	}
	return o.child(key, -1, v)
}

// str returns member key as a string; ok is false when it is absent or
// not a string (reported).
func (o obj) str(key string) (string, *value, bool) {
	v := o.get(key)
	if v == nil {
		return "", nil, false
	}
	if v.kind != kindString {
		o.fail(key, "want a string, not "+v.kind.String())
		return "", v, false
	}
	return v.text, v, true
}

// required returns member key as a non-empty string, reporting it when
// it is absent or empty.
func (o obj) required(key string) (string, *value, bool) {
	s, v, ok := o.str(key)
	switch {
	case v == nil:
		o.fail(key, "required")
		return "", nil, false
	case ok && strings.TrimSpace(s) == "":
		o.fail(key, "must not be empty")
		return "", v, false
	}
	return s, v, ok
}

// maxIDLen bounds ids, as the scenario format does; AWS's are far shorter.
const maxIDLen = 255

// id returns the resource id in member key, checked as an id the
// scenario format can hold: no spaces, commas or control characters.
func (o obj) id(key string) (string, *value, bool) {
	s, v, ok := o.required(key)
	if !ok {
		return "", v, false
	}
	// The scenario format's rule for ids, so that an imported VPC can be
	// written as one.
	switch {
	case len(s) > maxIDLen:
		o.fail(key, "longer than "+strconv.Itoa(maxIDLen)+" bytes: not an id")
		return "", v, false
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == ',' }):
		o.fail(key, strconv.Quote(s)+": not an id (it holds a space, a comma or a control character)")
		return "", v, false
	}
	return s, v, true
}

// integer returns member key as a whole number. AWS writes numbers;
// a string holding one ("80") is accepted too.
func (o obj) integer(key string) (int, *value, bool) {
	v := o.get(key)
	if v == nil {
		return 0, nil, false
	}
	if v.kind != kindNumber && v.kind != kindString {
		o.fail(key, "want a number, not "+v.kind.String())
		return 0, v, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v.text), 10, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		o.fail(key, v.text+": out of range")
		return 0, v, false
	case err != nil:
		o.fail(key, strconv.Quote(v.text)+": want a whole number")
		return 0, v, false
	}
	return int(n), v, true
}

// boolean returns member key as true or false.
func (o obj) boolean(key string) (bool, *value, bool) {
	v := o.get(key)
	if v == nil {
		return false, nil, false
	}
	if v.kind != kindBool {
		o.fail(key, "want true or false, not "+v.kind.String())
		return false, v, false
	}
	return v.b, v, true
}

// list returns the elements of list member key; nil when absent or not
// a list (reported).
func (o obj) list(key string) []*value {
	v := o.get(key)
	if v == nil {
		return nil
	}
	if v.kind != kindArray {
		o.fail(key, "want a list, not "+v.kind.String())
		return nil
	}
	return v.elems
}

// objects calls fn for each element of list member key that is an
// object.
func (o obj) objects(key string, fn func(i int, c obj)) {
	for i, e := range o.list(key) {
		if c, ok := o.child(key, i, e); ok {
			fn(i, c)
		}
	}
}

// protocol reads an IpProtocol or Protocol member: "-1", a name ("tcp",
// case does not matter) or a number, as a string or a JSON number.
func (o obj) protocol(key string) (flow.Protocol, bool) {
	v := o.get(key)
	if v == nil {
		o.fail(key, "required")
		return 0, false
	}
	if v.kind != kindString && v.kind != kindNumber {
		o.fail(key, "want a protocol name or number, not "+v.kind.String())
		return 0, false
	}
	p, err := flow.ParseProtocol(v.text)
	if err != nil {
		o.fail(key, strconv.Quote(v.text)+`: unknown protocol: want "-1" (all), a number 0..255 or a name such as tcp, udp, icmp, icmpv6`)
		return 0, false
	}
	return p, true
}

// family is the address family a CIDR field holds.
type family uint8

const (
	anyFamily family = iota
	v4
	v6
)

// prefix reads a CIDR member of family fam. A CIDR with host bits set is
// taken as its network, with a warning, as AWS stores it (NACL-5, IN-15).
func (o obj) prefix(key string, fam family) (netip.Prefix, bool) {
	s, v, ok := o.str(key)
	if !ok {
		if v == nil {
			o.fail(key, "required")
		}
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		o.fail(key, strconv.Quote(s)+": not a CIDR")
		return netip.Prefix{}, false
	}
	switch {
	case p.Addr().Zone() != "":
		o.fail(key, strconv.Quote(s)+": a CIDR has no zone")
		return netip.Prefix{}, false
	case fam == v4 && !p.Addr().Is4():
		o.fail(key, s+": an IPv6 CIDR where an IPv4 one belongs")
		return netip.Prefix{}, false
	case fam == v6 && !p.Addr().Is6():
		o.fail(key, s+": an IPv4 CIDR where an IPv6 one belongs")
		return netip.Prefix{}, false
	case fam == v6 && p.Addr().Is4In6():
		o.fail(key, s+": an IPv4-mapped IPv6 CIDR: write the IPv4 CIDR in the IPv4 field")
		return netip.Prefix{}, false
	}
	if m := p.Masked(); m != p {
		o.warnAt(v, o.field(key), s+" has host bits set: taken as "+m.String()+", as AWS stores it", "")
		p = m
	}
	return p, true
}

// addr reads an address member of family fam.
func (o obj) addr(key string, fam family) (netip.Addr, *value, bool) {
	s, v, ok := o.str(key)
	if !ok {
		if v == nil {
			o.fail(key, "required")
		}
		return netip.Addr{}, v, false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	switch {
	case err != nil:
		o.fail(key, strconv.Quote(s)+": not an IP address")
	case a.Zone() != "":
		o.fail(key, s+": an interface address has no zone")
	case fam == v4 && !a.Is4():
		o.fail(key, s+": not an IPv4 address")
	case fam == v6 && (!a.Is6() || a.Is4In6()):
		o.fail(key, s+": not an IPv6 address")
	default:
		return a, v, true
	}
	return netip.Addr{}, v, false
}
