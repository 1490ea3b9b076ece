package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/lesson"
	"github.com/pfsim/pfsim/scenario"
)

//go:embed static
var static embed.FS

// Options say what a Handler serves besides the page.
type Options struct {
	// Lessons holds the scenario files the page offers, *.yaml at its
	// root; nil means pfsim's own lessons ([scenarios.Files]).
	Lessons fs.FS
	// WASM is the WebAssembly module built from package
	// github.com/pfsim/pfsim/web/wasm, and WASMExec the wasm_exec.js of
	// the Go toolchain that built it ([BuildWASM] returns both). When
	// both are set the page runs pfsim in the browser; otherwise it runs
	// it through the handler's run endpoint.
	WASM, WASMExec []byte
}

// Lesson is an entry of the page's list of lessons (lessons/index.json).
type Lesson struct {
	// Name is the file's name without .yaml: what ?lesson= takes.
	Name string `json:"name"`
	// File is the file's name.
	File string `json:"file"`
	// Title is the scenario's one-line name.
	Title string `json:"title"`
}

// site is every file of the page, by its path in the site.
type site map[string][]byte

// build gathers the files of the site: the page, the lessons and their
// index, and the WebAssembly module when there is one.
func build(o Options) (site, error) {
	s := site{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		s[strings.TrimPrefix(p, "static/")] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	lessons := o.Lessons
	if lessons == nil {
		lessons = scenarios.Files
	}
	names, err := fs.Glob(lessons, "*.yaml")
	if err != nil {
		return nil, err
	}
	index := []Lesson{}
	for _, n := range names {
		b, err := fs.ReadFile(lessons, n)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", n, err)
		}
		s["lessons/"+n] = b
		l := Lesson{Name: strings.TrimSuffix(n, ".yaml"), File: n, Title: n}
		if f, _, err := scenario.Parse(n, b); err == nil {
			l.Title = f.Name
		}
		index = append(index, l)
	}
	s["lessons/index.json"], err = json.MarshalIndent(index, "", "  ")
	if err != nil {
		return nil, err
	}
	if (o.WASM == nil) != (o.WASMExec == nil) {
		return nil, errors.New("web: WASM and WASMExec go together: the module runs only with the wasm_exec.js of the toolchain that built it")
	}
	if o.WASM != nil {
		s["pfsim.wasm"], s["wasm_exec.js"] = o.WASM, o.WASMExec
	}
	return s, nil
}

// Handler returns the handler of the page: the page itself at /, the
// lessons under /lessons/ (lessons/index.json lists them), the run
// endpoint /api/run, and /pfsim.wasm and /wasm_exec.js when o has them.
//
// The run endpoint takes a scenario file as the body of a POST, its name
// in the query (?file=NAME.yaml, for positions), and answers the
// [lesson.View] of [lesson.Load] as JSON: the same Go code the
// WebAssembly module runs, run here. A file with errors is a View with
// Errors and status 200; only a request that is not a POST, or a body
// beyond [lesson.MaxSize], gets an error status.
//
// The handler serves from memory and writes nothing. It may be mounted
// under a prefix with [http.StripPrefix]: the page uses relative paths.
func Handler(o Options) (http.Handler, error) {
	s, err := build(o)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/run", runEndpoint)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p == "" {
			p = "index.html"
		}
		b, ok := s[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		header(w)
		if strings.HasSuffix(p, ".yaml") {
			w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
		}
		http.ServeContent(w, r, path.Base(p), time.Time{}, bytes.NewReader(b))
	})
	return mux, nil
}

// header sets what every answer carries: no caching (a teacher edits a
// lesson and reloads), and a policy that lets the page run its own script
// and WebAssembly and nothing else.
func header(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
		"style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
}

func runEndpoint(w http.ResponseWriter, r *http.Request) {
	header(w)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a scenario file", http.StatusMethodNotAllowed)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lesson.MaxSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("a scenario file is at most %d bytes", lesson.MaxSize), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the file: "+err.Error(), http.StatusBadRequest)
		return
	}
	v := lesson.Load(FileName(r.URL.Query().Get("file")), data)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// FileName is the name a file sent by the page is read under: the last
// element of the name given, or scenario.yaml, at most 100 bytes.
func FileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		return "scenario.yaml"
	}
	if len(name) > 100 {
		name = name[:100]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, name)
}

// Export writes the page as a static site into dir, which it creates if
// needed: every file the handler serves except the run endpoint, so the
// page runs pfsim in the browser. o must hold the WebAssembly module.
// Any web server can serve dir (a page opened from the disk cannot fetch
// its lessons).
func Export(dir string, o Options) error {
	if o.WASM == nil {
		return errors.New("web: a static site needs the WebAssembly module (see BuildWASM)")
	}
	s, err := build(o)
	if err != nil {
		return err
	}
	for p, b := range s {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
