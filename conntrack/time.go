package conntrack

import (
	"errors"
	"fmt"
	"time"
)

// The times a Table accepts as now: from 1 January 1900 to 1 January
// 2200, UTC, both included. A table keeps times as nanoseconds since 1970
// in an int64, which reaches from 1677 to 2262 only; the bounds leave room
// for the longest timeout (432000 s) on either side and are round, so that
// they are easy to remember. The zero time.Time (year 1) is outside them:
// it is a forgotten time, never a simulated one.
var (
	MinTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// minSec and maxSec are MinTime and MaxTime in seconds since 1970: the
// check on the packet path compares two integers.
var minSec, maxSec = MinTime.Unix(), MaxTime.Unix()

// ErrTime is the cause [CheckTime] wraps: a time outside MinTime..MaxTime.
var ErrTime = errors.New("outside the times a connection table holds (1900-01-01 to 2200-01-01 UTC)")

// CheckTime returns nil if a Table accepts now, or an error wrapping
// [ErrTime] that names it. [Table.Lookup], [Table.LookupInto] and
// [Table.Create] refuse other times (they find nothing, and Create
// returns [BadTime]); [Table.Sweep] and [Table.Conns] do nothing with them.
func CheckTime(now time.Time) error {
	if validTime(now) {
		return nil // inlined: the packet path pays two comparisons
	}
	return timeError(now)
}

func timeError(now time.Time) error {
	if now.IsZero() {
		return fmt.Errorf("time %s (the zero time.Time: a time was not set): %w", now.Format(time.RFC3339), ErrTime)
	}
	return fmt.Errorf("time %s: %w", now.Format(time.RFC3339Nano), ErrTime)
}

// validTime reports whether a Table accepts now. It costs one call of
// time.Time.Unix and two comparisons, and does not allocate.
func validTime(now time.Time) bool {
	s := now.Unix()
	return s >= minSec && s <= maxSec
}

// unixNano returns now in nanoseconds since 1970, as a table keeps times,
// and whether the table accepts now: the check and the conversion share
// one reading of now's seconds, so the packet path pays for the check
// two comparisons only. The nanoseconds are meaningful only when ok.
func unixNano(now time.Time) (n int64, ok bool) {
	s := now.Unix()
	return s*1e9 + int64(now.Nanosecond()), s >= minSec && s <= maxSec
}
