package main

import (
	"errors"
	"fmt"
	"strings"
)

// flagSpec describes one flag of a command.
type flagSpec struct {
	// name is the flag without dashes: "json". It is given as --name or
	// -name.
	name string
	// value is "" for a switch; otherwise the word the usage shows for
	// its value ("T"), and the flag takes one: --at=5s or --at 5s.
	value string
	// bare, for a flag with a value, is what the flag alone means
	// (--color is --color=always); such a flag takes its value only after
	// "=", so that it never takes the next argument, a file, for it.
	bare string
	// check, if set, validates the value.
	check func(string) error
}

// flags holds the flags given: a switch maps to "true".
type flags map[string]string

func (f flags) has(name string) bool { return f[name] != "" }

var errHelp = errors.New("help requested")

// parseFlags reads a command's flags, which may stand before, between or
// after its operands; "--" ends them.
func parseFlags(specs []flagSpec, args []string) (flags, []string, error) {
	fl := flags{}
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			operands = append(operands, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil, nil, errHelp
		}
		var spec *flagSpec
		for j := range specs {
			if specs[j].name == name {
				spec = &specs[j]
			}
		}
		if spec == nil {
			names := make([]string, len(specs))
			for j, s := range specs {
				names[j] = s.name
			}
			hint := didYouMean(name, names, "--")
			if hint == "" && len(names) > 0 {
				hint = "; the flags are --" + strings.Join(names, ", --")
			}
			return nil, nil, fmt.Errorf("unknown flag %s%s", a, hint)
		}
		switch {
		case spec.value == "":
			if hasVal {
				return nil, nil, fmt.Errorf("--%s takes no value", name)
			}
			val = "true"
		case !hasVal && spec.bare != "":
			val = spec.bare
		case !hasVal:
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value: --%s %s", name, name, spec.value)
			}
			i++
			val = args[i]
		}
		if spec.check != nil {
			if err := spec.check(val); err != nil {
				return nil, nil, fmt.Errorf("--%s %q: %v", name, val, err)
			}
		}
		fl[name] = val
	}
	return fl, operands, nil
}

// didYouMean returns " (did you mean PREFIX+X?)" for the known word
// closest to w, or "" when none is close.
func didYouMean(w string, known []string, prefix string) string {
	best, bestD := "", 3
	for _, k := range known {
		d := editDistance(strings.ToLower(w), k)
		if len(w) >= 3 && (strings.HasPrefix(k, w) || strings.HasPrefix(w, k)) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + prefix + best + "?)"
}

// editDistance is the Levenshtein distance of a and b, in bytes; long
// words are never close.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
