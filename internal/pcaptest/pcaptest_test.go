package pcaptest

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// A link type the writers do not know is an error, not a frame.
func TestFrameLinkTypes(t *testing.T) {
	ip, err := IP(flow.MustParsePacket("tcp 10.0.1.10:80 > 198.51.100.7:40000 [S.]"))
	require.NoError(t, err)
	for _, c := range []struct {
		link uint16
		hdr  int
	}{{Ethernet, 14}, {SLL, 16}, {SLL2, 20}, {RawIP, 0}, {IPv4, 0}, {IPv6, 0}} {
		f, err := Frame(c.link, ip)
		require.NoError(t, err, "link type %d", c.link)
		assert.Len(t, f, c.hdr+len(ip), "link type %d", c.link)
	}
	f, err := Frame(105, ip) // IEEE 802.11
	assert.Nil(t, f)
	assert.EqualError(t, err, "pcaptest: link type 105 is not one pcaptest writes")
}

// fatalTB is a testing.TB whose Fatalf records its message and ends the
// goroutine, as testing.T's does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// FrameOf fails the test it is given when Frame refuses, and otherwise
// returns what IP and Frame build.
func TestFrameOf(t *testing.T) {
	p := flow.MustParsePacket("udp 10.0.1.10:53 > 10.0.1.11:40000")
	ip, err := IP(p)
	require.NoError(t, err)
	want, err := Frame(SLL2, ip, 7)
	require.NoError(t, err)
	assert.Equal(t, want, FrameOf(t, SLL2, p, 7))

	tb := &fatalTB{TB: t}
	done := make(chan []byte)
	go func() {
		defer close(done)
		done <- FrameOf(tb, 105, p)
	}()
	_, returned := <-done
	assert.False(t, returned, "FrameOf returned after a refused link type")
	assert.Equal(t, "pcaptest: link type 105 is not one pcaptest writes", tb.msg)
}
