package scenario

import (
	"fmt"
	"net/netip"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// internalError starts the message of an error that is pfsim's fault.
const internalError = "pfsim internal error while reading the scenario"

var docFields = []string{"name", "description", "vpc_cidr_block", "prefix_lists", "security_groups", "network_acls", "subnets", "interfaces", "steps"}

// Load reads and parses the scenario file at path; see [Parse].
func Load(path string) (*File, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return Parse(path, data)
}

// Parse reads a scenario file (YAML, or JSON, which is read as the same
// document) and validates all of it: every field, every reference, every
// address, and every step against the VPC as the changes before it leave
// it. path is used in positions only.
//
// On success it returns the file and its warnings. Otherwise it returns a
// nil File, the warnings found so far, and every problem found, each an
// [*Error], joined with [errors.Join] and sorted by position ([Errors]
// splits them). Parse never panics, whatever data holds.
func Parse(path string, data []byte) (f *File, warnings []Warning, err error) {
	d := &decoder{file: path, budget: baseVisits + visitsPerByte*len(data)}
	defer func() {
		if r := recover(); r != nil {
			// A bug of this package; the input must not crash the caller.
			d.failAt0(fmt.Sprintf("%s: %v (please report it)", internalError, r))
			f, warnings, err = nil, sortWarnings(d.warns), joinErrors(d.errs)
		}
	}()
	root := d.readYAML(data)
	if root != nil {
		f = d.document(root)
	}
	if d.stopped != "" {
		d.failAt0(d.stopped)
	}
	warnings = sortWarnings(d.warns)
	if len(d.errs) > 0 || f == nil {
		return nil, warnings, joinErrors(d.errs)
	}
	return f, warnings, nil
}

// failAt0 records an error about the whole file, at its start, whatever
// the error limit.
func (d *decoder) failAt0(msg string) {
	d.errs = append(d.errs, &Error{Pos: Pos{File: d.file, Line: 1, Col: 1}, Msg: msg})
}

// document reads the whole document.
func (d *decoder) document(root *yaml.Node) *File {
	o := d.object(root, "", "", docFields)
	if o == nil {
		return nil
	}
	f := &File{Path: d.file}
	if v, n, ok := o.str("name"); ok {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			o.fail("name", n, "must not be empty")
		case strings.ContainsAny(v, "\r\n"):
			o.fail("name", n, "must be one line; put the rest in description")
		}
		f.Name = v
	} else if !o.has("name") {
		o.missing("name", "a one-line title")
	}
	if v, _, ok := o.str("description"); ok {
		f.Description = v
	}

	st := newState()
	if v, n, ok := o.str("vpc_cidr_block"); ok {
		f.VPCCIDR = d.vpcBlock(o, v, n)
		st.cidr, st.cidrNode = f.VPCCIDR, n
	}
	top := d.apply(st, d.declarations(o), true)
	f.PrefixLists = top.PrefixLists
	f.SecurityGroups = top.SecurityGroups
	f.NetworkACLs = top.NetworkACLs
	if a := st.acls[DefaultACL]; a.Implicit {
		f.NetworkACLs = append([]NetworkACL{*a}, f.NetworkACLs...)
	}
	f.Subnets = top.Subnets
	f.Interfaces = top.Interfaces
	f.Steps = d.steps(o, st)
	d.warnUnused(st)
	return f
}

// vpcBlock reads the VPC's block: an IPv4 CIDR of /16 to /28, as AWS
// allows a VPC's primary block (host bits set are cleared, with a
// warning). It returns the zero Prefix after reporting a bad one.
func (d *decoder) vpcBlock(o *obj, v string, n *yaml.Node) netip.Prefix {
	p, err := netip.ParsePrefix(strings.TrimSpace(v))
	switch {
	case err != nil || !p.Addr().Is4():
		o.fail("vpc_cidr_block", n, "want the VPC's IPv4 block, such as 10.0.0.0/16")
		return netip.Prefix{}
	case p.Bits() < 16 || p.Bits() > 28:
		o.fail("vpc_cidr_block", n, "a VPC's block is /16 to /28")
		return netip.Prefix{}
	case p != p.Masked():
		d.warnAt(d.pos(n), fmt.Sprintf("vpc_cidr_block %s has host bits set: taken as %s", p, p.Masked()))
	}
	return p.Masked()
}
