package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connect plays a connection attempt in the scenario's VPC: exit 0
// connected, 1 refused or timed out, with each packet and its stages.
func TestConnect(t *testing.T) {
	code, out, errOut := pfsim("connect", "testdata/wrong.yaml", "tcp 198.51.100.7 > 10.0.1.10:80")
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "tcp 198.51.100.7 > 10.0.1.10:80: connected\n")
	assert.Equal(t, 3, strings.Count(out, ": allow\n"), "SYN, SYN-ACK, ACK:\n%s", out)
	assert.Contains(t, out, "s nacl ingress: allowed by network ACL default ingress rule 100")
	assert.Contains(t, out, "eni-web sg ingress: allowed by security group sg-web ingress rule #1")

	code, out, _ = pfsim("connect", "testdata/wrong.yaml", "tcp 198.51.100.7 > 10.0.1.10:443")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, ": timeout\n")
	assert.Contains(t, out, "no rule allows tcp from 198.51.100.7 to port 443")

	code, out, _ = pfsim("connect", "testdata/noexpect.yaml", "tcp 198.51.100.7 > 10.0.1.10:22")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, ": timeout\n")

	code, _, errOut = pfsim("connect", "testdata/wrong.yaml", "udp 198.51.100.7 > 10.0.1.10:53")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "udp has no handshake")

	code, _, errOut = pfsim("connect", "testdata/wrong.yaml", "tcp 198.51.100.7 > 203.0.113.1:80")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "interface's address")
}

// connect --json: one answer record, each packet with its hops.
func TestConnectJSON(t *testing.T) {
	code, out, errOut := pfsim("connect", "--json", "testdata/wrong.yaml", "tcp 198.51.100.7:50000 > 10.0.1.10:80")
	assert.Equal(t, exitOK, code, errOut)
	recs := records(t, out)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "answer", r["type"])
	assert.Equal(t, "connect", r["kind"])
	assert.Equal(t, "connected", r["result"])
	pkts := r["packets"].([]any)
	require.Len(t, pkts, 3)
	first := pkts[0].(map[string]any)
	assert.Equal(t, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", first["packet"])
	assert.Equal(t, "allow", first["verdict"])
	require.Len(t, first["hops"], 2)
	assert.Equal(t, "nacl", first["hops"].([]any)[0].(map[string]any)["stage"])
}
