package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each packet line carries the ACL's and the group's verdict side by side:
// in the first round the ACL drops the three server packets and the group
// admits all eight; in the second both admit all.
func TestSideBySide(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	rounds := strings.Split(out.String(), "\n== ")
	require.Len(t, rounds, 3)
	count := func(s, sub string) int { return strings.Count(s, sub) }
	assert.Equal(t, 3, count(rounds[1], "drop (rule *)"), "NACL-19: every server packet")
	assert.Equal(t, 0, count(rounds[1], "drop (no rule)"), "SG-29: replies by tracking")
	assert.Equal(t, 7, count(rounds[1], "(tracked,"), "all but the SYN")
	assert.Equal(t, 0, count(rounds[2], "drop"))
	assert.Equal(t, 3, count(rounds[2], "allow (rule 110)"))
}
