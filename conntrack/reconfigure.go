package conntrack

import "math"

// Reconfigure changes the table's idle timeouts, as modifying an
// interface's ConnectionTrackingSpecification does in AWS. The change
// happens at the latest time the table has been given (the largest now
// passed to any of its methods): entries that had expired by then are
// removed under the old timeouts, so that a longer timeout does not bring
// back a connection that was already gone, whether or not a sweep had
// come across it. Live entries keep their state and last-seen time, and
// from then on they expire by the new timeouts. Capacity, SizeHint and
// Shards cannot change: they are taken from the table's current
// configuration. An invalid configuration returns an error and changes
// nothing.
func (t *Table) Reconfigure(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.Capacity, c.SizeHint, c.Shards = t.capacity, t.sizeHint, len(t.shards)
	c = c.withDefaults()
	t.reconf.Lock()
	defer t.reconf.Unlock()
	// Holding every shard's lock at once (in index order, after reconf)
	// makes the change atomic: no packet sees one shard's new timeouts
	// and another's old ones.
	latest := int64(math.MinInt64)
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		latest = max(latest, s.latestLocked())
	}
	t.cfg = c
	for i := range t.shards {
		s := &t.shards[i]
		if latest != math.MinInt64 { // else no time yet, and no entry
			t.sweepShardLocked(s, latest)
		}
		s.setTimeoutsLocked(&c)
		// Entries may now expire sooner than the recorded lower bound.
		s.minDead = math.MinInt64
		s.mu.Unlock()
	}
	return nil
}
