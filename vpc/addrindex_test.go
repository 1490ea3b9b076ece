package vpc

import (
	"net/netip"
	"testing"

	"pgregory.net/rapid"
)

// genAddr draws IPv4 and IPv6 addresses from a few small pools, so that
// lookups hit and miss, and an IPv4 address meets its IPv4-mapped twin.
func genAddr(t *rapid.T, label string) netip.Addr {
	b := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label+"-bytes")
	switch rapid.IntRange(0, 3).Draw(t, label+"-kind") {
	case 0:
		return netip.AddrFrom4([4]byte{10, 0, b[0] % 4, b[1] % 8})
	case 1:
		return netip.AddrFrom16(netip.AddrFrom4([4]byte{10, 0, b[0] % 4, b[1] % 8}).As16()) // ::ffff:10.0.x.y
	case 2:
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: b[0] % 4, 15: b[1] % 8})
	}
	return netip.AddrFrom16([16]byte(b))
}

// TestPropertyAddrIndexIsAMap: the address index answers as the Go map it
// is built from, for addresses in it and not, of both families.
func TestPropertyAddrIndexIsAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := map[netip.Addr]addrEntry{}
		for i := range rapid.IntRange(0, 300).Draw(t, "n") {
			m[genAddr(t, "key")] = addrEntry{exempt: string(rune('a' + i%26))}
		}
		x := newAddrIndex(m)
		for a, want := range m {
			if got, ok := x.get(a); !ok || got != want {
				t.Fatalf("%s: got %+v %v, want %+v", a, got, ok, want)
			}
		}
		for range 100 {
			a := genAddr(t, "probe")
			want, wok := m[a]
			if got, ok := x.get(a); ok != wok || got != want {
				t.Fatalf("%s: got %+v %v, want %+v %v", a, got, ok, want, wok)
			}
		}
		if _, ok := x.get(netip.Addr{}); ok {
			t.Fatal("the zero address was found")
		}
	})
}
