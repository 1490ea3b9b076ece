package conntrack

import (
	"math"
	"sync"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// shard is one locked part of a table: an open-addressing hash table whose
// slots hold the entries themselves, keyed by canonical flow key.
//
// # Layout
//
// A slot is an [entry]: 64 bytes, key and state and times together, and
// the slot array starts on a 64-byte boundary (Go's allocator places an
// array whose size is a multiple of 64 bytes so; TestEntryLine checks
// it), so a slot is exactly one cache line. A lookup hashes the packet once ([flow.Packet.CanonicalKeyHash]):
// the low bits of the hash pick the shard, the high 32 bits are the
// entry's tag, and the tag scaled to the number of slots is the entry's
// home slot. The lookup reads the home slot and, while the slot is taken
// by another key, the next ones: the first line it touches holds the key,
// the state and the times it needs, where an index of slot numbers over a
// separate array of entries costs a second, dependent miss. The tag is
// compared before the 40-byte key, in the line already loaded.
//
// The array holds no pointers, so the garbage collector never scans it,
// however many connections it holds.
//
// # Invariants
//
//   - Linear probing: every entry lies at its home slot or after it, with
//     no empty slot between its home and itself (wrapping at the end).
//     A search stops at the first empty slot.
//   - No tombstones: removing an entry shifts later entries of its
//     cluster back into the hole when the hole lies on their way from
//     home (backward-shift deletion), so that the first invariant holds
//     without markers and an empty slot (state [StateNone]) is empty.
//   - Load: live ≤ limit = ⌊3/4 · len(slots)⌋, so at least a quarter of
//     the slots are empty and every search ends. Any number of slots
//     works (the home is a multiply, not a mask), so presizing and growth
//     need not round up to a power of two.
//
// # Memory per connection
//
// A slot is 64 bytes and a shard keeps at most 3/4 of its slots in use,
// so a tracked connection costs at least 64 · 4/3 = 85.3 bytes:
//
//   - presized with [Config.SizeHint] H over S shards, a shard gets
//     slots for h = H/S + 4√(H/S) + 8 entries at load 3/4 (the square
//     root covers the spread of the shards' shares), so a table filled to
//     the hint costs 64 · 4/3 · h/(H/S) bytes a connection: 85.3 plus a
//     few percent of slack (86.7 at H = 10⁶, S = 16).
//   - a shard that reaches its limit first removes every expired entry,
//     and grows by half only if that freed less than a quarter of the
//     limit. Just before growing a connection costs 85.3 bytes; right
//     after, 64 · 1.5 · 4/3 = 128, plus the old array (85.3 more) until
//     the collector frees it.
//   - shards never shrink: slots sized for more connections than a table
//     holds now stay with it.
//
// The shard header below is padded to two cache lines: shards are
// allocated side by side, and a goroutine's lock and header then never
// share a line with another shard's.
type shard struct {
	// mu guards the fields below marked +checklocks:mu and the entries in
	// slots.
	mu sync.Mutex

	// slots holds the entries.
	// +checklocks:mu
	slots []entry
	// live is the number of taken slots, expired entries included.
	// +checklocks:mu
	live uint32
	// limit is the most entries the slots may hold: 3/4 of them.
	// +checklocks:mu
	limit uint32
	// minDead is a lower bound on when an entry of the shard can first
	// expire (unix ns): before it, sweeping has nothing to do.
	// +checklocks:mu
	minDead int64
	// latest and the last times of the entries record the latest now
	// (unix ns) a method has been given for this shard, the time
	// Reconfigure takes for the change (see latestLocked). A packet that
	// finds its entry alive leaves its now in the entry only, so that the
	// hottest path writes nothing more.
	// +checklocks:mu
	latest int64
	// tcpEstablished, udp and udpStream are the configurable idle
	// timeouts, the table's cfg copied here by New and Reconfigure so
	// that a packet reads them from the header whose lock it holds.
	// tcpEstablished ends the header's first cache line, which is all an
	// established TCP packet reads of it.
	// +checklocks:mu
	tcpEstablished, udp, udpStream time.Duration
	// cursor is the next slot an incremental sweep looks at.
	// +checklocks:mu
	cursor uint32

	_ [44]byte // padding to two cache lines; never read
}

// entry is one tracked connection, or an empty slot (state StateNone).
// key is the connection's canonical key. It is 64 bytes, one cache line:
// the 40-byte key, two exact nanosecond times, four bytes of state and a
// 4-byte tag. Its fields are guarded by the mu of the shard whose slots
// hold it; code that reads or writes an entry holds that lock.
type entry struct {
	key          flow.Key
	created      int64 // unix ns
	last         int64 // unix ns of the last packet
	state        State // StateNone marks an empty slot
	flags        uint8
	transactions uint8
	icmpType     uint8  // the query type that created an ICMP entry
	tag          uint32 // the high half of the key's hash, which gives the home slot
}

// minSlots is the fewest slots a shard has.
const minSlots = 8

// limitFor is the load limit of n slots: ⌊3n/4⌋, less than n.
func limitFor(n int) uint32 { return uint32(3 * n / 4) }

// slotsFor returns the fewest slots, at least minSlots, that hold n
// entries within the load limit: ⌈4n/3⌉.
func slotsFor(n int) int { return max((4*n+2)/3, minSlots) }

// home returns the home slot of tag among n slots: the tag scaled to
// [0, n). Tags are uniform, so homes are too, whatever n is.
func home(tag, n uint32) uint32 { return uint32(uint64(tag) * uint64(n) >> 32) }

// init gives s n empty slots and the configuration's timeouts. It runs
// in New, before the table is shared, so it takes no lock.
func (s *shard) init(n int, c *Config) {
	s.slots = make([]entry, n)
	s.limit = limitFor(n)
	s.minDead = math.MaxInt64
	s.latest = math.MinInt64
	s.setTimeoutsLocked(c)
}

// seeLocked records that the table was given time now for s, where no
// entry's last time will record it. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) seeLocked(now int64) {
	if now > s.latest {
		s.latest = now
	}
}

// latestLocked returns the latest now the table has been given for s:
// the later of s.latest and its entries' last packets. It looks at every
// slot. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) latestLocked() int64 {
	latest := s.latest
	for i := range s.slots {
		if e := &s.slots[i]; e.state != StateNone && e.last > latest {
			latest = e.last
		}
	}
	return latest
}

// setTimeoutsLocked copies c's configurable timeouts. The caller holds
// s.mu.
// +checklocks:s.mu
func (s *shard) setTimeoutsLocked(c *Config) {
	s.tcpEstablished, s.udp, s.udpStream = c.TCPEstablishedTimeout, c.UDPTimeout, c.UDPStreamTimeout
}

// timeoutLocked returns the idle timeout of state st. The caller holds
// s.mu.
// +checklocks:s.mu
func (s *shard) timeoutLocked(st State) time.Duration {
	if st == Established { // the state of nearly every packet: one compare
		return s.tcpEstablished
	}
	switch st {
	case SynSent:
		return SynSentTimeout
	case SynRecv:
		return SynRecvTimeout
	case FinWait:
		return FinWaitTimeout
	case CloseWait:
		return CloseWaitTimeout
	case LastAck:
		return LastAckTimeout
	case TimeWait:
		return TimeWaitTimeout
	case Close:
		return CloseTimeout
	case UDPSingle:
		return s.udp
	case UDPStream:
		return s.udpStream
	case ICMPQuery:
		return ICMPTimeout
	}
	return OtherTimeout
}

// expiredLocked reports whether e's idle timeout has run out at now (unix
// ns). Differences, not sums, are compared, so that any two times 292
// years apart compare right. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) expiredLocked(e *entry, now int64) bool {
	return now-e.last >= int64(s.timeoutLocked(e.state))
}

// findLocked returns the slot of the entry with canonical key ck and tag
// tag; found is false when there is none, and then pos is the empty slot
// that ended the search, where the key would go. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) findLocked(ck *flow.Key, tag uint32) (pos uint32, found bool) {
	slots := s.slots
	n := uint32(len(slots))
	for pos = home(tag, n); ; {
		e := &slots[pos]
		if e.state == StateNone {
			return pos, false
		}
		if e.tag == tag && e.key.Equal(ck) {
			return pos, true
		}
		if pos++; pos == n {
			pos = 0
		}
	}
}

// emptySlotLocked returns the first empty slot from tag's home on: where
// a key with that tag, known to be absent, goes. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) emptySlotLocked(tag uint32) uint32 {
	slots := s.slots
	n := uint32(len(slots))
	pos := home(tag, n)
	for slots[pos].state != StateNone {
		if pos++; pos == n {
			pos = 0
		}
	}
	return pos
}

// deleteLocked empties slot hole and shifts back the entries after it in
// its cluster whose way from home passes the hole, so that no tombstone
// is needed. Entries only ever move backwards, towards their home. The
// caller holds s.mu.
// +checklocks:s.mu
func (s *shard) deleteLocked(hole uint32) {
	slots := s.slots
	n := uint32(len(slots))
	for j := hole; ; {
		if j++; j == n {
			j = 0
		}
		e := &slots[j]
		if e.state == StateNone {
			break
		}
		// The distances from e's home and from the hole to j, going
		// forward and wrapping: e may fill the hole if the hole is on
		// its way from home.
		h := home(e.tag, n)
		dh, dj := j-h, j-hole
		if j < h {
			dh += n
		}
		if j < hole {
			dj += n
		}
		if dh >= dj {
			slots[hole] = *e
			hole = j
		}
	}
	slots[hole] = entry{}
	s.live--
}

// resizeLocked moves the entries to n new slots, n > s.live. The cursor
// keeps its relative place. The caller holds s.mu.
// +checklocks:s.mu
func (s *shard) resizeLocked(n int) {
	old := s.slots
	s.slots = make([]entry, n)
	s.limit = limitFor(n)
	for i := range old {
		if e := &old[i]; e.state != StateNone {
			s.slots[s.emptySlotLocked(e.tag)] = *e
		}
	}
	s.cursor = uint32(uint64(s.cursor) * uint64(n) / uint64(len(old)))
}

// grownSize is the size a shard of n slots grows to: half as large again.
func grownSize(n int) int { return n + n/2 }
