package conntrack

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// Table is the connection-tracking table of one network interface (CT-22).
// One entry serves both directions of a connection: it is stored under the
// flow's canonical key ([flow.Key.Canonical]), and a packet learns from the
// entry whether it goes the original or the reply way (CT-7).
//
// Time is the caller's: every method that can see an entry expire takes
// now. An entry whose last packet was seen at least its idle timeout ago
// is gone (CT-17: a packet at exactly last+timeout finds nothing). Expired
// entries are removed lazily when a lookup meets them and by [Table.Sweep].
//
// A Table is safe for concurrent use. It is split into shards, each with
// its own lock; both directions of a flow hash to the same shard.
//
// Lock discipline: shard.mu guards every field of its shard. A method
// holds at most one shard lock at a time. count and exceeded are atomics.
type Table struct {
	cfg      Config // guarded by every shard's lock: Reconfigure holds them all
	capacity int    // cfg.Capacity, fixed for the table's life
	seed     uint64
	mask     uint64
	shards   []shard

	count    atomic.Int64  // live entries, expired-but-unswept included
	exceeded atomic.Uint64 // packets dropped because the table was full
}

// shard is one locked part of the table. Entries live in a slab without
// pointers, so a million of them cost the garbage collector nothing to
// scan; the map holds slab indexes.
type shard struct {
	mu      sync.Mutex
	index   map[flow.Key]uint32
	slab    []entry
	free    []uint32
	cursor  int   // next slab slot Sweep looks at
	minDead int64 // no entry expires before this (unix ns); a lower bound
	_       [32]byte
}

// entry is one tracked connection. key is its canonical key.
type entry struct {
	key          flow.Key
	created      int64 // unix ns
	last         int64 // unix ns of the last packet
	state        State // StateNone marks a free slab slot
	flags        uint8
	transactions uint8
	icmpType     uint8 // the query type that created an ICMP entry
}

// New returns an empty table with the given configuration, or an error if
// the configuration is out of AWS's ranges.
func New(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	t := &Table{cfg: cfg, capacity: cfg.Capacity, seed: newSeed(), mask: uint64(cfg.Shards - 1), shards: make([]shard, cfg.Shards)}
	per := cfg.SizeHint / cfg.Shards
	for i := range t.shards {
		t.shards[i].index = make(map[flow.Key]uint32, per)
		if per > 0 {
			t.shards[i].slab = make([]entry, 0, per)
		}
	}
	return t, nil
}

// MustNew is New for configurations known to be valid, in tests and
// examples; it panics on an invalid one.
func MustNew(cfg Config) *Table {
	t, err := New(cfg)
	if err != nil {
		panic("conntrack: MustNew: " + err.Error())
	}
	return t
}

// newSeed draws the shard-hash seed from the runtime's random source.
func newSeed() uint64 {
	var h maphash.Hash
	return h.Sum64()
}

// Config returns the table's configuration, with defaults filled in.
// It takes a shard's lock, since [Table.Reconfigure] writes the
// configuration while holding all of them.
func (t *Table) Config() Config {
	s := &t.shards[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.cfg
}

// Result describes a packet's tracked connection after the packet.
type Result struct {
	// State is the connection's state after the packet.
	State State
	// Reply is true when the packet went the reply way: its key is the
	// reverse of the connection's original key.
	Reply bool
	// Created is when the connection's entry was created.
	Created time.Time
	// Age is how long before now the entry was created.
	Age time.Duration
	// Expired is set by a Lookup that found the flow's entry past its idle
	// timeout (and removed it).
	Expired bool
	// Closed is true when the packet ended the entry at once (an RST before
	// any reply, CT-17h): the packet was admitted, the entry is gone.
	Closed bool
}

// Status is the outcome of [Table.Create].
type Status uint8

// The outcomes of Create.
const (
	// Created: a new entry tracks the connection.
	Created Status = iota + 1
	// Existing: an entry existed already (another goroutine made it, or
	// the caller did not look first); the packet was applied to it.
	Existing
	// CannotStart: the packet cannot start a tracked connection (a lone
	// SYN-ACK, FIN or RST, an ICMP reply or error: CT-10, CT-17k).
	CannotStart
	// Full: the table is at capacity; the packet must be dropped (CT-20).
	Full
)

// String returns "created", "existing", "cannot-start" or "full".
func (s Status) String() string {
	switch s {
	case Created:
		return "created"
	case Existing:
		return "existing"
	case CannotStart:
		return "cannot-start"
	case Full:
		return "full"
	}
	return "none"
}

func (t *Table) shardOf(ck flow.Key) *shard {
	return &t.shards[ck.Hash(t.seed)&t.mask]
}

// Lookup finds the tracked connection p belongs to, in either direction,
// applies p to it (state machine, idle timer) and reports the result. ok
// is false when there is none: no entry, an expired one (Result.Expired),
// or for ICMP a message of the wrong kind for its direction (an entry
// admits the request type one way and the reply type the other, CT-10).
//
// Lookup must not allocate: it is on every packet's path.
func (t *Table) Lookup(p *flow.Packet, now time.Time) (r Result, ok bool) {
	ck, same := p.Key().Canonical()
	s := t.shardOf(ck)
	n := now.UnixNano()
	s.mu.Lock()
	i, found := s.index[ck]
	if !found {
		s.mu.Unlock()
		return r, false
	}
	e := &s.slab[i]
	if t.expired(e, n) {
		t.remove(s, ck, i)
		s.mu.Unlock()
		r.Expired = true
		return r, false
	}
	orig := same == (e.flags&origCanon != 0)
	if p.Proto.IsICMP() && !icmpFits(p, e, orig) {
		s.mu.Unlock()
		return r, false
	}
	r = t.apply(s, e, i, p, orig, n)
	s.mu.Unlock()
	return r, true
}

// apply runs p through e and fills the result; it removes e if p ends it.
// The caller holds s.mu.
func (t *Table) apply(s *shard, e *entry, i uint32, p *flow.Packet, orig bool, n int64) Result {
	kill := e.step(p, orig)
	e.last = n
	r := Result{State: e.state, Reply: !orig, Created: time.Unix(0, e.created), Age: time.Duration(n - e.created)}
	if kill {
		r.Closed = true
		t.remove(s, e.key, i)
	} else if d := n + int64(t.timeout(e.state)); d < s.minDead {
		s.minDead = d
	}
	return r
}

// icmpFits reports whether an ICMP packet may use query entry e in the
// direction it goes: the request type that created e the original way, the
// matching reply type the reply way (CT-10: echo 8↔0, timestamp 13↔14, ...).
func icmpFits(p *flow.Packet, e *entry, orig bool) bool {
	req, ok := flow.ICMPQuery(p.Proto, p.ICMPType)
	if !ok || req != orig {
		return false
	}
	if orig {
		return p.ICMPType == e.icmpType
	}
	t, _ := flow.ICMPPeerType(p.Proto, p.ICMPType)
	return t == e.icmpType
}

// expired reports whether e's idle timeout has run out at n. Differences,
// not sums, are compared so that any pair of times 292 years apart works.
func (t *Table) expired(e *entry, n int64) bool {
	return n-e.last >= int64(t.timeout(e.state))
}

// remove frees slab slot i holding key ck. The caller holds s.mu.
func (t *Table) remove(s *shard, ck flow.Key, i uint32) {
	delete(s.index, ck)
	s.slab[i] = entry{}
	s.free = append(s.free, i)
	t.count.Add(-1)
}

// Create starts tracking the connection p opens, at now, if p can start
// one (a TCP SYN or a plain ACK/data segment, any UDP or other-protocol
// packet, an ICMP query request). If the flow already has a live entry, p
// is applied to it and the status is Existing. If the table is at
// capacity even after expired entries are cleared, the status is Full and
// the packet is counted in [Table.Exceeded] (CT-20).
//
// With a warm table (a free slab slot, room in the index) Create does not
// allocate.
func (t *Table) Create(p *flow.Packet, now time.Time) (Result, Status) {
	st := startState(p)
	ck, same := p.Key().Canonical()
	s := t.shardOf(ck)
	n := now.UnixNano()
	s.mu.Lock()
	for swept := false; ; swept = true {
		if i, found := s.index[ck]; found {
			e := &s.slab[i]
			if !t.expired(e, n) {
				orig := same == (e.flags&origCanon != 0)
				if !p.Proto.IsICMP() || icmpFits(p, e, orig) {
					r := t.apply(s, e, i, p, orig, n)
					s.mu.Unlock()
					return r, Existing
				}
				// An ICMP message that does not fit the live query
				// entry of its key: the entry keeps its slot, and the
				// packet is not tracked.
				s.mu.Unlock()
				return Result{}, CannotStart
			}
			t.remove(s, ck, i)
		}
		if st == StateNone {
			s.mu.Unlock()
			return Result{}, CannotStart
		}
		if t.reserve() {
			break
		}
		if swept {
			s.mu.Unlock()
			t.exceeded.Add(1)
			return Result{}, Full
		}
		// Full: clear what has expired, then look again; another
		// goroutine may have created this flow meanwhile.
		s.mu.Unlock()
		t.sweepAll(n)
		s.mu.Lock()
	}
	var i uint32
	if k := len(s.free); k > 0 {
		i = s.free[k-1]
		s.free = s.free[:k-1]
	} else {
		i = uint32(len(s.slab))
		s.slab = append(s.slab, entry{})
	}
	e := &s.slab[i]
	*e = entry{key: ck, created: n, last: n, state: st, flags: lastOrig}
	if same {
		e.flags |= origCanon
	}
	if st == ICMPQuery {
		e.icmpType = p.ICMPType
	}
	s.index[ck] = i
	if d := n + int64(t.timeout(st)); len(s.index) == 1 || d < s.minDead {
		s.minDead = d
	}
	r := Result{State: st, Created: time.Unix(0, n)}
	s.mu.Unlock()
	return r, Created
}

// reserve counts one more entry unless the table is at capacity. The
// compare-and-swap keeps goroutines that create entries in different
// shards at once from passing the capacity together.
func (t *Table) reserve() bool {
	if t.capacity == 0 {
		t.count.Add(1)
		return true
	}
	for {
		c := t.count.Load()
		if c >= int64(t.capacity) {
			return false
		}
		if t.count.CompareAndSwap(c, c+1) {
			return true
		}
	}
}

// Len returns the number of entries, counting expired ones not yet
// removed. Call [Table.Sweep] first for an exact count at a time.
func (t *Table) Len() int { return int(t.count.Load()) }

// Exceeded returns how many packets were dropped because the table was
// full: AWS's conntrack_allowance_exceeded metric (CT-19).
func (t *Table) Exceeded() uint64 { return t.exceeded.Load() }

// Available returns how many more connections can be tracked before the
// capacity is reached (AWS's conntrack_allowance_available, CT-19), or -1
// when the table has no limit.
func (t *Table) Available() int {
	if t.capacity == 0 {
		return -1
	}
	if a := t.capacity - t.Len(); a > 0 {
		return a
	}
	return 0
}

// Sweep removes expired entries, looking at about max slab slots in all,
// spread evenly over the shards and at least one per shard (max <= 0
// means all of them), and returns how many it removed. Successive calls
// continue where the last one stopped, so a caller can spread the work
// over time.
func (t *Table) Sweep(now time.Time, max int) int {
	n := now.UnixNano()
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
		removed += t.sweepShard(s, n, per)
		s.mu.Unlock()
	}
	return removed
}

func (t *Table) sweepAll(n int64) int {
	removed := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		if len(s.index) > 0 && n >= s.minDead {
			s.cursor = 0
			removed += t.sweepShard(s, n, len(s.slab))
			s.recomputeMinDead(t)
		}
		s.mu.Unlock()
	}
	return removed
}

// sweepShard looks at up to max slots from the cursor. The caller holds s.mu.
func (t *Table) sweepShard(s *shard, n int64, max int) int {
	removed := 0
	for k := 0; k < max && len(s.slab) > 0; k++ {
		if s.cursor >= len(s.slab) {
			s.cursor = 0
		}
		i := s.cursor
		s.cursor++
		e := &s.slab[i]
		if e.state != StateNone && t.expired(e, n) {
			t.remove(s, e.key, uint32(i))
			removed++
		}
	}
	return removed
}

func (s *shard) recomputeMinDead(t *Table) {
	first := true
	for i := range s.slab {
		e := &s.slab[i]
		if e.state == StateNone {
			continue
		}
		if d := e.last + int64(t.timeout(e.state)); first || d < s.minDead {
			s.minDead, first = d, false
		}
	}
}

// Conn describes one tracked connection, for listings and explanations.
type Conn struct {
	// Key is the connection's original key: the first packet's direction.
	Key flow.Key
	// State is its state.
	State State
	// Created and LastSeen are when the first and the latest packet came.
	Created, LastSeen time.Time
	// Expires is when the entry dies if no further packet comes.
	Expires time.Time
}

// Conns returns the live connections at now, in no particular order. It
// allocates; it is meant for tools and tests, not the packet path.
func (t *Table) Conns(now time.Time) []Conn {
	n := now.UnixNano()
	var out []Conn
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for j := range s.slab {
			e := &s.slab[j]
			if e.state == StateNone || t.expired(e, n) {
				continue
			}
			k := e.key
			if e.flags&origCanon == 0 {
				k = k.Reverse()
			}
			out = append(out, Conn{Key: k, State: e.state, Created: time.Unix(0, e.created),
				LastSeen: time.Unix(0, e.last), Expires: time.Unix(0, e.last+int64(t.timeout(e.state)))})
		}
		s.mu.Unlock()
	}
	return out
}
