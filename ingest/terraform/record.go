package terraform

import (
	"math/big"
	"strconv"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/zclconf/go-cty/cty"
)

// A record is one resource instance as both readers see it once they have
// evaluated what they can: the HCL reader from the configuration, the plan
// reader from planned values. The model is built from records alone, so the
// two inputs give the same model for the same infrastructure.
type record struct {
	// typ is the resource type, "aws_security_group".
	typ string
	// id is the instance's address, "aws_security_group.web",
	// "module.net.aws_subnet.a[0]": the id of its object in the model.
	id string
	// pos is where the resource is declared (or listed in the plan).
	pos source.Pos
	// attrs are the instance's top-level arguments.
	attrs map[string]val
	// blocks are its nested blocks of interest (ingress, egress, entry),
	// in the order written.
	blocks map[string][]block
	// inline reports, for a group or ACL, that the configuration writes
	// ingress or egress rules inline (IN-18, IN-26).
	inline bool
	// awsID is the instance's AWS id when the input knows it (a plan of
	// existing resources, a state), so that values holding it map back.
	awsID string
	// unknownBlocks are the kinds of nested blocks a plan knows only
	// after apply and its configuration does not write (why holds the
	// kind, pos where after_unknown says so).
	unknownBlocks []val
}

// A block is one nested block of a record.
type block struct {
	pos source.Pos
	// field names the block in messages: "ingress[0]".
	field string
	attrs map[string]val
}

// A val is one argument's value with where it is written. A value that is
// not wholly known says why (why) and the way out (hint).
type val struct {
	v    cty.Value
	pos  source.Pos
	why  string
	hint string
}

// given reports whether the argument is written and not null.
func (v val) given() bool { return v.v != cty.NilVal && (!v.v.IsKnown() || !v.v.IsNull()) }

// known reports whether the value is wholly known.
func (v val) known() bool { return v.v == cty.NilVal || v.v.IsWhollyKnown() }

// numberString renders a cty number as Terraform would print it.
func numberString(n *big.Float) string {
	if n.IsInt() {
		i, _ := n.Int(nil)
		return i.String()
	}
	f, _ := n.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
