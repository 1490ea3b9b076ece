package conntrack

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestShardIndex drives one shard's open-addressing index with random
// inserts and removals against a plain map, with tags drawn from a tiny
// set so that clusters form, wrap around the end of the slots and are cut
// by removals; after every step each present key must be found at its
// slab slot and each removed one not at all.
func TestShardIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 20 {
		s := shard{slots: make([]uint64, minSlots)}
		model := map[flow.Key]uint32{} // key -> slab index
		tags := map[flow.Key]uint32{}
		var keys []flow.Key
		for k := range 64 {
			key := flow.MakeKey(flow.UDP, netip.AddrFrom4([4]byte{10, 0, byte(round), byte(k)}), netip.MustParseAddr("10.0.1.10"), uint16(k), 53)
			keys = append(keys, key)
			// Few distinct tags, sharing their low bits (the home slot),
			// some of them homed at the last slot so clusters wrap.
			tags[key] = uint32(rng.IntN(4))<<30 | []uint32{6, 11, 0xfffe, 0xffff}[rng.IntN(4)]
		}
		for step := range 400 {
			key := keys[rng.IntN(len(keys))]
			tag := tags[key]
			pos, i, found := s.find(&key, tag)
			_, inModel := model[key]
			require.Equal(t, inModel, found, "round %d step %d: find %s", round, step, key)
			if found {
				require.Equal(t, model[key], i)
				require.Equal(t, pos, s.slotOf(i, tag))
				s.unlink(pos)
				s.slab[i] = entry{hash: s.free}
				s.free = i + 1
				delete(model, key)
			} else {
				var i uint32
				if s.free != 0 {
					i = s.free - 1
					s.free = s.slab[i].hash
				} else {
					i = uint32(len(s.slab))
					s.slab = append(s.slab, entry{})
				}
				s.slab[i] = entry{key: key, state: UDPSingle, hash: tag}
				s.link(i, tag)
				model[key] = i
			}
			require.Equal(t, len(model), int(s.live))
			for _, k := range keys {
				_, i, found := s.find(&k, tags[k])
				want, ok := model[k]
				require.Equal(t, ok, found, "round %d step %d: %s", round, step, k)
				if ok {
					require.Equal(t, want, i)
				}
			}
		}
	}
}

// TestShardSize: a shard is two cache lines, so that the locks of shards
// side by side in memory never share a line (see shard).
func TestShardSize(t *testing.T) {
	require.Equal(t, uintptr(128), unsafe.Sizeof(shard{}))
}
