package conntrack

import (
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
// now, which must lie between [MinTime] and [MaxTime] ([CheckTime]); the
// table refuses other times, the zero time.Time among them. An entry
// whose last packet was seen at least its idle timeout ago is gone
// (CT-17: a packet at exactly last+timeout finds nothing). Expired
// entries are removed lazily: when a lookup meets them, a few at a time by
// [Table.Create], and by [Table.Sweep].
//
// A Table is safe for concurrent use. It is split into shards, each with
// its own lock; both directions of a flow hash to the same shard.
//
// Lock discipline. Each shard's mu guards the fields of that shard
// (marked +checklocks:mu there) and the entries in its slots. reconf
// serializes [Table.Reconfigure] and guards cfg. Locks are taken in this
// order: reconf, then shard locks in index order; a method other than
// Reconfigure holds at most one shard lock at a time, and no code that
// runs under a shard lock takes another lock. Functions named ...Locked
// need the lock of the shard they are given (or of their receiver) held,
// as their +checklocks annotations say; the helpers that take an entry
// (icmpFits, entry.step) say so too. The remaining fields are immutable
// after New, or atomic.
type Table struct {
	// Immutable after New.
	mask     uint64  // len(shards) - 1
	capacity int     // Config.Capacity; 0: no limit
	sizeHint int     // Config.SizeHint
	shards   []shard // the slice; each shard guards its own fields

	// reconf serializes Reconfigure, which holds it while it takes every
	// shard lock, and guards cfg.
	reconf sync.Mutex
	// cfg is the configuration with defaults filled in. Each shard keeps
	// its own copy of the timeouts, under its own lock.
	// +checklocks:reconf
	cfg Config

	// Atomic: read and written without a lock.
	count    atomic.Int64  // entries, expired-but-unswept included
	exceeded atomic.Uint64 // packets dropped because the table was full
}

// New returns an empty table with the given configuration, or an error if
// the configuration is out of AWS's ranges.
func New(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	t := &Table{cfg: cfg, capacity: cfg.Capacity, sizeHint: cfg.SizeHint,
		mask: uint64(cfg.Shards - 1), shards: make([]shard, cfg.Shards)}
	per := cfg.SizeHint / cfg.Shards
	if per > 0 {
		// A shard's share varies: about per ± sqrt(per). Room for four
		// standard deviations more keeps every shard from growing (and
		// copying) when the table reaches the hint.
		per += 4*int(math.Sqrt(float64(per))) + 8
	}
	for i := range t.shards {
		t.shards[i].init(slotsFor(per), &cfg)
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

// hashSeed seeds the hash that places a flow in a shard and a slot. It is
// the same for every table, so a simulation is reproducible: two tables
// fed the same packets at the same times hold their entries in the same
// slots, sweep them at the same moments, and so explain a packet in the
// same words (whether it met its expired entry or found it swept, CT-17).
// The price is that the placement can be predicted: flows chosen to
// collide make their shard slower, never wrong.
const hashSeed = 0x9e3779b97f4a7c15

// Config returns the table's configuration, with defaults filled in.
func (t *Table) Config() Config {
	t.reconf.Lock()
	defer t.reconf.Unlock()
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
	// timeout (and removed it). An expired entry may be gone before a
	// packet meets it, removed by sweeping (Sweep's, or the little that
	// Create does); then the Lookup finds nothing and Expired is false.
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
	// BadTime: now is outside [MinTime]..[MaxTime] ([CheckTime] says
	// why); nothing was looked at or stored.
	BadTime
)

// String returns "created", "existing", "cannot-start", "full" or
// "bad-time".
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
	case BadTime:
		return "bad-time"
	}
	return "none"
}

// locate sets *ck to p's canonical key and returns whether that is p's
// own key, its shard and its tag, all from one pass over the packet
// ([flow.Packet.CanonicalKeyHash]). It reads only fields fixed in New and
// takes no lock.
func (t *Table) locate(p *flow.Packet, ck *flow.Key) (same bool, s *shard, tag uint32) {
	same, h := p.CanonicalKeyHash(hashSeed, ck)
	return same, &t.shards[h&t.mask], uint32(h >> 32)
}

// Lookup finds the tracked connection p belongs to, in either direction,
// applies p to it (state machine, idle timer) and reports the result. ok
// is false when there is none: no entry, an expired one (Result.Expired),
// or for ICMP a message of the wrong kind for its direction (an entry
// admits the request type one way and the reply type the other, CT-10).
//
// Lookup must not allocate: it is on every packet's path. It hashes the
// key once (shard, home slot and tag all come from that hash), takes one
// shard lock, and in the common case reads one slot, a single cache line
// that holds the key, the state and the times.
func (t *Table) Lookup(p *flow.Packet, now time.Time) (r Result, ok bool) {
	ok = t.LookupInto(p, now, &r)
	return r, ok
}

// LookupInto is Lookup writing the result into *r, which it overwrites:
// the form for a caller on every packet's path, which then copies no
// Result. It does not allocate.
func (t *Table) LookupInto(p *flow.Packet, now time.Time, r *Result) bool {
	*r = Result{}
	n, ok := unixNano(now)
	if !ok {
		return false // refused: see CheckTime
	}
	var ck flow.Key
	same, s, tag := t.locate(p, &ck)
	s.mu.Lock()
	// The home slot first, inline: it holds the flow for most packets.
	slots := s.slots
	pos := home(tag, uint32(len(slots)))
	e := &slots[pos]
	if e.tag != tag || e.state == StateNone || !e.key.Equal(&ck) {
		var found bool
		if pos, found = s.findLocked(&ck, tag); !found {
			s.seeLocked(n)
			s.mu.Unlock()
			return false
		}
		e = &slots[pos]
	}
	if s.expiredLocked(e, n) {
		s.seeLocked(n)
		t.removeLocked(s, pos)
		s.mu.Unlock()
		r.Expired = true
		return false
	}
	orig := same == (e.flags&origCanon != 0)
	if p.Proto.IsICMP() && !icmpFits(p, e, orig) {
		s.seeLocked(n)
		s.mu.Unlock()
		return false
	}
	// The entry's last records n: a found packet need not tell seeLocked.
	t.applyLocked(s, e, pos, p, orig, n, r)
	s.mu.Unlock()
	return true
}

// applyLocked runs p through entry e, in slot pos, and fills *r, a zero
// Result; it removes the entry if p ends it. The caller holds s.mu. It
// writes the result's fields in place rather than building a Result and
// returning it, which made the compiler copy it in 16-byte moves over the
// smaller stores just made, a store-forwarding stall.
// +checklocks:s.mu
func (t *Table) applyLocked(s *shard, e *entry, pos uint32, p *flow.Packet, orig bool, n int64, r *Result) {
	kill := e.step(p, orig)
	if e.last > n { // the caller's clock went back: keep the later time
		s.seeLocked(e.last)
	}
	e.last = n
	r.State, r.Reply = e.state, !orig
	r.Created, r.Age = time.Unix(0, e.created), time.Duration(n-e.created)
	if kill {
		r.Closed = true
		s.seeLocked(n) // the entry that would have recorded n goes
		t.removeLocked(s, pos)
	} else if d := n + int64(s.timeoutLocked(e.state)); d < s.minDead {
		s.minDead = d
	}
}

// icmpFits reports whether an ICMP packet may use query entry e in the
// direction it goes: the request type that created e the original way, the
// matching reply type the reply way (CT-10: echo 8↔0, timestamp 13↔14, ...).
// The caller holds the lock of e's shard.
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

// removeLocked removes the entry in slot pos. Entries after it may shift
// back (see [shard.deleteLocked]). The caller holds s.mu.
// +checklocks:s.mu
func (t *Table) removeLocked(s *shard, pos uint32) {
	s.deleteLocked(pos)
	t.count.Add(-1)
}

// createSweep is how many slots each Create that stores an entry looks at
// from its shard's sweep cursor, removing what has expired (see
// [Table.sweepStepLocked]). With k slots a Create, the cursor passes over
// a shard of n slots in about n/(k−1) Creates into it (each removal makes
// it look at its slot once more), so in a steady stream of new flows an
// entry outlives its timeout by at most about that many Creates, and the
// shard holds its live entries plus at most about n/(k−1) expired ones.
// With k = 4 and the load limit of 3/4, a shard reaches its limit only
// once more than 5/12 of its slots are live; [Table.makeRoomLocked] then
// clears the rest before it decides to grow.
const createSweep = 4

// Create starts tracking the connection p opens, at now, if p can start
// one (a TCP SYN or a plain ACK/data segment, any UDP or other-protocol
// packet, an ICMP query request). If the flow already has a live entry, p
// is applied to it and the status is Existing. If the table is at
// capacity even after expired entries are cleared, the status is Full and
// the packet is counted in [Table.Exceeded] (CT-20).
//
// Each entry Create stores also pays for a little sweeping: a few slots
// of its shard, from where the last sweep stopped, are checked and freed
// if expired, so that a table that only ever sees new flows still lets go
// of the old ones.
//
// With a warm table (room in the shard under its load limit) Create does
// not allocate.
func (t *Table) Create(p *flow.Packet, now time.Time) (Result, Status) {
	n, ok := unixNano(now)
	if !ok {
		return Result{}, BadTime
	}
	st := startState(p)
	var ck flow.Key
	same, s, tag := t.locate(p, &ck)
	s.mu.Lock()
	s.seeLocked(n)
	for swept := false; ; swept = true {
		if pos, found := s.findLocked(&ck, tag); found {
			e := &s.slots[pos]
			if !s.expiredLocked(e, n) {
				orig := same == (e.flags&origCanon != 0)
				if !p.Proto.IsICMP() || icmpFits(p, e, orig) {
					var r Result
					t.applyLocked(s, e, pos, p, orig, n, &r)
					s.mu.Unlock()
					return r, Existing
				}
				// An ICMP message that does not fit the live query
				// entry of its key: the entry keeps its slot, and the
				// packet is not tracked.
				s.mu.Unlock()
				return Result{}, CannotStart
			}
			t.removeLocked(s, pos)
		}
		if st == StateNone {
			s.mu.Unlock()
			return Result{}, CannotStart
		}
		if !swept {
			t.sweepStepLocked(s, n, createSweep)
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
	if s.live >= s.limit {
		t.makeRoomLocked(s, n)
	}
	// The key is absent; removals and growth above may have moved the
	// empty slot the search ended at, so look for one again.
	e := &s.slots[s.emptySlotLocked(tag)]
	*e = entry{key: ck, created: n, last: n, state: st, flags: lastOrig, tag: tag}
	if same {
		e.flags |= origCanon
	}
	if st == ICMPQuery {
		e.icmpType = p.ICMPType
	}
	s.live++
	if d := n + int64(s.timeoutLocked(st)); d < s.minDead {
		s.minDead = d
	}
	r := Result{State: st, Created: time.Unix(0, n)}
	s.mu.Unlock()
	return r, Created
}

// makeRoomLocked makes room for one more entry in s, which holds as many
// as its load limit allows: it removes every expired entry of the shard
// and, unless that freed a quarter of the limit, grows the slots by half.
// Asking for a quarter keeps a shard whose live entries hover at the
// limit from sweeping all of it on every Create. The caller holds s.mu.
// +checklocks:s.mu
func (t *Table) makeRoomLocked(s *shard, now int64) {
	t.sweepShardLocked(s, now)
	if s.live < s.limit-s.limit/4 {
		return
	}
	s.resizeLocked(grownSize(len(s.slots)))
}

// reserve counts one more entry unless the table is at capacity. The
// compare-and-swap keeps goroutines that create entries in different
// shards at once from passing the capacity together. It needs no lock;
// Create calls it holding its shard's.
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
	n, ok := unixNano(now)
	if !ok {
		return nil
	}
	var out []Conn
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.seeLocked(n)
		for j := range s.slots {
			e := &s.slots[j]
			if e.state == StateNone || s.expiredLocked(e, n) {
				continue
			}
			k := e.key
			if e.flags&origCanon == 0 {
				k = k.Reverse()
			}
			out = append(out, Conn{Key: k, State: e.state, Created: time.Unix(0, e.created),
				LastSeen: time.Unix(0, e.last), Expires: time.Unix(0, e.last+int64(s.timeoutLocked(e.state)))})
		}
		s.mu.Unlock()
	}
	return out
}
