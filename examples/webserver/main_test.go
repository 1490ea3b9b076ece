package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The story checks each verdict itself (run fails on a wrong one); the
// test checks that each chapter shows the stage it is about: every
// packet prints each filter it met, so an ACL's allow is as visible as a
// group's.
func TestWebserverStory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	chapters := strings.Split(out.String(), "\n== ")[1:]
	require.Len(t, chapters, 4, "four chapters")
	for i, want := range [][]string{
		// 1: the group's rules open both ways: untracked (CT-3); the probe.
		{"SG  allowed by security group sg-web ingress rule #1", "the flow is untracked", "ACL allowed by network ACL acl-default egress rule 100",
			"SG  dropped by security groups sg-web on ingress: no rule allows tcp from 198.51.100.7 to port 443"},
		// 2: no egress rule: tracked, the reply rides the table (SG-29).
		{"the connection is now tracked (SYN_SENT)", "SG  allowed by security group connection tracking", "SG  dropped by security groups sg-web on egress"},
		// 3: the ACL drops the reply (NACL-19/20), then rule 110 passes it.
		{"SG  allowed by security group connection tracking: part of a connection opened 10ms ago (SYN_RECV)",
			"ACL dropped by network ACL acl-web egress rule * (default deny)", "ACL allowed by network ACL acl-web egress rule 110"},
		// 4: rule order (NACL-17): deny 90 drops; allow 100 matches first when the deny is 110.
		{"ACL dropped by network ACL acl-block-90 ingress rule 90", "ACL allowed by network ACL acl-block-90 ingress rule 100",
			"ACL allowed by network ACL acl-block-110 ingress rule 100 (100 allow -1 0.0.0.0/0)"},
	} {
		for _, w := range want {
			assert.Contains(t, chapters[i], w, "chapter %d", i+1)
		}
	}
}
