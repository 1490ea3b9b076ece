package conntrack

import (
	"errors"
	"fmt"
	"time"
)

// Idle timeouts AWS documents (CT-16). They are the defaults of [Config]
// and the bounds of what an interface may be configured with.
const (
	// DefaultTCPEstablishedTimeout is AWS's TcpEstablishedTimeout default:
	// 432000 s, five days (CT-16a). Nitro v6 instance types use 350 s;
	// pfsim does not model instance types.
	DefaultTCPEstablishedTimeout = 432000 * time.Second
	// MinTCPEstablishedTimeout and MaxTCPEstablishedTimeout bound the
	// configurable value: 60..432000 s (CT-16a).
	MinTCPEstablishedTimeout = 60 * time.Second
	MaxTCPEstablishedTimeout = 432000 * time.Second

	// DefaultUDPTimeout is AWS's UdpTimeout default, 30 s, for UDP flows
	// that have seen traffic in one direction or a single request-response
	// transaction (CT-16b). Configurable 30..60 s.
	DefaultUDPTimeout = 30 * time.Second
	MinUDPTimeout     = 30 * time.Second
	MaxUDPTimeout     = 60 * time.Second

	// DefaultUDPStreamTimeout is AWS's UdpStreamTimeout default, 180 s, for
	// UDP flows that have seen more than one transaction (CT-16c).
	// Configurable 60..180 s.
	DefaultUDPStreamTimeout = 180 * time.Second
	MinUDPStreamTimeout     = 60 * time.Second
	MaxUDPStreamTimeout     = 180 * time.Second

	// OtherTimeout is the idle timeout of protocols other than TCP, UDP and
	// ICMP: 600 s, stated by AWS (CT-12, CT-16d); Linux's generic_timeout
	// agrees. Not configurable.
	OtherTimeout = 600 * time.Second
)

// Idle timeouts AWS does not publish. pfsim takes Linux nf_conntrack's
// defaults (Documentation/networking/nf_conntrack-sysctl), as the spec's
// CT-17 table chooses.
const (
	// SynSentTimeout: tcp_timeout_syn_sent, 120 s (CT-17a).
	SynSentTimeout = 120 * time.Second
	// SynRecvTimeout: tcp_timeout_syn_recv, 60 s (CT-17b).
	SynRecvTimeout = 60 * time.Second
	// FinWaitTimeout: tcp_timeout_fin_wait, 120 s (CT-17d).
	FinWaitTimeout = 120 * time.Second
	// CloseWaitTimeout: tcp_timeout_close_wait, 60 s (CT-17e).
	CloseWaitTimeout = 60 * time.Second
	// LastAckTimeout: tcp_timeout_last_ack, 30 s (CT-17f).
	LastAckTimeout = 30 * time.Second
	// TimeWaitTimeout: tcp_timeout_time_wait, 120 s (CT-17g).
	TimeWaitTimeout = 120 * time.Second
	// CloseTimeout: tcp_timeout_close, 10 s (CT-17h).
	CloseTimeout = 10 * time.Second
	// ICMPTimeout: icmp_timeout and icmpv6_timeout, 30 s (CT-17o).
	ICMPTimeout = 30 * time.Second
)

// Config is the connection-tracking configuration of one network
// interface: AWS's ConnectionTrackingSpecification plus pfsim's capacity.
// The zero Config means AWS's defaults and no capacity limit.
type Config struct {
	// TCPEstablishedTimeout is the idle timeout of established TCP
	// connections; 0 means DefaultTCPEstablishedTimeout.
	TCPEstablishedTimeout time.Duration
	// UDPTimeout is the idle timeout of UDP flows that are not streams;
	// 0 means DefaultUDPTimeout.
	UDPTimeout time.Duration
	// UDPStreamTimeout is the idle timeout of UDP streams; 0 means
	// DefaultUDPStreamTimeout.
	UDPStreamTimeout time.Duration
	// Capacity is the most connections the table tracks at once (AWS's
	// connection tracking allowance, CT-18); 0 means no limit. A packet
	// that would start a connection beyond it is dropped (CT-20).
	Capacity int
	// SizeHint presizes the table for this many connections.
	SizeHint int
	// Shards is the number of independently locked parts of the table, a
	// power of two; 0 picks a default. More shards let more goroutines
	// use one table at once.
	Shards int
}

// DefaultConfig returns AWS's default timeouts and no capacity limit.
func DefaultConfig() Config {
	return Config{
		TCPEstablishedTimeout: DefaultTCPEstablishedTimeout,
		UDPTimeout:            DefaultUDPTimeout,
		UDPStreamTimeout:      DefaultUDPStreamTimeout,
	}
}

// ErrRange is wrapped by every out-of-range setting in a Config.
var ErrRange = errors.New("out of range")

// Validate checks the settings against AWS's ranges (CT-16). A zero
// timeout is valid and means the default.
func (c Config) Validate() error {
	var errs []error
	check := func(name string, v, lo, hi time.Duration) {
		if v != 0 && (v < lo || v > hi) {
			errs = append(errs, fmt.Errorf("%s %s: %w: must be %d..%d seconds", name, v, ErrRange, int(lo.Seconds()), int(hi.Seconds())))
		}
	}
	check("tcp_established_timeout", c.TCPEstablishedTimeout, MinTCPEstablishedTimeout, MaxTCPEstablishedTimeout)
	check("udp_timeout", c.UDPTimeout, MinUDPTimeout, MaxUDPTimeout)
	check("udp_stream_timeout", c.UDPStreamTimeout, MinUDPStreamTimeout, MaxUDPStreamTimeout)
	if c.Capacity < 0 {
		errs = append(errs, fmt.Errorf("capacity %d: %w: must be 0 (no limit) or more", c.Capacity, ErrRange))
	}
	if c.SizeHint < 0 {
		errs = append(errs, fmt.Errorf("size hint %d: %w: must not be negative", c.SizeHint, ErrRange))
	}
	if c.Shards < 0 || c.Shards > 1<<16 || c.Shards&(c.Shards-1) != 0 {
		errs = append(errs, fmt.Errorf("shards %d: %w: must be 0 or a power of two up to 65536", c.Shards, ErrRange))
	}
	return errors.Join(errs...)
}

// withDefaults fills zero timeouts with AWS's defaults.
func (c Config) withDefaults() Config {
	if c.TCPEstablishedTimeout == 0 {
		c.TCPEstablishedTimeout = DefaultTCPEstablishedTimeout
	}
	if c.UDPTimeout == 0 {
		c.UDPTimeout = DefaultUDPTimeout
	}
	if c.UDPStreamTimeout == 0 {
		c.UDPStreamTimeout = DefaultUDPStreamTimeout
	}
	if c.Shards == 0 {
		c.Shards = 16
	}
	return c
}
