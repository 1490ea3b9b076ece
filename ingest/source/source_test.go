package source

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Pos: Pos{"main.tf", 12, 5}, Resource: "aws_security_group.web", Field: "ingress[0].cidr_blocks", Msg: `"x" is not a CIDR`},
			`main.tf:12:5: aws_security_group.web ingress[0].cidr_blocks: "x" is not a CIDR`},
		{Error{Pos: Pos{"a.json", 3, 0}, Resource: "sg-1", Msg: "unknown group", Hint: "give the file that defines it"},
			`a.json:3: sg-1: unknown group (give the file that defines it)`},
		{Error{Pos: Pos{File: "f"}, Field: "x", Msg: "m"}, `f: x: m`},
		{Error{Msg: "m"}, `m`},
	} {
		assert.Equal(t, tc.want, tc.e.Error())
		w := Warning(tc.e)
		assert.Equal(t, tc.want, w.String())
	}
}

func TestJoinSortsAndDedups(t *testing.T) {
	a := &Error{Pos: Pos{"b.tf", 1, 1}, Msg: "late file"}
	b := &Error{Pos: Pos{"a.tf", 9, 1}, Msg: "second"}
	c := &Error{Pos: Pos{"a.tf", 2, 7}, Msg: "first"}
	err := Join([]*Error{a, b, c, &Error{Pos: c.Pos, Msg: "first"}})
	require.Error(t, err)
	got := Errors(fmt.Errorf("wrapped: %w", err))
	require.Len(t, got, 3)
	assert.Equal(t, []string{"first", "second", "late file"}, []string{got[0].Msg, got[1].Msg, got[2].Msg})
	assert.Nil(t, Join(nil))
	assert.Equal(t, []*Error{a}, Errors(fmt.Errorf("w: %w", a)))
	assert.Nil(t, Errors(errors.New("plain")))
}

func TestSortWarnings(t *testing.T) {
	ws := []Warning{{Pos: Pos{"a", 3, 1}, Msg: "x"}, {Pos: Pos{"a", 1, 1}, Msg: "y"}, {Pos: Pos{"a", 3, 1}, Msg: "x"}}
	got := SortWarnings(ws)
	require.Len(t, got, 2)
	assert.Equal(t, "y", got[0].Msg)
}
