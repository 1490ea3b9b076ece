package source

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// File is one input: its name, as the user gave it, and its contents.
type File struct {
	// Name is the path the user gave; positions repeat it.
	Name string
	// Data is the whole file.
	Data []byte
}

// Pos is a position in a file. Line and Col count from 1; the zero Pos is
// no position, and a Pos with Line 0 names only its file.
type Pos struct {
	File      string
	Line, Col int
}

// String returns "FILE:LINE:COL", "FILE:LINE" when the column is not known,
// or "FILE" when the line is not known either.
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Compare orders positions by file, line, then column.
func (p Pos) Compare(q Pos) int {
	if c := cmp.Compare(p.File, q.File); c != 0 {
		return c
	}
	if c := cmp.Compare(p.Line, q.Line); c != 0 {
		return c
	}
	return cmp.Compare(p.Col, q.Col)
}

// Origin says where an object a reader built comes from.
type Origin struct {
	// Pos is where the object is described; for one the files only name
	// (Named), where it is first named.
	Pos Pos
	// Named is true for a security group or prefix list that the files
	// name but do not describe. It is in the model without rules (or
	// entries), so a rule that references it matches the addresses of
	// the interfaces in the files that carry it, and nothing else.
	Named bool
}

// Error is one problem that stops a file from being read.
type Error struct {
	// Pos is where the wrong token is, or the block that lacks a field.
	Pos Pos
	// Resource names the object the problem is in, as the input names it:
	// "aws_security_group.web", "sg-0a1b2c3d", "acl-1"; empty for a
	// problem of the whole file.
	Resource string
	// Field is the attribute path inside the resource: "ingress[0].cidr_blocks".
	Field string
	// Msg says what is wrong, lower case, without the position.
	Msg string
	// Hint, when not empty, says the way out: "give the file that defines
	// it, or use the plan JSON".
	Hint string
}

// Error returns "FILE:LINE:COL: RESOURCE FIELD: Msg (Hint)".
func (e *Error) Error() string { return format(e.Pos, e.Resource, e.Field, e.Msg, e.Hint) }

// Warning is something a reader accepted but that the user should know:
// an attribute it does not model, a reference it kept as one that matches
// nothing, a value it changed as AWS would.
type Warning struct {
	Pos      Pos
	Resource string
	Field    string
	Msg      string
	Hint     string
}

// String returns "FILE:LINE:COL: RESOURCE FIELD: Msg (Hint)".
func (w Warning) String() string { return format(w.Pos, w.Resource, w.Field, w.Msg, w.Hint) }

func format(p Pos, resource, field, msg, hint string) string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.String())
		b.WriteString(": ")
	}
	if resource != "" || field != "" {
		b.WriteString(resource)
		if resource != "" && field != "" {
			b.WriteByte(' ')
		}
		b.WriteString(field)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	if hint != "" {
		b.WriteString(" (")
		b.WriteString(hint)
		b.WriteByte(')')
	}
	return b.String()
}

// Errors returns the [*Error] values in err: the members of a joined error,
// or err itself, looking through wrapping. Other errors (a file that cannot be read) are left out.
func Errors(err error) []*Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	if e, ok := err.(*Error); ok {
		return []*Error{e}
	}
	return Errors(errors.Unwrap(err))
}

// Join sorts errs by position, drops exact repeats and joins them; nil when
// there are none.
func Join(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	errs = slices.Clone(errs)
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Pos.Compare(b.Pos) })
	out := make([]error, 0, len(errs))
	seen := make(map[Error]bool, len(errs))
	for _, e := range errs {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// SortWarnings sorts ws by position in place and drops exact repeats.
func SortWarnings(ws []Warning) []Warning {
	slices.SortStableFunc(ws, func(a, b Warning) int { return a.Pos.Compare(b.Pos) })
	return slices.Compact(ws)
}
