package terraform

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/require"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func proto(s string) flow.Protocol {
	p, err := flow.ParseProtocol(s)
	if err != nil {
		panic(err)
	}
	return p
}

func group(t *testing.T, cfg vpc.Config, id string) sg.Group {
	t.Helper()
	for _, g := range cfg.SecurityGroups {
		if g.ID == id {
			return g
		}
	}
	require.Failf(t, "no such group", "%s in %v", id, cfg.SecurityGroups)
	return sg.Group{}
}

func acl(t *testing.T, cfg vpc.Config, id string) nacl.ACL {
	t.Helper()
	for _, a := range cfg.NetworkACLs {
		if a.ID == id {
			return a
		}
	}
	require.Failf(t, "no such ACL", "%s in %v", id, cfg.NetworkACLs)
	return nacl.ACL{}
}

func prefixes(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func fmtAddrs(as []netip.Addr) string { return fmt.Sprint(as) }
