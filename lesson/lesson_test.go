package lesson_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/lesson"
	"github.com/pfsim/pfsim/scenario"
)

func lessonFiles(t testing.TB) map[string][]byte {
	names, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	out := map[string][]byte{}
	for _, n := range names {
		out[n], err = fs.ReadFile(scenarios.Files, n)
		require.NoError(t, err)
	}
	return out
}

// checkShape asserts what every View of a valid file keeps: lanes that
// exist, routes that start at the source and end at the filter that
// dropped the packet or at its destination, stages on lanes of their kind.
func checkShape(t testing.TB, v *lesson.View) {
	for _, s := range v.Steps {
		for _, p := range s.Packets {
			require.NotEmpty(t, p.Route, "step %d", s.Number)
			for _, l := range p.Route {
				require.True(t, l >= 0 && l < len(v.Lanes), "step %d: lane %d of %d", s.Number, l, len(v.Lanes))
			}
			assert.Equal(t, p.From, p.Route[0], "step %d starts at its source", s.Number)
			reached := 0
			if p.Verdict == "allow" {
				reached = 1
				assert.Equal(t, p.To, p.Route[len(p.Route)-1], "step %d: an allowed packet arrives", s.Number)
			} else {
				require.NotEmpty(t, p.Stages, "step %d: a drop has a filter that dropped", s.Number)
				last := p.Stages[len(p.Stages)-1]
				assert.Equal(t, "drop", last.Verdict)
				assert.Equal(t, last.Lane, p.Route[len(p.Route)-1], "step %d: a dropped packet stops at the filter", s.Number)
			}
			assert.Len(t, p.Route, 1+len(p.Stages)+reached, "step %d", s.Number)
			for i, st := range p.Stages {
				assert.Equal(t, st.Lane, p.Route[i+1])
				want := map[string]lesson.LaneKind{"nacl": lesson.ACL, "sg": lesson.Groups}[st.Kind]
				assert.Equal(t, want, v.Lanes[st.Lane].Kind, "step %d stage %d", s.Number, i)
				assert.NotEmpty(t, st.Short)
				assert.NotEmpty(t, st.Explanation)
				if i < len(p.Stages)-1 {
					assert.Equal(t, "allow", st.Verdict, "only the last stage may drop")
				}
			}
		}
	}
}

// Every lesson: one step per step of the file, with the runner's result
// word and expectation, laid out on lanes the packets use.
func TestLoadLessons(t *testing.T) {
	for name, data := range lessonFiles(t) {
		t.Run(name, func(t *testing.T) {
			v := lesson.Load(name, data)
			require.True(t, v.Valid(), "%v", v.Errors)
			f, _, err := scenario.Parse(name, data)
			require.NoError(t, err)
			rep, err := scenario.Run(f)
			require.NoError(t, err)
			require.Len(t, v.Steps, len(rep.Results))
			assert.Equal(t, f.Name, v.Name)
			assert.Zero(t, v.Failed, "the lessons' expectations hold")
			for i := range rep.Results {
				r, s := &rep.Results[i], v.Steps[i]
				assert.Equal(t, i+1, s.Number)
				assert.Equal(t, r.Step.Pos.Line, s.Line)
				assert.Equal(t, r.Word(), s.Result)
				assert.Equal(t, r.OK(), s.OK)
				assert.Equal(t, r.Step.At.Seconds(), s.At)
				switch r.Step.Kind {
				case scenario.StepPacket:
					assert.Len(t, s.Packets, 1)
				case scenario.StepConnect:
					assert.Len(t, s.Packets, len(r.Attempt.Exchanges))
					assert.False(t, s.Packets[0].Reply, "the client sends first")
				case scenario.StepChange:
					assert.Empty(t, s.Packets)
					assert.NotEmpty(t, s.Changes)
				}
			}
			used := map[int]bool{}
			for _, s := range v.Steps {
				for _, p := range s.Packets {
					for _, l := range p.Route {
						used[l] = true
					}
					used[p.To] = true
				}
			}
			assert.Len(t, used, len(v.Lanes), "every lane is used, and only those")
			checkShape(t, v)
		})
	}
}

// The lanes of a lesson in one subnet read from the outside in (02, 11);
// where no route needs the outside between two subnets, it goes to the
// left (05); packets inside one subnet get its interfaces' groups side by
// side, the ACL at the end (06).
func TestLanes(t *testing.T) {
	titles := func(name string) []string {
		v := lesson.Load(name, lessonFiles(t)[name])
		require.True(t, v.Valid())
		var out []string
		for _, l := range v.Lanes {
			out = append(out, string(l.Kind)+":"+l.ID)
		}
		return out
	}
	assert.Equal(t, []string{"outside:", "acl:subnet-public", "sg:eni-web", "instance:eni-web"},
		titles("02-stateless-acl-return-ports.yaml"))
	assert.Equal(t, []string{"outside:", "instance:eni-web2", "sg:eni-web2", "instance:eni-web", "sg:eni-web", "acl:subnet-public",
		"acl:subnet-db", "sg:eni-db", "instance:eni-db"}, titles("05-sg-references-across-tiers.yaml"))
	assert.Equal(t, []string{"outside:", "instance:eni-a", "sg:eni-a", "sg:eni-b", "instance:eni-b", "acl:subnet-app",
		"acl:subnet-other", "sg:eni-c", "instance:eni-c"}, titles("06-intra-subnet-skips-acl.yaml"))
	assert.Equal(t, []string{"outside:", "acl:subnet-private", "sg:eni-app", "instance:eni-app", "service:"},
		titles("11-aws-services-exempt.yaml"))
}

// The classic stateless lesson: the SYN-ACK passes the group and is
// dropped by the ACL's `*` rule on its way out.
func TestReplyDroppedByACL(t *testing.T) {
	v := lesson.Load("02.yaml", lessonFiles(t)["02-stateless-acl-return-ports.yaml"])
	require.True(t, v.Valid())
	s := v.Steps[4] // connect tcp 198.51.100.7 > 10.0.1.10:80, timeout
	require.Equal(t, "connect", s.Kind)
	assert.Equal(t, "timeout", s.Result)
	require.Len(t, s.Packets, 2)
	reply := s.Packets[1]
	assert.True(t, reply.Reply)
	assert.Equal(t, "drop", reply.Verdict)
	assert.Equal(t, []int{3, 2, 1}, reply.Route, "instance, groups, ACL: it stops at the ACL")
	require.Len(t, reply.Stages, 2)
	assert.Equal(t, lesson.Stage{Lane: 1, Kind: "nacl", Direction: "egress", Verdict: "drop", Name: "acl-web", Rule: "*",
		Short: "acl-web rule * (default deny)", Explanation: reply.Stages[1].Explanation}, reply.Stages[1])
	assert.Contains(t, reply.Stages[1].Explanation, "network ACLs are stateless")
	assert.Equal(t, "timeout at nacl acl-web egress rule *", s.Expect)
}

// The idle-timeout lesson: the tables after each step show the entries
// with their time left, and an entry that expires is listed as gone.
func TestTablesAndGone(t *testing.T) {
	v := lesson.Load("07.yaml", lessonFiles(t)["07-idle-timeouts.yaml"])
	require.True(t, v.Valid())
	after4 := v.Steps[3] // both DNS answers in, at 1s
	require.Len(t, after4.Tables, 2)
	for _, c := range after4.Tables {
		assert.Equal(t, "eni-app", c.Interface)
		assert.Equal(t, "UDP", c.State)
		assert.Equal(t, 1.0, c.Age)
		assert.Equal(t, 30.0, c.Timeout, "udp_timeout, 30 s")
		assert.Equal(t, 30.0, c.ExpiresIn)
	}
	after6 := v.Steps[5] // at 31s the second lookup's entry is gone
	require.Len(t, after6.Gone, 1)
	g := after6.Gone[0]
	assert.Equal(t, "udp 10.0.1.10:40002 > 192.0.2.53:53", g.Flow)
	assert.True(t, g.Expired)
	assert.Equal(t, 0.0, g.ExpiresIn, "expired exactly now: last_seen + timeout")
	require.Len(t, after6.Tables, 1)
	assert.Equal(t, "udp 10.0.1.10:40001 > 192.0.2.53:53", after6.Tables[0].Flow)
	assert.InDelta(t, 29.999, after6.Tables[0].ExpiresIn, 1e-9)
	assert.Empty(t, v.Steps[6].Gone, "nothing more went")
}

// A file with mistakes: no steps, every error at its line and column, as
// the parser reports them.
func TestLoadErrors(t *testing.T) {
	good := lessonFiles(t)["03-deny-one-address-rule-order.yaml"]
	bad := []byte(strings.Replace(string(good), "rule_no: 90,", "rule_no: 32767,", 1))
	require.NotEqual(t, good, bad)
	v := lesson.Load("bad.yaml", bad)
	assert.False(t, v.Valid())
	assert.Empty(t, v.Steps)
	assert.NotNil(t, v.Lanes, "empty lists, not null, for the page")
	_, _, err := scenario.Parse("bad.yaml", bad)
	var want []lesson.Problem
	for _, e := range scenario.Errors(err) {
		want = append(want, lesson.Problem{Line: e.Pos.Line, Col: e.Pos.Col, Field: e.Field, Msg: e.Msg})
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, v.Errors)
	assert.Positive(t, v.Errors[0].Line)
	assert.Positive(t, v.Errors[0].Col)
	assert.Contains(t, v.Errors[0].Msg, "32767")

	// Not YAML at all, and too big.
	assert.False(t, lesson.Load("x.yaml", []byte("steps: [")).Valid())
	huge := lesson.Load("x.yaml", make([]byte, lesson.MaxSize+1))
	require.Len(t, huge.Errors, 1)
	assert.Contains(t, huge.Errors[0].Msg, "at most")
}

func TestExpectText(t *testing.T) {
	data := `name: expectations
subnets: [{id: s, cidr_block: 10.0.1.0/24}]
security_groups: [{id: sg}]
interfaces: [{id: e, subnet: s, private_ips: [10.0.1.10], security_groups: [sg]}]
steps:
  - {at: 0s, packet: "tcp 192.0.2.1:5 > 10.0.1.10:80 [S]", expect: drop}
  - {at: 0s, packet: "tcp 192.0.2.1:5 > 10.0.1.10:80 [S]", expect: {stage: sg, direction: ingress}}
  - {at: 0s, packet: "tcp 192.0.2.1:5 > 10.0.1.10:80 [S]"}
  - {at: 0s, connect: "tcp 192.0.2.1 > 10.0.1.10:80", expect: timeout}
  - {at: 0s, packet: "tcp 192.0.2.1:5 > 10.0.1.10:80 [S]", expect: allow}
`
	v := lesson.Load("x.yaml", []byte(data))
	require.True(t, v.Valid(), "%v", v.Errors)
	var got []string
	for _, s := range v.Steps {
		got = append(got, s.Expect)
	}
	assert.Equal(t, []string{"drop", "drop at sg ingress", "", "timeout", "allow"}, got)
	assert.Equal(t, 4, v.Expected)
	assert.Equal(t, 1, v.Failed, "the last one did not hold")
	assert.Equal(t, []string{"expected allow, got drop"}, v.Steps[4].Failures)
}

// Load never panics and keeps its shape, whatever the bytes.
func FuzzLoad(f *testing.F) {
	for _, data := range lessonFiles(f) {
		f.Add(data)
	}
	f.Add([]byte("steps: ["))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := lesson.Load("fuzz.yaml", data)
		if !v.Valid() {
			if len(v.Steps) != 0 {
				t.Fatalf("an invalid file has steps")
			}
			return
		}
		checkShape(t, v)
	})
}

// A packet to a web server, drawn on the lanes it crosses.
func ExampleLoad() {
	v := lesson.Load("web.yaml", []byte(`name: a web server
security_groups:
  - id: sg-web
    ingress: [{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}]
subnets: [{id: subnet-public, cidr_block: 10.0.1.0/24}]
interfaces:
  - {id: eni-web, subnet: subnet-public, private_ips: [10.0.1.10], security_groups: [sg-web]}
steps:
  - {at: 0s, packet: "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", expect: allow}
  - {at: 1s, packet: "tcp 198.51.100.7:50001 > 10.0.1.10:22 [S]", expect: drop}
`))
	for _, l := range v.Lanes {
		fmt.Printf("lane %s (%s)\n", l.Title, l.Kind)
	}
	for _, s := range v.Steps {
		p := s.Packets[0]
		fmt.Printf("step %d: %s, route %v, last filter: %s\n", s.Number, s.Result, p.Route, p.Stages[len(p.Stages)-1].Short)
	}
	// Output:
	// lane outside (outside)
	// lane subnet-public ACL (acl)
	// lane eni-web groups (sg)
	// lane eni-web (instance)
	// step 1: allow, route [0 1 2 3], last filter: sg-web rule #1, new (SYN_SENT)
	// step 2: drop, route [0 1 2], last filter: no rule allows it
}
