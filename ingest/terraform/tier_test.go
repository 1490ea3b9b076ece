package terraform

import (
	"testing"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThreeTier reads a configuration written with for expressions,
// for_each, count and functions, and checks the VPC it gives packet by
// packet: who reaches the database, and why the others do not.
func TestThreeTier(t *testing.T) {
	cfg, warns, err := LoadHCL([]source.File{readFile(t, "testdata/three-tier.tf")})
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Len(t, cfg.Subnets, 6)
	assert.Len(t, cfg.Interfaces, 4)
	v, err := vpc.New(cfg)
	require.NoError(t, err)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		packet string
		allow  bool
		stage  flow.StageKind
	}{
		{"tcp 198.51.100.7:40000 > 10.40.0.10:443 [S]", true, 0}, // the internet → web
		{"tcp 192.0.2.9:40000 > 10.40.1.10:22 [S]", true, 0},     // the admins → web-1
		{"tcp 198.51.100.7:40000 > 10.40.0.10:22 [S]", false, flow.StageSG},
		{"tcp 10.40.0.10:40001 > 10.40.10.10:8080 [S]", true, 0},                 // web → app
		{"tcp 10.40.10.10:40002 > 10.40.21.10:5432 [S]", true, 0},                // app → db, through the db ACL
		{"tcp 10.40.0.10:40003 > 10.40.21.10:5432 [S]", false, flow.StageSG},     // web → db: web may not send it
		{"tcp 198.51.100.7:40004 > 10.40.21.10:5432 [S]", false, flow.StageNACL}, // the internet → db: the ACL
	} {
		t.Run(tc.packet, func(t *testing.T) {
			path, err := v.Send(new(flow.MustParsePacket(tc.packet)), now)
			require.NoError(t, err)
			assert.Equal(t, tc.allow, path.Allowed(), path.Explain())
			if !tc.allow {
				assert.Equal(t, tc.stage, path.Final.Stage, path.Explain())
			}
		})
	}
}
