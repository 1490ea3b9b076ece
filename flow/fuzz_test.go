package flow

import (
	"errors"
	"testing"
)

// FuzzParsePacket: ParsePacket never panics; its errors point at a real
// token; what it accepts is valid and round-trips through String.
func FuzzParsePacket(f *testing.F) {
	for _, s := range []string{
		"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]",
		"tcp [2001:db8::1]:443 > [2001:db8:1::10]:50000 [FP.] len 1500",
		"udp 10.0.1.10:53 > 198.51.100.7:33000",
		"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1",
		"icmpv6 2001:db8::1 > 2001:db8::2 type 2 code 0 len 1280",
		"proto 200 10.0.0.1 > 10.0.0.2",
		"gre [2001:db8::1] > 2001:db8::2",
		"tcp 1.2.3.4:x > 5.6.7.8:80 [S]",
		"udp [fe80::1%eth0]:1 > [::ffff:1.2.3.4]:2",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePacket(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("not a *ParseError: %v", err)
			}
			if pe.Input != s || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("bad position %d in %q", pe.Offset, s)
			}
			if pe.Index > 0 && s[pe.Offset:pe.Offset+len(pe.Token)] != pe.Token {
				t.Fatalf("token %q is not at offset %d of %q", pe.Token, pe.Offset, s)
			}
			_ = err.Error()
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePacket(%q) gave an invalid packet: %v", s, err)
		}
		text := p.String()
		q, err := ParsePacket(text)
		if err != nil {
			t.Fatalf("ParsePacket(%q) = %v, whose text %q does not parse: %v", s, p, text, err)
		}
		if q != p {
			t.Fatalf("round trip of %q: %v != %v", s, q, p)
		}
		if q.String() != text {
			t.Fatalf("text not canonical: %q then %q", text, q.String())
		}

		// The flags parser on the same input: no panic, and round trip.
		if fl, err := ParseTCPFlags(s); err == nil {
			if g, err := ParseTCPFlags(fl.String()); err != nil || g != fl {
				t.Fatalf("flags %q: %v then %v, %v", s, fl, g, err)
			}
		}
	})
}
