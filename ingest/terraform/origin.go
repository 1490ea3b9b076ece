package terraform

import (
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// Model is a VPC read from Terraform files, with where each object comes
// from.
type Model struct {
	// Config is the VPC; it is valid for [vpc.New].
	Config vpc.Config
	// Warnings are what the files hold that pfsim read but did not model,
	// and what it assumed, sorted by position.
	Warnings []source.Warning

	origins map[vpc.Kind]map[string]source.Origin
}

// Origin returns where the object of kind k with id id is declared: the
// resource block in a .tf file, or the resource's object in a plan. For a
// group or prefix list the files only name (Named), it is where it is
// first named; for the VPC's default security group when no
// aws_default_security_group declares it, where it is first used.
func (m *Model) Origin(k vpc.Kind, id string) (source.Origin, bool) {
	o, ok := m.origins[k][id]
	return o, ok
}

// origins returns where each object the builder made comes from.
func (b *builder) origins() map[vpc.Kind]map[string]source.Origin {
	out := map[vpc.Kind]map[string]source.Origin{
		vpc.KindPrefixList: {}, vpc.KindSecurityGroup: {}, vpc.KindNetworkACL: {},
		vpc.KindSubnet: {}, vpc.KindInterface: {},
	}
	for id, p := range b.pls {
		out[vpc.KindPrefixList][id] = source.Origin{Pos: p.pos, Named: p.named}
	}
	for id, g := range b.groups {
		out[vpc.KindSecurityGroup][id] = source.Origin{Pos: g.pos, Named: !g.declared && id != DefaultGroup}
	}
	for id, a := range b.acls {
		out[vpc.KindNetworkACL][id] = source.Origin{Pos: a.pos}
	}
	for id, s := range b.subnets {
		out[vpc.KindSubnet][id] = source.Origin{Pos: s.pos}
	}
	for id, e := range b.enis {
		out[vpc.KindInterface][id] = source.Origin{Pos: e.pos}
	}
	return out
}
