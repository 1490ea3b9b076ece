package conntrack

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestShardSlots drives one shard's open-addressing slots with random
// inserts and removals against a plain map, for slot counts that are and
// are not powers of two, with tags drawn from a tiny set so that clusters
// form, wrap around the end of the slots and are cut by removals. After
// every step each present key must be found holding its own entry, each
// removed one not at all, and every entry must lie on an unbroken run of
// taken slots from its home (the invariant that lets a search stop at the
// first empty slot).
func TestShardSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cfg := DefaultConfig()
	for round := range 30 {
		var s shard
		n := []int{8, 11, 16, 27}[round%4]
		s.init(n, &cfg)
		model := map[flow.Key]uint32{} // key -> its tag
		var keys []flow.Key
		tagOf := map[flow.Key]uint32{}
		for k := range 64 {
			key := flow.MakeKey(flow.UDP, netip.AddrFrom4([4]byte{10, 0, byte(round), byte(k)}), netip.MustParseAddr("10.0.1.10"), uint16(k), 53)
			keys = append(keys, key)
			// Few distinct homes: the first slot, the middle, the last
			// two (so clusters wrap), each under two tags.
			tagOf[key] = []uint32{0, 1, 0x8000_0000, 0x8000_0001, 0xf000_0000, 0xffff_ffff}[rng.IntN(6)]
		}
		for step := range 400 {
			key := keys[rng.IntN(len(keys))]
			tag := tagOf[key]
			pos, found := s.findLocked(&key, tag)
			_, inModel := model[key]
			require.Equal(t, inModel, found, "round %d step %d: find %s", round, step, key)
			switch {
			case found:
				require.Equal(t, key, s.slots[pos].key)
				s.deleteLocked(pos)
				delete(model, key)
			case s.live < s.limit:
				require.Equal(t, StateNone, s.slots[pos].state, "a failed search ends at an empty slot")
				require.Equal(t, pos, s.emptySlotLocked(tag))
				s.slots[pos] = entry{key: key, state: UDPSingle, tag: tag}
				s.live++
				model[key] = tag
			}
			require.Equal(t, len(model), int(s.live))
			for _, k := range keys {
				pos, found := s.findLocked(&k, tagOf[k])
				_, ok := model[k]
				require.Equal(t, ok, found, "round %d step %d: %s", round, step, k)
				if ok {
					require.Equal(t, k, s.slots[pos].key)
				}
			}
			requireProbeRuns(t, &s)
		}
	}
}

// requireProbeRuns checks that every entry of s is reachable from its home
// slot through taken slots only.
func requireProbeRuns(t *testing.T, s *shard) {
	t.Helper()
	n := uint32(len(s.slots))
	for i := range s.slots {
		e := &s.slots[i]
		if e.state == StateNone {
			continue
		}
		for j := home(e.tag, n); j != uint32(i); j = (j + 1) % n {
			require.NotEqualf(t, StateNone, s.slots[j].state, "slot %d between the home %d of slot %d and itself is empty", j, home(e.tag, n), i)
		}
	}
}

// TestShardResize: growing keeps every entry findable, and a shard grows
// only when it must.
func TestShardResize(t *testing.T) {
	cfg := DefaultConfig()
	var s shard
	s.init(minSlots, &cfg)
	rng := rand.New(rand.NewPCG(1, 1))
	var keys []flow.Key
	var tags []uint32
	for k := range 1000 {
		key := flow.MakeKey(flow.TCP, netip.AddrFrom4([4]byte{10, 1, byte(k >> 8), byte(k)}), netip.MustParseAddr("10.0.1.10"), 40000, 443)
		tag := rng.Uint32()
		if s.live >= s.limit {
			s.resizeLocked(grownSize(len(s.slots)))
		}
		s.slots[s.emptySlotLocked(tag)] = entry{key: key, state: Established, tag: tag}
		s.live++
		keys, tags = append(keys, key), append(tags, tag)
	}
	for i, k := range keys {
		_, found := s.findLocked(&k, tags[i])
		require.True(t, found, k)
	}
	requireProbeRuns(t, &s)
	assert.Equal(t, 1000, int(s.live))
	assert.LessOrEqual(t, 1000, int(limitFor(len(s.slots))))
	assert.Greater(t, 1000, int(limitFor(len(s.slots)*2/3)), "grown once too often")
}

// TestSlotsFor: a presized shard holds its share within the load limit,
// and its slots are not much more than 4/3 of it.
func TestSlotsFor(t *testing.T) {
	for _, n := range []int{0, 1, 5, 6, 7, 100, 62_500, 1 << 20} {
		m := slotsFor(n)
		assert.GreaterOrEqual(t, int(limitFor(m)), n, "slotsFor(%d) = %d", n, m)
		assert.Less(t, int(limitFor(m)), m, "a slot stays empty")
		if n > minSlots {
			assert.Less(t, int(limitFor(m-1)), n, "slotsFor(%d) = %d is not the fewest", n, m)
		}
	}
}

// TestShardSize: a shard header is two cache lines, so that the locks of
// shards side by side in memory never share a line (see shard).
func TestShardSize(t *testing.T) {
	require.Equal(t, uintptr(128), unsafe.Sizeof(shard{}))
}

// TestEntryLine: an entry is 64 bytes and every slot array starts on a
// 64-byte boundary, so that each slot is one cache line and a lookup
// that finds its key in the home slot touches one line. The memory
// figures in shard's comment rely on the size.
func TestEntryLine(t *testing.T) {
	require.Equal(t, uintptr(64), unsafe.Sizeof(entry{}))
	n := minSlots
	for range 24 { // up to about 135 000 slots
		slots := make([]entry, n)
		assert.Zero(t, uintptr(unsafe.Pointer(&slots[0]))%64, "%d slots", n)
		n = grownSize(n)
	}
	for _, h := range []int{1, 100, 8192, 1_000_000} {
		tab := MustNew(Config{SizeHint: h})
		for i := range tab.shards {
			assert.Zero(t, uintptr(unsafe.Pointer(&tab.shards[i].slots[0]))%64, "hint %d", h)
		}
	}
}
