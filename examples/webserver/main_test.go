package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The story checks each verdict itself (run fails on a wrong one); the
// test also checks that the explanations teach what each chapter is about.
func TestWebserverStory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	s := out.String()
	for _, want := range []string{
		"untracked", // chapter 1: CT-3, open both ways
		"no rule allows tcp from 198.51.100.7 to port 443", // the probe
		"the connection is now tracked (SYN_SENT)",         // chapter 2: tracked once egress is gone
		"network ACL acl-web egress rule * (default deny)", // chapter 3: NACL-19/20
		"acl-web egress rule 110",                          // chapter 3: the fix
		"acl-block-90 ingress rule 90",                     // chapter 4: NACL-17
	} {
		assert.Contains(t, s, want)
	}
	assert.Equal(t, 4, strings.Count(s, "\n== "), "four chapters")
}
