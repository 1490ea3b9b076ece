package conntrack

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigValidate walks the edges of every range AWS documents for
// ConnectionTrackingSpecification (CT-16) and pfsim's own settings.
func TestConfigValidate(t *testing.T) {
	const ns = time.Nanosecond
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		// Zero means the default for every field: the zero Config is AWS's
		// defaults with no capacity limit (CT-16, CT-20).
		{"zero config", Config{}, true},
		{"DefaultConfig", DefaultConfig(), true},

		// CT-16a: TcpEstablishedTimeout 60..432000 s, both ends included.
		{"tcp 60s", Config{TCPEstablishedTimeout: 60 * time.Second}, true},
		{"tcp 432000s", Config{TCPEstablishedTimeout: 432000 * time.Second}, true},
		{"tcp 60s-1ns", Config{TCPEstablishedTimeout: 60*time.Second - ns}, false},
		{"tcp 59s", Config{TCPEstablishedTimeout: 59 * time.Second}, false},
		{"tcp 432001s", Config{TCPEstablishedTimeout: 432001 * time.Second}, false},
		{"tcp 432000s+1ns", Config{TCPEstablishedTimeout: 432000*time.Second + ns}, false},
		{"tcp negative", Config{TCPEstablishedTimeout: -time.Second}, false},

		// CT-16b: UdpTimeout 30..60 s.
		{"udp 30s", Config{UDPTimeout: 30 * time.Second}, true},
		{"udp 60s", Config{UDPTimeout: 60 * time.Second}, true},
		{"udp 29s", Config{UDPTimeout: 29 * time.Second}, false},
		{"udp 61s", Config{UDPTimeout: 61 * time.Second}, false},
		{"udp negative", Config{UDPTimeout: -30 * time.Second}, false},

		// CT-16c: UdpStreamTimeout 60..180 s.
		{"udp stream 60s", Config{UDPStreamTimeout: 60 * time.Second}, true},
		{"udp stream 180s", Config{UDPStreamTimeout: 180 * time.Second}, true},
		{"udp stream 59s", Config{UDPStreamTimeout: 59 * time.Second}, false},
		{"udp stream 181s", Config{UDPStreamTimeout: 181 * time.Second}, false},

		// CT-18/CT-20: capacity 0 means no limit; it cannot be negative.
		{"capacity 0", Config{Capacity: 0}, true},
		{"capacity 1", Config{Capacity: 1}, true},
		{"capacity -1", Config{Capacity: -1}, false},

		// SizeHint only presizes; it cannot be negative.
		{"size hint 1e6", Config{SizeHint: 1_000_000}, true},
		{"size hint -1", Config{SizeHint: -1}, false},

		// Shards: 0 (default) or a power of two up to 65536.
		{"shards 1", Config{Shards: 1}, true},
		{"shards 64", Config{Shards: 64}, true},
		{"shards 65536", Config{Shards: 1 << 16}, true},
		{"shards 3", Config{Shards: 3}, false},
		{"shards 131072", Config{Shards: 1 << 17}, false},
		{"shards -2", Config{Shards: -2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrRange)
		})
	}
}

// TestConfigValidateReportsEveryField: one error per bad field, joined, so
// a scenario author sees all mistakes at once.
func TestConfigValidateReportsEveryField(t *testing.T) {
	err := Config{TCPEstablishedTimeout: time.Second, UDPTimeout: time.Second, UDPStreamTimeout: time.Second}.Validate()
	require.Error(t, err)
	for _, field := range []string{"tcp_established_timeout", "udp_timeout", "udp_stream_timeout"} {
		assert.Contains(t, err.Error(), field)
	}
	assert.Contains(t, err.Error(), "must be 60..432000 seconds")
}

// TestNew: New rejects what Validate rejects and fills in the defaults of
// CT-16 for zero timeouts; configured values are kept.
func TestNew(t *testing.T) {
	// An invalid config yields no table and an error wrapping ErrRange.
	tab, err := New(Config{UDPTimeout: 10 * time.Second})
	assert.Nil(t, tab)
	assert.ErrorIs(t, err, ErrRange)
	assert.Panics(t, func() { MustNew(Config{Shards: 5}) })

	// Zero timeouts become AWS's defaults (CT-16a/b/c).
	got := MustNew(Config{}).Config()
	assert.Equal(t, DefaultTCPEstablishedTimeout, got.TCPEstablishedTimeout)
	assert.Equal(t, 432000*time.Second, got.TCPEstablishedTimeout)
	assert.Equal(t, 30*time.Second, got.UDPTimeout)
	assert.Equal(t, 180*time.Second, got.UDPStreamTimeout)
	assert.Positive(t, got.Shards)

	// Configured values are kept as given (TRACE-G sets 60 s).
	cfg := Config{TCPEstablishedTimeout: time.Minute, UDPTimeout: 45 * time.Second, UDPStreamTimeout: 90 * time.Second, Capacity: 7, Shards: 4}
	got = MustNew(cfg).Config()
	assert.Equal(t, cfg, got)
}

// TestStrings: the names conntrack tools print, which explanations show.
func TestStrings(t *testing.T) {
	states := map[State]string{
		StateNone: "NONE", SynSent: "SYN_SENT", SynRecv: "SYN_RECV", Established: "ESTABLISHED",
		FinWait: "FIN_WAIT", CloseWait: "CLOSE_WAIT", LastAck: "LAST_ACK", TimeWait: "TIME_WAIT",
		Close: "CLOSE", UDPSingle: "UDP", UDPStream: "UDP_STREAM", ICMPQuery: "ICMP", Generic: "GENERIC",
		State(200): "INVALID",
	}
	for s, want := range states {
		assert.Equal(t, want, s.String())
	}
	statuses := map[Status]string{Created: "created", Existing: "existing", CannotStart: "cannot-start", Full: "full", 0: "none"}
	for s, want := range statuses {
		assert.Equal(t, want, s.String())
	}
}
