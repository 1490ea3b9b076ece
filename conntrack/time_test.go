package conntrack

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/internal/allocs"
)

// CheckTime accepts MinTime..MaxTime, both included, and refuses the zero
// time.Time and everything else outside, with an error wrapping ErrTime.
func TestCheckTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"a simulation's epoch", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"the Unix epoch, a capture's zero", time.Unix(0, 0), true},
		{"MinTime", MinTime, true},
		{"MaxTime", MaxTime, true},
		{"a second before MinTime", MinTime.Add(-time.Second), false},
		{"a second after MaxTime", MaxTime.Add(time.Second), false},
		{"the zero time.Time", time.Time{}, false},
		{"beyond int64 nanoseconds", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTime(tc.t)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrTime), err.Error())
		})
	}
	assert.Contains(t, CheckTime(time.Time{}).Error(), "zero time.Time")
}

// A table refuses a time it cannot hold: Lookup finds nothing (even a live
// entry), Create stores nothing and says BadTime, Sweep removes nothing
// and Conns lists nothing. The same calls at a good time work as before.
func TestTableRefusesBadTime(t *testing.T) {
	tb := MustNew(Config{})
	syn := tcp("198.51.100.7:50000", "10.0.1.10:80", fS)
	for _, bad := range []time.Time{{}, MaxTime.Add(time.Hour), MinTime.Add(-time.Hour)} {
		_, st := tb.Create(&syn, bad)
		assert.Equal(t, BadTime, st, "%v", bad)
		assert.Equal(t, 0, tb.Len(), "nothing stored")
	}
	assert.Equal(t, "bad-time", BadTime.String())

	_, st := tb.Create(&syn, at(0))
	require.Equal(t, Created, st)
	synAck := syn.Reverse()
	synAck.Flags = fSA
	_, ok := tb.Lookup(&synAck, time.Time{})
	assert.False(t, ok, "a refused time finds nothing")
	assert.Nil(t, tb.Conns(time.Time{}))
	assert.Zero(t, tb.Sweep(time.Time{}, 0))
	r, ok := tb.Lookup(&synAck, at(1))
	require.True(t, ok, "the entry is untouched by the refused calls")
	assert.Equal(t, SynRecv, r.State)
	require.Len(t, tb.Conns(at(1)), 1)
	assert.Equal(t, at(0), tb.Conns(at(1))[0].Created)
}

// The check on the packet path allocates nothing.
func TestCheckTimeAllocs(t *testing.T) {
	now := at(0)
	var err error
	n := allocs.Count(1000, func() { err = CheckTime(now) })
	assert.NoError(t, err)
	assert.Zero(t, n)
}

// unixNano agrees with time.Time.UnixNano on every time a table accepts,
// in any location, and with validTime on
// whether it accepts it.
func TestUnixNano(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sec := rapid.Int64Range(MinTime.Unix()-5e9, MaxTime.Unix()+5e9).Draw(t, "sec")
		nsec := rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")
		now := time.Unix(sec, nsec)
		if rapid.Bool().Draw(t, "in a location") {
			now = now.In(time.FixedZone("x", rapid.IntRange(-14*3600, 14*3600).Draw(t, "offset")))
		}
		n, ok := unixNano(now)
		if ok != validTime(now) {
			t.Fatalf("%v: unixNano says %v, validTime %v", now, ok, validTime(now))
		}
		if ok && n != now.UnixNano() {
			t.Fatalf("%v: unixNano %d, UnixNano %d", now, n, now.UnixNano())
		}
	})
	_, ok := unixNano(time.Time{})
	assert.False(t, ok)
}
