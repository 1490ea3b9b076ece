package ingest

import (
	"errors"
	"strconv"

	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// Options tune [Read].
type Options struct {
	// VPC chooses the VPC to read when AWS JSON describes several; see
	// [awsjson.Options].
	VPC string
	// ReadDir, when set, returns the .tf files of a directory, so that a
	// Terraform configuration's calls of local modules are followed; see
	// [github.com/pfsim/pfsim/ingest/terraform.Options]. When nil, module
	// calls are warnings and their resources are not read.
	ReadDir func(dir string) ([]source.File, error)
}

// Model is a VPC read from files, and where each of its objects came from.
type Model struct {
	// Config is the VPC.
	Config vpc.Config
	// Warnings are what the files hold that the user should know, sorted
	// by position.
	Warnings []source.Warning
	// Kinds holds the kind of each file, in the order given.
	Kinds []Kind

	origins map[vpc.Kind]map[string]Origin
}

// Origin says where an object of a [Model] comes from: where it is
// written, or, for one the files only name, where it is first named.
type Origin = source.Origin

// Origin returns where the object of kind k with id id comes from.
func (m *Model) Origin(k vpc.Kind, id string) (Origin, bool) {
	o, ok := m.origins[k][id]
	return o, ok
}

// Load reads the files as one VPC; see [Read]. On error the Config is
// the zero one.
func Load(files []source.File) (vpc.Config, []source.Warning, error) {
	m, err := Read(files, Options{})
	return m.Config, m.Warnings, err
}

// Read tells each file's kind ([Detect]) and reads the files of each kind
// together with that kind's reader: scenario files each on its own (their
// VPC, without their steps), AWS JSON files as one VPC, Terraform files
// as one configuration, each Terraform plan on its own. The VPCs of the
// groups are then put together; an object declared by two of them is an
// error. Problems are [*source.Error] values joined with [source.Join];
// on error the returned Model holds the warnings found so far and no VPC.
func Read(files []source.File, o Options) (*Model, error) {
	m := &Model{origins: map[vpc.Kind]map[string]Origin{}}
	groups := map[Kind][]source.File{}
	var order []Kind
	var errs []*source.Error
	for _, f := range files {
		k := Detect(f.Name, f.Data)
		m.Kinds = append(m.Kinds, k)
		if k == Unknown {
			errs = append(errs, &source.Error{Pos: source.Pos{File: f.Name}, Msg: "cannot tell what this file is",
				Hint: "give a scenario file, the JSON of aws ec2 describe-* commands, Terraform files (.tf) or the JSON of terraform show -json"})
			continue
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	var parts []part
	for _, k := range order {
		switch k {
		case Scenario:
			for _, f := range groups[k] {
				p, ws, err := readScenario(f)
				m.Warnings = append(m.Warnings, ws...)
				errs = append(errs, asErrors(err)...)
				if err == nil {
					parts = append(parts, p)
				}
			}
		case AWSJSON:
			am, err := awsjson.Read(groups[k], awsjson.Options{VPC: o.VPC})
			m.Warnings = append(m.Warnings, am.Warnings...)
			errs = append(errs, asErrors(err)...)
			if err == nil {
				p := part{cfg: am.Config, origins: map[vpc.Kind]map[string]Origin{}}
				each(am.Config, func(kind vpc.Kind, id string) {
					if ao, ok := am.Origin(kind, id); ok {
						p.add(kind, id, ao)
					}
				})
				parts = append(parts, p)
			}
		case TerraformHCL, TerraformPlan:
			batches := [][]source.File{groups[k]} // a configuration's files together
			if k == TerraformPlan {
				batches = nil // each plan on its own
				for _, f := range groups[k] {
					batches = append(batches, []source.File{f})
				}
			}
			for _, fs := range batches {
				tm, err := readTerraform(k, fs, o)
				m.Warnings = append(m.Warnings, tm.Warnings...)
				errs = append(errs, asErrors(err)...)
				if err != nil {
					continue
				}
				p := part{cfg: tm.Config, origins: map[vpc.Kind]map[string]Origin{}}
				each(tm.Config, func(kind vpc.Kind, id string) {
					if o, ok := tm.Origin(kind, id); ok {
						p.add(kind, id, o)
					}
				})
				parts = append(parts, p)
			}
		}
	}
	m.Warnings = source.SortWarnings(m.Warnings)
	if len(errs) > 0 {
		return m, source.Join(errs)
	}
	if err := m.merge(parts); err != nil {
		m.Config, m.origins = vpc.Config{}, nil
		return m, err
	}
	return m, nil
}

// part is the VPC of one group of files.
type part struct {
	cfg     vpc.Config
	origins map[vpc.Kind]map[string]Origin
}

func (p *part) add(k vpc.Kind, id string, o Origin) {
	if p.origins[k] == nil {
		p.origins[k] = map[string]Origin{}
	}
	p.origins[k][id] = o
}

// each calls fn for every object of cfg.
func each(cfg vpc.Config, fn func(vpc.Kind, string)) {
	for _, x := range cfg.PrefixLists {
		fn(vpc.KindPrefixList, x.ID)
	}
	for _, x := range cfg.SecurityGroups {
		fn(vpc.KindSecurityGroup, x.ID)
	}
	for _, x := range cfg.NetworkACLs {
		fn(vpc.KindNetworkACL, x.ID)
	}
	for _, x := range cfg.Subnets {
		fn(vpc.KindSubnet, x.ID)
	}
	for _, x := range cfg.Interfaces {
		fn(vpc.KindInterface, x.ID)
	}
}

// merge puts the parts' VPCs together into m. With more than one part,
// an object two of them declare is an error, and the whole is checked by
// the VPC model.
func (m *Model) merge(parts []part) error {
	var errs []*source.Error
	for _, p := range parts {
		if !m.Config.CIDR.IsValid() {
			m.Config.CIDR = p.cfg.CIDR
		}
		clash := false
		each(p.cfg, func(k vpc.Kind, id string) {
			o := p.origins[k][id]
			if first, ok := m.origins[k][id]; ok {
				clash = true
				errs = append(errs, &source.Error{Pos: o.Pos, Resource: id,
					Msg: k.String() + " " + id + " is declared by two files (first at " + first.Pos.String() + ")"})
				return
			}
			if m.origins[k] == nil {
				m.origins[k] = map[string]Origin{}
			}
			m.origins[k][id] = o
		})
		if clash {
			continue
		}
		c := &m.Config
		c.PrefixLists = append(c.PrefixLists, p.cfg.PrefixLists...)
		c.SecurityGroups = append(c.SecurityGroups, p.cfg.SecurityGroups...)
		c.NetworkACLs = append(c.NetworkACLs, p.cfg.NetworkACLs...)
		c.Subnets = append(c.Subnets, p.cfg.Subnets...)
		c.Interfaces = append(c.Interfaces, p.cfg.Interfaces...)
	}
	if len(errs) > 0 {
		return source.Join(errs)
	}
	if len(parts) < 2 {
		return nil // each reader checked its own VPC
	}
	if _, err := vpc.New(m.Config); err != nil {
		for _, e := range joined(err) {
			se := &source.Error{Msg: e.Error()}
			var ce *vpc.ConfigError
			if errors.As(e, &ce) {
				if o, ok := m.origins[ce.Kind][ce.ID]; ok {
					se.Pos, se.Resource, se.Field, se.Msg = o.Pos, ce.ID, ce.Field, ce.Err.Error()
					if ce.Value != "" {
						se.Msg = ce.Value + ": " + se.Msg
					}
				}
			}
			errs = append(errs, se)
		}
		return source.Join(errs)
	}
	return nil
}

// readScenario reads a scenario file's VPC, leaving its steps.
func readScenario(f source.File) (part, []source.Warning, error) {
	p := part{origins: map[vpc.Kind]map[string]Origin{}}
	sf, sws, err := scenario.Parse(f.Name, f.Data)
	var ws []source.Warning
	for _, w := range sws {
		ws = append(ws, source.Warning{Pos: pos(w.Pos), Msg: w.Msg})
	}
	if err != nil {
		var errs []*source.Error
		for _, e := range scenario.Errors(err) {
			// The message names the object and field already, as check
			// prints it.
			errs = append(errs, &source.Error{Pos: pos(e.Pos), Msg: e.Msg})
		}
		if len(errs) == 0 {
			errs = append(errs, &source.Error{Pos: source.Pos{File: f.Name}, Msg: err.Error()})
		}
		return p, ws, source.Join(errs)
	}
	if n := len(sf.Steps); n > 0 {
		ws = append(ws, source.Warning{Pos: pos(sf.Steps[0].Pos), Msg: strconv.Itoa(n) + " step(s) left out: only the VPC is read"})
	}
	for _, x := range sf.PrefixLists {
		p.cfg.PrefixLists = append(p.cfg.PrefixLists, x.PrefixList)
		p.add(vpc.KindPrefixList, x.ID, Origin{Pos: pos(x.Pos)})
	}
	for _, x := range sf.SecurityGroups {
		p.cfg.SecurityGroups = append(p.cfg.SecurityGroups, x.Group)
		p.add(vpc.KindSecurityGroup, x.Group.ID, Origin{Pos: pos(x.Pos)})
	}
	for _, x := range sf.NetworkACLs {
		if x.Implicit {
			continue // the default ACL the file does not declare: every VPC has it
		}
		p.cfg.NetworkACLs = append(p.cfg.NetworkACLs, x.ACL)
		p.add(vpc.KindNetworkACL, x.ACL.ID, Origin{Pos: pos(x.Pos)})
	}
	for _, x := range sf.Subnets {
		p.cfg.Subnets = append(p.cfg.Subnets, x.Subnet)
		p.add(vpc.KindSubnet, x.ID, Origin{Pos: pos(x.Pos)})
	}
	for _, x := range sf.Interfaces {
		p.cfg.Interfaces = append(p.cfg.Interfaces, x.Interface)
		p.add(vpc.KindInterface, x.ID, Origin{Pos: pos(x.Pos)})
	}
	return p, ws, nil
}

func pos(p scenario.Pos) source.Pos { return source.Pos{File: p.File, Line: p.Line, Col: p.Col} }

// asErrors returns the *source.Error values of err; an error of another
// type becomes one without a position.
func asErrors(err error) []*source.Error {
	if err == nil {
		return nil
	}
	out := source.Errors(err)
	if len(out) == 0 {
		out = append(out, &source.Error{Msg: err.Error()})
	}
	return out
}

func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
