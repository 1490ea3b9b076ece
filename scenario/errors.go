package scenario

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
)

// Pos is a position in a scenario file. Line and Col count from 1; Col
// counts characters, a tab as one. The zero Pos is no position.
type Pos struct {
	// File is the path given to [Parse].
	File string
	// Line and Col locate the character, from 1.
	Line, Col int
}

// String returns "FILE:LINE:COL", or "FILE:LINE" when the column is not
// known, or "FILE" when the line is not known either.
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

// compare orders positions by line, then column.
func (p Pos) compare(q Pos) int {
	if c := cmp.Compare(p.Line, q.Line); c != 0 {
		return c
	}
	return cmp.Compare(p.Col, q.Col)
}

// Error is one problem of a scenario file. [Parse] returns every problem it
// finds, each an *Error, joined with [errors.Join] in the order of their
// positions; use [Errors] to get them back as a slice.
type Error struct {
	// Pos is where the problem is: the bad value, the unknown key, or,
	// for a missing field, the block that lacks it.
	Pos Pos
	// Field is the path of the field from the document's root, e.g.
	// "network_acls[0].ingress[2].rule_no" or "steps[4].expect.rule";
	// empty for a problem of the whole document.
	Field string
	// Msg says what is wrong, naming the object, the field and the value:
	// "nacl acl-public ingress rule_no 32767: must be 1..32766".
	Msg string
}

// Error returns "FILE:LINE:COL: Msg".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Warning is something pfsim accepts but AWS would change or object to:
// a CIDR with host bits set (accepted as its network, NACL-5), a quota
// exceeded (NACL-32, SG-25, SG-26), a listening entry given twice, an
// address of a subnet that belongs to no interface.
type Warning struct {
	// Pos is where the value warned about is written.
	Pos Pos
	// Msg says what and why, as [Error.Msg] does.
	Msg string
}

// String returns "FILE:LINE:COL: Msg".
func (w Warning) String() string { return w.Pos.String() + ": " + w.Msg }

// Errors returns the [*Error] values in err, which [Parse] and [Load]
// return joined: a joined error's members, or err itself. Errors that are
// not *Error (a file that cannot be read) are left out.
func Errors(err error) []*Error {
	if err == nil {
		return nil
	}
	var out []*Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	var e *Error
	if errors.As(err, &e) {
		out = append(out, e)
	}
	return out
}

// joinErrors sorts errs by position, keeping the order of equal positions,
// drops exact repeats (a YAML alias can make one node be read twice), and
// joins them.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Pos.compare(b.Pos) })
	out := make([]error, 0, len(errs))
	seen := make(map[Error]bool, len(errs))
	for _, e := range errs {
		if seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	return errors.Join(out...)
}

// sortWarnings sorts ws by position and drops exact repeats.
func sortWarnings(ws []Warning) []Warning {
	slices.SortStableFunc(ws, func(a, b Warning) int { return a.Pos.compare(b.Pos) })
	seen := make(map[Warning]bool, len(ws))
	out := ws[:0]
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
