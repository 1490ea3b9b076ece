// Package mdcheck checks the project's own reference for rot: that every
// rule ID the code, tests, lessons and Markdown cite (CT-3, NACL-19,
// TRACE-B, ...) is defined in the semantics document, and that every
// relative link in the Markdown, and every link into the repository's own
// GitHub pages, points at a file that exists and at an anchor that the
// file defines.
//
// It reads a file system (the repository, or a test's fstest.MapFS) and
// returns [Problem] values; a test fails on any. Anchors are those GitHub
// makes: an explicit id or name attribute (<a id="ct-3"></a>), and the
// slug of every heading.
package mdcheck

import (
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Problem is one thing wrong, at a line of a file.
type Problem struct {
	// File is the path in the file system checked, Line counts from 1.
	File string
	Line int
	// Msg says what is wrong.
	Msg string
}

// String returns "FILE:LINE: Msg".
func (p Problem) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Msg
}

// Prefixes are the families of rule IDs: an ID is a prefix, a hyphen and
// a number with an optional lower-case letter (CT-16a), or, for TRACE, a
// capital letter (TRACE-B).
var Prefixes = []string{"MODEL", "NACL", "SG", "CT", "NOT", "IN", "FL", "TRACE"}

// citeRE matches the IDs of every prefix but TRACE by number, and
// TRACE's by letter.
var citeRE = regexp.MustCompile(`\b(?:` + strings.Join(slices.DeleteFunc(slices.Clone(Prefixes), func(p string) bool { return p == "TRACE" }), "|") +
	`)-[0-9]+[a-z]?\b|\bTRACE-[A-Z]\b`)

// Citation is a rule ID cited in a text.
type Citation struct {
	ID   string
	Line int
}

// Citations returns the rule IDs cited in text, in order, with their
// lines.
func Citations(text string) []Citation {
	var out []Citation
	for i, line := range strings.Split(text, "\n") {
		for _, id := range citeRE.FindAllString(line, -1) {
			out = append(out, Citation{ID: id, Line: i + 1})
		}
	}
	return out
}

// Anchor is the anchor that defines a rule ID: its lower-case form
// ("ct-16a" for CT-16a).
func Anchor(id string) string { return strings.ToLower(id) }

// Definition is an anchor defined by a Markdown document.
type Definition struct {
	Name string
	Line int
	// Explicit is true for an id or name attribute, false for a
	// heading's slug.
	Explicit bool
}

var (
	idAttrRE  = regexp.MustCompile(`<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*"([^"]+)"`)
	headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$`)
	tagRE     = regexp.MustCompile(`<[^>]*>`)
	inlineRE  = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// Definitions returns the anchors md defines, in order: explicit id and
// name attributes, and the slug GitHub gives each heading (a repeated
// slug gets -1, -2, ...). Text inside fenced code blocks and code spans
// defines nothing.
func Definitions(md string) []Definition {
	var out []Definition
	slugs := map[string]int{}
	for i, line := range proseLines(md) {
		if line == "" {
			continue
		}
		for _, m := range idAttrRE.FindAllStringSubmatch(stripCodeSpans(line), -1) {
			out = append(out, Definition{Name: m[1], Line: i + 1, Explicit: true})
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			s := Slug(m[2])
			n := slugs[s]
			slugs[s] = n + 1
			if n > 0 {
				s += "-" + strconv.Itoa(n)
			}
			out = append(out, Definition{Name: s, Line: i + 1})
		}
	}
	return out
}

// Slug returns the anchor GitHub derives from a heading's text: the text
// as rendered (tags, emphasis and code marks removed, a link's text kept),
// lower-cased, with every character that is not a letter, a digit, a
// hyphen, an underscore or a space removed, and spaces turned into
// hyphens.
func Slug(heading string) string {
	s := inlineRE.ReplaceAllString(heading, "$1")
	s = tagRE.ReplaceAllString(s, "")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Link is a link target found in a Markdown document.
type Link struct {
	Target string
	Line   int
}

var (
	inlineLinkRE = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	refDefRE     = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	hrefRE       = regexp.MustCompile(`<a\s[^>]*?href\s*=\s*"([^"]*)"`)
)

// Links returns the targets of md's links, in order: inline links and
// images, reference definitions and <a href> tags, outside fenced code
// blocks and code spans.
func Links(md string) []Link {
	var out []Link
	for i, line := range proseLines(md) {
		if line == "" {
			continue
		}
		line = stripCodeSpans(line)
		for _, re := range []*regexp.Regexp{inlineLinkRE, refDefRE, hrefRE} {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				t := strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">")
				out = append(out, Link{Target: t, Line: i + 1})
			}
		}
	}
	return out
}

// proseLines returns md's lines with those of fenced code blocks (and
// the fences) blanked, so that line numbers stay those of md.
func proseLines(md string) []string {
	lines := strings.Split(md, "\n")
	fence := ""
	for i, line := range lines {
		t := strings.TrimLeft(line, " ")
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]+" \t") == "" {
				fence = ""
			}
			lines[i] = ""
		case len(line)-len(t) <= 3 && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")):
			n := len(t) - len(strings.TrimLeft(t, t[:1]))
			fence = strings.Repeat(t[:1], n)
			lines[i] = ""
		}
	}
	return lines
}

// stripCodeSpans removes the code spans of a line: text between runs
// of backticks of the same length.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
		ticks := line[i : i+n]
		end := strings.Index(line[i+n:], ticks)
		if end < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i])
		line = line[i+n+end+n:]
	}
}

// Options tune the checks.
type Options struct {
	// Skip reports whether a path (a file or a directory) is left out;
	// nil skips nothing. Directories named .git are always skipped.
	Skip func(path string) bool
	// RepoURL is the address of the repository's files on the web, such
	// as "https://github.com/pfsim/pfsim/blob/main/"; links that start
	// with it (in Markdown and Go files) are checked as relative ones.
	// Empty: not checked.
	RepoURL string
}

// Files returns the paths of the files of fsys whose names end in one of
// exts, in lexical order.
func Files(fsys fs.FS, o Options, exts ...string) ([]string, error) {
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && (d.Name() == ".git" || o.Skip != nil && o.Skip(p)) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && slices.ContainsFunc(exts, func(e string) bool { return strings.HasSuffix(p, e) }) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// CheckCitations reports every rule ID cited in the .go, .yaml, .yml and
// .md files of fsys that the Markdown file defs does not define as an
// anchor (<a id="ct-3"></a> for CT-3), and every explicit anchor that defs
// defines twice.
func CheckCitations(fsys fs.FS, defs string, o Options) ([]Problem, error) {
	data, err := fs.ReadFile(fsys, defs)
	if err != nil {
		return nil, err
	}
	var probs []Problem
	defined := map[string]int{}
	for _, d := range Definitions(string(data)) {
		if !d.Explicit {
			continue
		}
		if first, dup := defined[d.Name]; dup {
			probs = append(probs, Problem{defs, d.Line, "anchor " + strconv.Quote(d.Name) + " defined twice (first at line " + strconv.Itoa(first) + ")"})
			continue
		}
		defined[d.Name] = d.Line
	}
	files, err := Files(fsys, o, ".go", ".yaml", ".yml", ".md")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		text, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, c := range Citations(string(text)) {
			if _, ok := defined[Anchor(c.ID)]; !ok {
				probs = append(probs, Problem{f, c.Line, c.ID + " is cited but not defined in " + defs})
			}
		}
	}
	return probs, nil
}

// CheckLinks reports every relative link of the .md files of fsys (and,
// when o.RepoURL is set, every link into the repository written in an .md
// or .go file) that points outside fsys, at a file or directory that does
// not exist, or at an anchor that the Markdown file it names does not
// define. Links with a scheme (https:, mailto:) are not checked otherwise.
func CheckLinks(fsys fs.FS, o Options) ([]Problem, error) {
	c := &linkChecker{fsys: fsys, anchors: map[string]map[string]bool{}}
	mds, err := Files(fsys, o, ".md")
	if err != nil {
		return nil, err
	}
	for _, f := range mds {
		text, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, l := range Links(string(text)) {
			t := l.Target
			if o.RepoURL != "" && strings.HasPrefix(t, o.RepoURL) {
				c.check(f, l.Line, "", t[len(o.RepoURL):], t)
				continue
			}
			if hasScheme(t) {
				continue
			}
			c.check(f, l.Line, path.Dir(f), t, t)
		}
	}
	if o.RepoURL != "" {
		gos, err := Files(fsys, o, ".go")
		if err != nil {
			return nil, err
		}
		urlRE := regexp.MustCompile(regexp.QuoteMeta(o.RepoURL) + `[^\s)>"'\x60]*[^\s)>"'\x60.,;:]`)
		for _, f := range gos {
			text, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			for i, line := range strings.Split(string(text), "\n") {
				for _, u := range urlRE.FindAllString(line, -1) {
					c.check(f, i+1, "", u[len(o.RepoURL):], u)
				}
			}
		}
	}
	return c.probs, nil
}

type linkChecker struct {
	fsys    fs.FS
	anchors map[string]map[string]bool // per Markdown file, its anchors
	probs   []Problem
}

func (c *linkChecker) fail(file string, line int, msg string) {
	c.probs = append(c.probs, Problem{file, line, msg})
}

// check checks target, a link written in file at line, relative to dir
// ("" for the root); shown is the link as written.
func (c *linkChecker) check(file string, line int, dir, target, shown string) {
	p, frag, _ := strings.Cut(target, "#")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	q := "link " + strconv.Quote(shown)
	switch {
	case p == "":
		p = file // an anchor of the file itself
	case strings.HasPrefix(p, "/"):
		c.fail(file, line, q+": an absolute path; write it relative to "+file)
		return
	default:
		p = path.Join(dir, p)
		if p == ".." || strings.HasPrefix(p, "../") {
			c.fail(file, line, q+": points outside the repository")
			return
		}
	}
	info, err := fs.Stat(c.fsys, p)
	if err != nil {
		c.fail(file, line, q+": no such file or directory "+p)
		return
	}
	if frag == "" || info.IsDir() || !strings.HasSuffix(p, ".md") {
		return
	}
	as, err := c.anchorsOf(p)
	if err != nil {
		c.fail(file, line, q+": "+err.Error())
		return
	}
	if !as[frag] {
		c.fail(file, line, q+": "+p+" defines no anchor "+strconv.Quote(frag))
	}
}

func (c *linkChecker) anchorsOf(p string) (map[string]bool, error) {
	if as, ok := c.anchors[p]; ok {
		return as, nil
	}
	data, err := fs.ReadFile(c.fsys, p)
	if err != nil {
		return nil, err
	}
	as := map[string]bool{}
	for _, d := range Definitions(string(data)) {
		as[d.Name] = true
	}
	c.anchors[p] = as
	return as, nil
}

var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

func hasScheme(t string) bool { return schemeRE.MatchString(t) || strings.HasPrefix(t, "//") }
