package flow

import "time"

// Stage is one filter on a packet's path: a network ACL or a set of
// security groups with its connection table. A Stage is evaluated with the
// direction the packet crosses it in and the caller's simulated time.
//
// Evaluate must not allocate, and must be safe for concurrent use if the
// stage is shared between goroutines.
type Stage interface {
	Evaluate(p *Packet, dir Direction, now time.Time) Decision
}

// Pipeline is the ordered list of stages of one network interface, from
// the outside in: for an interface in a subnet, [subnet NACL, security
// groups]. Ingress packets meet the stages outside-in, egress packets
// inside-out (MODEL-5, MODEL-6). The first stage that drops ends the
// packet's path (MODEL-8).
//
// A Pipeline is immutable and safe for concurrent use when its stages are.
type Pipeline struct {
	stages []Stage
}

// NewPipeline returns a pipeline of the given stages, outermost first.
func NewPipeline(stages ...Stage) *Pipeline {
	return &Pipeline{stages: append([]Stage(nil), stages...)}
}

// Stages returns the number of stages.
func (pl *Pipeline) Stages() int { return len(pl.stages) }

// Evaluate runs p through the stages in the order of dir and returns the
// deciding stage's decision: the one that dropped, or else the last one
// passed. The connection-tracking outcome of an earlier stage is carried
// into the result, so an egress packet allowed by the NACL still reports
// what its security group tracked. It does not allocate.
func (pl *Pipeline) Evaluate(p *Packet, dir Direction, now time.Time) (d Decision) {
	// Only the tracking fields of an earlier stage are kept, not a copy of
	// its whole Decision: the copies are most of a pipeline's own cost.
	var ct CTState
	var note Note
	var state string
	var age time.Duration
	n := len(pl.stages)
	if n == 0 {
		// As Merge(nil): an Allow that no stage decided, no rule admitted.
		d = Decision{Verdict: Allow, GroupRule: -1}
	}
	for i := 0; i < n; i++ {
		j := i
		if dir == Egress {
			j = n - 1 - i
		}
		d = pl.stages[j].Evaluate(p, dir, now)
		if d.Conntrack != CTNone {
			ct, note, state, age = d.Conntrack, d.Note, d.ConnState, d.Age
		}
		if d.Verdict == Drop {
			break
		}
	}
	if d.Conntrack == CTNone && ct != CTNone {
		d.Conntrack, d.Note, d.ConnState, d.Age = ct, note, state, age
	}
	d.Packet = *p
	return d
}

// Trace is like Evaluate but appends every stage's decision, in the order
// met, to dst and returns it; the last element decided.
func (pl *Pipeline) Trace(p *Packet, dir Direction, now time.Time, dst []Decision) []Decision {
	n := len(pl.stages)
	for i := 0; i < n; i++ {
		s := pl.stages[i]
		if dir == Egress {
			s = pl.stages[n-1-i]
		}
		d := s.Evaluate(p, dir, now)
		d.Packet = *p
		dst = append(dst, d)
		if d.Verdict == Drop {
			break
		}
	}
	return dst
}

// Merge folds the decisions of the stages a packet met, in the order met,
// into one, as [Pipeline.Evaluate] does: the last decision decides, and
// the connection-tracking outcome of an earlier stage is carried over.
// An empty list yields an Allow that no stage decided.
func Merge(ds []Decision) Decision {
	if len(ds) == 0 {
		return Decision{Verdict: Allow, GroupRule: -1}
	}
	d := ds[len(ds)-1]
	if d.Conntrack == CTNone {
		for i := len(ds) - 2; i >= 0; i-- {
			if ds[i].Conntrack != CTNone {
				mergeConntrack(&d, &ds[i])
				break
			}
		}
	}
	return d
}

func mergeConntrack(d, from *Decision) {
	d.Conntrack = from.Conntrack
	d.Note = from.Note
	d.ConnState = from.ConnState
	d.Age = from.Age
}
