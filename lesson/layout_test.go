package lesson

import (
	"cmp"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/scenario"
)

// turns counts how often the drawn routes of a view turn back.
func turns(v *View) int {
	n := 0
	for _, s := range v.Steps {
		for _, p := range s.Packets {
			dir := 0
			for i := 1; i < len(p.Route); i++ {
				d := cmp.Compare(p.Route[i], p.Route[i-1])
				if d != 0 && dir != 0 && d != dir {
					n++
				}
				if d != 0 {
					dir = d
				}
			}
		}
	}
	return n
}

// Every lesson is drawn with its routes turning back no more often, and
// running no longer, than in the first order tried; the lesson on traffic
// inside one subnet, whose first order turned back, does not turn at all.
func TestArrangeBeatsTheFirstOrder(t *testing.T) {
	names, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		data, err := fs.ReadFile(scenarios.Files, name)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) {
			f, _, err := scenario.Parse(name, data)
			require.NoError(t, err)
			rep, err := scenario.Run(f)
			require.NoError(t, err)
			sv := surveyOf(rep)
			first := cost(layoutOf(sv.ends, defaultChoices(sv.blocks)), sv.routes)
			got := cost(arrange(sv.blocks, sv.ends, sv.routes), sv.routes)
			assert.False(t, first.less(got), "arranged %+v, first order %+v", got, first)

			v := Load(name, data)
			require.Empty(t, v.Errors)
			assert.Equal(t, got.turns, turns(v), "the view's routes are those rated")
			if name == "06-intra-subnet-skips-acl.yaml" {
				assert.Positive(t, first.turns)
				assert.Zero(t, turns(v))
			}
		})
	}
}

// The orders of one block: every order of its interfaces, each instance on
// either side of its groups, the ACL at either end; each order holds every
// lane once.
func TestBlockOrders(t *testing.T) {
	b := block{subnet: "s", acl: true, ifaces: []string{"a", "b", "c"}}
	orders := blockOrders(b)
	assert.Len(t, orders, 6*8*2)
	seen := map[string]bool{}
	for _, o := range orders {
		require.Len(t, o, 7)
		key := ""
		for _, k := range o {
			key += string(k.kind) + ":" + k.id + " "
		}
		assert.False(t, seen[key], "order %s twice", key)
		seen[key] = true
		for _, id := range b.ifaces {
			g, in := indexOf(o, laneKey{Groups, id}), indexOf(o, laneKey{Instance, id})
			assert.Equal(t, 1, max(g-in, in-g), "instance %s beside its groups in %s", id, key)
		}
		a := indexOf(o, laneKey{ACL, "s"})
		assert.True(t, a == 0 || a == len(o)-1, "ACL at an end in %s", key)
	}
	assert.Len(t, blockOrders(block{subnet: "s"}), 1)
	assert.Len(t, blockOrders(block{subnet: "s", acl: true}), 2)
}

func indexOf(keys []laneKey, k laneKey) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// Two subnets, traffic from the outside to both and between them: the
// first order, the outside between the subnets, is the only one where no
// route turns back, and it is kept.
func TestArrangeOutsideBetween(t *testing.T) {
	out, i1, g1, a1 := laneKey{Outside, ""}, laneKey{Instance, "i1"}, laneKey{Groups, "i1"}, laneKey{ACL, "s1"}
	i2, g2, a2 := laneKey{Instance, "i2"}, laneKey{Groups, "i2"}, laneKey{ACL, "s2"}
	blocks := []block{{subnet: "s1", acl: true, ifaces: []string{"i1"}}, {subnet: "s2", acl: true, ifaces: []string{"i2"}}}
	routes := [][]laneKey{
		{out, a1, g1, i1},
		{out, a2, g2, i2},
		{i1, g1, a1, a2, g2, i2},
	}
	got := arrange(blocks, ends{outside: true}, routes)
	assert.Equal(t, []laneKey{i1, g1, a1, out, a2, g2, i2}, got)
	assert.Zero(t, cost(got, routes).turns)

	// Without the traffic between them, the same holds: nothing beats it.
	got = arrange(blocks, ends{outside: true}, routes[:2])
	assert.Zero(t, cost(got, routes[:2]).turns)
	// Between them only: the outside, unused by any route, goes left.
	got = arrange(blocks, ends{outside: true}, routes[2:])
	assert.Equal(t, out, got[0])
	assert.Zero(t, cost(got, routes[2:]).turns)
}
