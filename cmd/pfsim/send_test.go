package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// send asks what happens to one packet after the file's steps (or those
// up to --at), without editing the file: exit 0 allowed, 1 dropped, with
// every filter the packet met.
func TestSend(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"a reply the table admits after every step", []string{"testdata/wrong.yaml", "tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]"}, exitOK,
			[]string{"testdata/wrong.yaml at 1s, after 2 of 2 steps\n", "[S.]: allow\n", "eni-web sg egress: allowed by security group connection tracking", "s nacl egress: allowed by network ACL default egress rule 100"}, nil},
		{"a drop, at a time of its own", []string{"--at", "0s", "testdata/wrong.yaml", "tcp 198.51.100.7:5 > 10.0.1.10:443 [S]"}, exitFailed,
			[]string{"at 0s, after 1 of 2 steps", "[S]: drop", "no rule allows tcp from 198.51.100.7 to port 443"}, nil},
		{"before any step", []string{"testdata/later.yaml", "--at=1s", "tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]"}, exitFailed,
			[]string{"at 1s, before any step"}, nil},
		{"--at after every step", []string{"--at", "10m", "testdata/wrong.yaml", "tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]"}, exitFailed,
			[]string{"at 10m0s, after 2 of 2 steps", "drop"}, nil},
		{"bad packet text", []string{"testdata/wrong.yaml", "tcp 198.51.100.7:x > 10.0.1.10:443 [S]"}, exitInvalid,
			nil, []string{`bad port "x"`, "\n  tcp 198.51.100.7:x > 10.0.1.10:443 [S]\n      ^\n"}},
		{"no interface at either end", []string{"testdata/wrong.yaml", "tcp 1.2.3.4:5 > 5.6.7.8:443 [S]"}, exitInvalid,
			nil, []string{"neither 1.2.3.4 nor 5.6.7.8 is an interface's address"}},
		{"bad --at", []string{"--at", "5", "testdata/wrong.yaml", "x"}, exitInvalid, nil, []string{`--at "5"`, "Go duration"}},
		{"--at too late", []string{"--at=876001h", "testdata/wrong.yaml", "x"}, exitInvalid, nil, []string{"876000h (100 years)"}},
		{"no packet", []string{"testdata/wrong.yaml"}, exitInvalid, nil, []string{"want a scenario file and one packet, got 1 argument(s)"}},
		{"an invalid file", []string{"testdata/invalid.yaml", "tcp 1.2.3.4:5 > 5.6.7.8:443 [S]"}, exitInvalid, nil, []string{"testdata/invalid.yaml:5:19:"}},
		{"an unreadable file", []string{"testdata/nope.yaml", "tcp 1.2.3.4:5 > 5.6.7.8:443 [S]"}, exitInvalid, nil, []string{"testdata/nope.yaml: open:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := pfsim(append([]string{"send"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tc.stdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tc.stderr {
				assert.Contains(t, errOut, s)
			}
		})
	}
}

// send --json writes one answer record, with the hops.
func TestSendJSON(t *testing.T) {
	code, out, errOut := pfsim("send", "--json", "--at", "0.5s", "testdata/wrong.yaml", "tcp 198.51.100.7:5 > 10.0.1.10:443 [S]")
	assert.Equal(t, exitFailed, code)
	assert.Empty(t, errOut)
	recs := records(t, out)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "answer", r["type"])
	assert.Equal(t, 0.5, r["at"])
	assert.Equal(t, "500ms", r["at_text"])
	assert.Equal(t, float64(1), r["steps_run"])
	assert.Equal(t, "packet", r["kind"])
	assert.Equal(t, "tcp 198.51.100.7:5 > 10.0.1.10:443 [S]", r["input"])
	assert.Equal(t, "drop", r["result"])
	assert.Equal(t, "sg", r["stage"])
	require.Len(t, r["hops"], 2)
	assert.Equal(t, "nacl", r["hops"].([]any)[0].(map[string]any)["stage"])
	assert.Equal(t, "100", r["hops"].([]any)[0].(map[string]any)["rule"])
}
