package conntrack

import (
	"math"
	"time"
)

// Sweep removes expired entries, looking at about max slots in all, spread
// evenly over the shards and at least one per shard (max <= 0 means all
// of them), and returns how many it removed. Successive calls continue
// where the last one stopped, so a caller can spread the work over time.
// [Table.Create] sweeps a few slots of its own as well; Sweep is for
// callers that want expired entries gone sooner, or counted exactly.
func (t *Table) Sweep(now time.Time, max int) int {
	n, ok := unixNano(now)
	if !ok {
		return 0
	}
	if max <= 0 {
		return t.sweepAll(n)
	}
	per := max / len(t.shards)
	if per == 0 {
		per = 1
	}
	removed := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.seeLocked(n)
		removed += t.sweepStepLocked(s, n, per)
		s.mu.Unlock()
	}
	return removed
}

// sweepAll removes every expired entry of every shard, taking one shard
// lock at a time; the caller holds none.
func (t *Table) sweepAll(now int64) int {
	removed := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.seeLocked(now)
		removed += t.sweepShardLocked(s, now)
		s.mu.Unlock()
	}
	return removed
}

// sweepStepLocked looks at up to max slots of s from its cursor, removing
// the expired entries, and leaves the cursor after the last slot it
// looked at. A removal shifts later entries back into the slot, which is
// then looked at again (and counts again towards max). An entry that a
// removal elsewhere shifts back past the cursor waits for the next pass.
// The caller holds s.mu.
// +checklocks:s.mu
func (t *Table) sweepStepLocked(s *shard, now int64, max int) int {
	if s.live == 0 || now < s.minDead {
		return 0 // nothing can have expired
	}
	removed := 0
	n := uint32(len(s.slots))
	c := s.cursor
	for ; max > 0; max-- {
		if e := &s.slots[c]; e.state != StateNone && s.expiredLocked(e, now) {
			t.removeLocked(s, c)
			removed++
			continue
		}
		if c++; c == n {
			c = 0
		}
	}
	s.cursor = c
	return removed
}

// sweepShardLocked removes every expired entry of s and sets s.minDead to
// the earliest deadline of those left. Walking the slots in order and
// looking again at a slot after a removal sees every entry: removals only
// move entries backwards, into the slot being looked at, or, for a
// cluster that wraps, from the first slots (already seen) to the last.
// The caller holds s.mu.
// +checklocks:s.mu
func (t *Table) sweepShardLocked(s *shard, now int64) int {
	if s.live == 0 || now < s.minDead {
		return 0
	}
	removed := 0
	minDead := int64(math.MaxInt64)
	for i := 0; i < len(s.slots); {
		e := &s.slots[i]
		if e.state == StateNone {
			i++
			continue
		}
		if s.expiredLocked(e, now) {
			t.removeLocked(s, uint32(i))
			removed++
			continue
		}
		if d := e.last + int64(s.timeoutLocked(e.state)); d < minDead {
			minDead = d
		}
		i++
	}
	s.minDead = minDead
	return removed
}
