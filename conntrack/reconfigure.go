package conntrack

// Reconfigure changes the table's idle timeouts, as modifying an
// interface's ConnectionTrackingSpecification does in AWS. Live entries
// keep their state and last-seen time; from now on they expire by the new
// timeouts. Capacity, SizeHint and Shards cannot change: they are taken
// from the table's current configuration. An invalid configuration returns
// an error and changes nothing.
func (t *Table) Reconfigure(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	// From fields New set and nothing changes: reading t.cfg here,
	// before taking a lock, raced with another Reconfigure writing it.
	c.Capacity, c.SizeHint, c.Shards = t.capacity, t.sizeHint, len(t.shards)
	c = c.withDefaults()
	// Timeouts are read under a shard's lock; holding every shard's lock
	// (in index order) makes the change atomic for all of them.
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	t.cfg = c
	for i := range t.shards {
		// Entries may now expire sooner than the recorded lower bound.
		t.shards[i].minDead = -1 << 63
		t.shards[i].mu.Unlock()
	}
	return nil
}
