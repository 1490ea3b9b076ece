package nacl

import (
	"strings"
	"testing"
)

// FuzzParseRule: ParseRule never panics; what it accepts is a valid rule
// that reads back from its own text unchanged, and what it refuses gets
// an error that quotes the text.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"100 allow tcp 80 0.0.0.0/0",
		"120 allow tcp 1024-65535 0.0.0.0/0",
		"90 deny -1 198.51.100.7/32",
		"101 allow all ::/0",
		"140 allow icmp type 8 code -1 10.0.0.0/16",
		"150 deny icmpv6 type -1 code -1 2001:db8::/32",
		"200 allow 47 10.0.0.0/8",
		"32767 deny udp 53-53 10.0.0.1/32",
		"0 allow tcp 70000 0.0.0.0/0",
		"100 allow icmp 0.0.0.0/0",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "nacl: ") {
				t.Fatalf("error %q does not say where it comes from", err)
			}
			return
		}
		if probs := checkRule(&r); len(probs) > 0 {
			t.Fatalf("%q parsed to an invalid rule %+v: %s", s, r, probs[0].text())
		}
		back, err := ParseRule(r.String())
		if err != nil || back != r {
			t.Fatalf("%q: %+v prints %q, which reads back as %+v, %v", s, r, r.String(), back, err)
		}
	})
}
