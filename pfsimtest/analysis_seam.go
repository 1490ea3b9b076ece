package pfsimtest

// ============================================================================
// THE SEAM BETWEEN pfsimtest AND AN EXACT ANALYSIS OF RULE SETS.
//
// The exact assertions (NeverReaches, Equivalent, NoWiderThan) ask
// exactly two questions, declared here by exactEngine. Today they are
// answered by enumeration (enumerate.go): one probe packet per class of
// packets that every rule treats alike, judged by the concrete evaluator,
// which is exact but costs a probe per class. Package analysis answers
// the same questions symbolically over header-space boxes; connecting it
// means replacing the value of engine below with an adapter over
// analysis, and nothing else in pfsimtest changes. Keep this file the one
// place that knows which engine runs.
// ============================================================================

import (
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// exactEngine answers the exact assertions' two questions about packets
// judged as the first of their flows: with empty connection tables,
// along the path their addresses imply in the VPC (vpc.VPC.Send's
// MODEL-7, with the AWS services no filter sees, NOT-10). A packet whose
// addresses are of no interface, or of one interface at both ends, has no
// path and never reaches. TCP flags, ICMP identifiers and source ports do
// not change a first packet's verdict, so they are not part of a Space.
type exactEngine interface {
	// Reaching returns a packet of space that the filters of cfg let
	// through: it meets at least one filter on its path and every filter
	// it meets allows it. Traffic to or from an AWS service, which no
	// filter sees (NOT-10), is left out. found is false when there is no
	// such packet. The packet is valid (flow.Packet.Validate); its TCP
	// flags, ICMP identifier and source port are any (they never change
	// a first packet's verdict).
	Reaching(cfg vpc.Config, space Space) (p flow.Packet, found bool, err error)
	// OnlyIn returns a packet of space that reaches its destination
	// through a (its filters allow it, or none sees it) and not through
	// b, or found false when there is none: over space, a admits nothing
	// b does not.
	OnlyIn(a, b vpc.Config, space Space) (p flow.Packet, found bool, err error)
}

// engine is the exact analysis in use: package analysis's (symbolic, in
// analysis_engine.go). The enumeration stays as a second, independent
// engine that tests can call by name.
var engine exactEngine = symbolic{}
