package capture

import (
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
)

// TestDecodeNoAllocs: decoding a frame allocates nothing, for each kind of
// frame and each way in (the Ethernet fast path, the parser, raw IP of
// either version), so that a capture can be replayed without garbage.
func TestDecodeNoAllocs(t *testing.T) {
	var p flow.Packet
	frames := map[string]struct {
		d     *Decoder
		frame []byte
	}{
		"tcp syn ipv4":        {NewDecoder(layers.LayerTypeEthernet), unhex(t, frameSYN)},
		"udp ipv6":            {NewDecoder(layers.LayerTypeEthernet), unhex(t, frameUDP6)},
		"icmp echo":           {NewDecoder(layers.LayerTypeEthernet), unhex(t, framePing)},
		"icmpv6 echo raw ip":  {NewRawIPDecoder(), unhex(t, framePong6)},
		"icmp echo raw ip v4": {NewRawIPDecoder(), unhex(t, framePing)[14:]},
	}
	for name, f := range frames {
		require.NoError(t, f.d.Decode(f.frame, &p), name)
		n := allocs.Count(100, func() {
			if err := f.d.Decode(f.frame, &p); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, n, "Decode %s", name)
	}
}
