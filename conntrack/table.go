package conntrack

import (
	"hash/maphash"
	"math"
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
// holds at most one shard lock at a time, except [Table.Reconfigure],
// which takes them all in index order. cfg is guarded by every shard's
// lock (reading it needs any one). count and exceeded are atomics.
type Table struct {
	cfg      Config // guarded by every shard's lock: Reconfigure holds them all
	capacity int    // cfg.Capacity, fixed for the table's life
	sizeHint int    // cfg.SizeHint, fixed for the table's life
	seed     uint64
	mask     uint64
	shards   []shard

	count    atomic.Int64  // live entries, expired-but-unswept included
	exceeded atomic.Uint64 // packets dropped because the table was full
}

// shard is one locked part of the table. Entries live in a slab without
// pointers, so a million of them cost the garbage collector nothing to
// scan. The index over the slab is the shard's own open-addressing hash
// table (slots), not a Go map: the flow's hash is computed once per packet
// ([flow.Packet.CanonicalKeyHash]) and picks the shard, the home slot and
// a 32-bit tag, where a map hashed the 40-byte key a second time; the key
// itself is compared only when the tag matches. An 8-byte slot, at most
// 3/4 of them in use, costs 11 to 21 bytes per connection, where the map
// cost about 100: a presized table of a million connections takes about
// 82 bytes per connection instead of 173 (BenchmarkEstablished's B/flow),
// and a lookup in it is about twice as fast.
//
// A slot is 0 when empty, else tag<<32 | (slab index + 1), where tag is
// the high 32 bits of the flow's hash; the low bits of the tag are the
// slot's home. Collisions probe linearly; a removal shifts the rest of the
// cluster back, so there are no tombstones and a lookup stops at the first
// empty slot. The index doubles when it would pass 3/4 full.
//
// Free slab slots form a list threaded through the entries themselves
// (entry.hash of a free entry holds the next free slot + 1), so reusing a
// slot never allocates. The slab keeps its order: Sweep's cursor walks it
// in the order entries were first placed.
type shard struct {
	mu      sync.Mutex
	slots   []uint64 // the index; len is a power of two
	slab    []entry
	free    uint32 // first free slab slot + 1; 0: none
	live    uint32 // entries in the index
	cursor  int    // next slab slot Sweep looks at
	minDead int64  // no entry expires before this (unix ns); a lower bound
	// Pads the shard to 128 bytes: shards are allocated together, and
	// two cache lines each keep one goroutine's lock and index header
	// from sharing a line with another's (BenchmarkParallel).
	_ [48]byte
}

// entry is one tracked connection, or a free slab slot (state StateNone).
// key is its canonical key. It is 64 bytes, one cache line.
type entry struct {
	key          flow.Key
	created      int64 // unix ns
	last         int64 // unix ns of the last packet
	state        State // StateNone marks a free slab slot
	flags        uint8
	transactions uint8
	icmpType     uint8  // the query type that created an ICMP entry
	hash         uint32 // the index tag (high half of the key's hash); free: next free slot + 1
}

// minSlots is the smallest index a shard starts with.
const minSlots = 8

// New returns an empty table with the given configuration, or an error if
// the configuration is out of AWS's ranges.
func New(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	t := &Table{cfg: cfg, capacity: cfg.Capacity, sizeHint: cfg.SizeHint, seed: newSeed(), mask: uint64(cfg.Shards - 1), shards: make([]shard, cfg.Shards)}
	per := cfg.SizeHint / cfg.Shards
	if per > 0 {
		// A shard's share varies: about per ± sqrt(per). Room for four
		// standard deviations more keeps every shard's slab from growing
		// (and copying) when the table reaches the hint.
		per += 4*int(math.Sqrt(float64(per))) + 8
	}
	for i := range t.shards {
		s := &t.shards[i]
		s.slots = make([]uint64, slotsFor(per))
		if per > 0 {
			s.slab = make([]entry, 0, per)
		}
	}
	return t, nil
}

// slotsFor returns the index size for n entries: a power of two at least
// minSlots with n at most 3/4 of it.
func slotsFor(n int) int {
	m := minSlots
	for m*3/4 < n {
		m *= 2
	}
	return m
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

// locate sets *ck to p's canonical key and returns whether that is p's
// own key, its shard and its index tag, all from one pass over the
// packet ([flow.Packet.CanonicalKeyHash]).
func (t *Table) locate(p *flow.Packet, ck *flow.Key) (same bool, s *shard, tag uint32) {
	same, h := p.CanonicalKeyHash(t.seed, ck)
	return same, &t.shards[h&t.mask], uint32(h >> 32)
}

// find returns the slab index of the entry with canonical key ck and tag
// tag, and the slot that holds it; found is false when there is none, and
// then pos is the empty slot that ended the search. The caller holds s.mu.
func (s *shard) find(ck *flow.Key, tag uint32) (pos int, i uint32, found bool) {
	m := len(s.slots) - 1
	want := uint64(tag) << 32
	for pos = int(tag) & m; ; pos = (pos + 1) & m {
		v := s.slots[pos]
		if v == 0 {
			return pos, 0, false
		}
		if v&^0xffff_ffff == want {
			i = uint32(v) - 1
			if s.slab[i].key.Equal(ck) {
				return pos, i, true
			}
		}
	}
}

// slotOf returns the slot that holds slab index i, whose entry has tag
// tag. The caller holds s.mu and knows the entry is indexed.
func (s *shard) slotOf(i, tag uint32) int {
	m := len(s.slots) - 1
	v := uint64(tag)<<32 | uint64(i+1)
	pos := int(tag) & m
	for s.slots[pos] != v {
		pos = (pos + 1) & m
	}
	return pos
}

// link indexes slab index i under tag, growing the index first if it
// would pass 3/4 full. The key must not be indexed yet. The caller holds
// s.mu.
func (s *shard) link(i, tag uint32) {
	if int(s.live+1) > len(s.slots)*3/4 {
		s.grow()
	}
	m := len(s.slots) - 1
	pos := int(tag) & m
	for s.slots[pos] != 0 {
		pos = (pos + 1) & m
	}
	s.slots[pos] = uint64(tag)<<32 | uint64(i+1)
	s.live++
}

// grow doubles the index. The caller holds s.mu.
func (s *shard) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	m := len(s.slots) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		pos := int(v>>32) & m
		for s.slots[pos] != 0 {
			pos = (pos + 1) & m
		}
		s.slots[pos] = v
	}
}

// unlink empties slot pos and shifts back the entries after it in its
// cluster that may move (those whose home is not between pos and where
// they are), so that every entry stays reachable from its home without
// tombstones. The caller holds s.mu.
func (s *shard) unlink(pos int) {
	m := len(s.slots) - 1
	for j := pos; ; {
		j = (j + 1) & m
		v := s.slots[j]
		if v == 0 {
			break
		}
		home := int(v>>32) & m
		if (j-home)&m >= (j-pos)&m { // pos lies on the way from home to j
			s.slots[pos] = v
			pos = j
		}
	}
	s.slots[pos] = 0
	s.live--
}

// Lookup finds the tracked connection p belongs to, in either direction,
// applies p to it (state machine, idle timer) and reports the result. ok
// is false when there is none: no entry, an expired one (Result.Expired),
// or for ICMP a message of the wrong kind for its direction (an entry
// admits the request type one way and the reply type the other, CT-10).
//
// Lookup must not allocate: it is on every packet's path. It hashes the
// key once (shard, slot and tag all come from that hash), takes one shard
// lock, and reads one index slot and one 64-byte entry in the common case.
func (t *Table) Lookup(p *flow.Packet, now time.Time) (r Result, ok bool) {
	var ck flow.Key
	same, s, tag := t.locate(p, &ck)
	n := now.UnixNano()
	s.mu.Lock()
	pos, i, found := s.find(&ck, tag)
	if !found {
		s.mu.Unlock()
		return r, false
	}
	e := &s.slab[i]
	if t.expired(e, n) {
		t.remove(s, pos, i)
		s.mu.Unlock()
		r.Expired = true
		return r, false
	}
	orig := same == (e.flags&origCanon != 0)
	if p.Proto.IsICMP() && !icmpFits(p, e, orig) {
		s.mu.Unlock()
		return r, false
	}
	t.apply(s, e, pos, i, p, orig, n, &r)
	s.mu.Unlock()
	return r, true
}

// apply runs p through e, held in slab slot i and index slot pos, and
// fills *r, a zero Result; it removes e if p ends it. The caller holds
// s.mu. It writes the result's fields in place: building a Result and
// returning it made the compiler copy it in 16-byte moves over the
// smaller stores just made, a stall that cost a tenth of a lookup.
func (t *Table) apply(s *shard, e *entry, pos int, i uint32, p *flow.Packet, orig bool, n int64, r *Result) {
	kill := e.step(p, orig)
	e.last = n
	r.State, r.Reply = e.state, !orig
	r.Created, r.Age = time.Unix(0, e.created), time.Duration(n-e.created)
	if kill {
		r.Closed = true
		t.remove(s, pos, i)
	} else if d := n + int64(t.timeout(e.state)); d < s.minDead {
		s.minDead = d
	}
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

// remove frees slab slot i, indexed at slot pos. The caller holds s.mu.
func (t *Table) remove(s *shard, pos int, i uint32) {
	s.unlink(pos)
	s.slab[i] = entry{hash: s.free}
	s.free = i + 1
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
	var ck flow.Key
	same, s, tag := t.locate(p, &ck)
	n := now.UnixNano()
	s.mu.Lock()
	for swept := false; ; swept = true {
		if pos, i, found := s.find(&ck, tag); found {
			e := &s.slab[i]
			if !t.expired(e, n) {
				orig := same == (e.flags&origCanon != 0)
				if !p.Proto.IsICMP() || icmpFits(p, e, orig) {
					var r Result
					t.apply(s, e, pos, i, p, orig, n, &r)
					s.mu.Unlock()
					return r, Existing
				}
				// An ICMP message that does not fit the live query
				// entry of its key: the entry keeps its slot, and the
				// packet is not tracked.
				s.mu.Unlock()
				return Result{}, CannotStart
			}
			t.remove(s, pos, i)
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
	if s.free != 0 {
		i = s.free - 1
		s.free = s.slab[i].hash
	} else {
		i = uint32(len(s.slab))
		s.slab = append(s.slab, entry{})
	}
	e := &s.slab[i]
	*e = entry{key: ck, created: n, last: n, state: st, flags: lastOrig, hash: tag}
	if same {
		e.flags |= origCanon
	}
	if st == ICMPQuery {
		e.icmpType = p.ICMPType
	}
	s.link(i, tag)
	if d := n + int64(t.timeout(st)); s.live == 1 || d < s.minDead {
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
		if s.live > 0 && n >= s.minDead {
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
			t.remove(s, s.slotOf(uint32(i), e.hash), uint32(i))
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
