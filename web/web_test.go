package web_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/lesson"
	"github.com/pfsim/pfsim/web"
)

func get(t *testing.T, h http.Handler, method, target, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, r))
	return w.Result()
}

func read(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

// The page, its files and the lessons, each with its type and the
// headers that keep the page to itself.
func TestHandlerServesThePage(t *testing.T) {
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", `<script src="app.js" defer>`},
		{"/index.html", "text/html; charset=utf-8", `id="steps"`},
		{"/app.js", "text/javascript; charset=utf-8", "pfsimRun"},
		{"/style.css", "text/css; charset=utf-8", ".step.current"},
		{"/lessons/07-idle-timeouts.yaml", "text/yaml; charset=utf-8", "name: idle timeouts"},
	} {
		r := get(t, h, "GET", c.path, "")
		assert.Equal(t, http.StatusOK, r.StatusCode, c.path)
		assert.Equal(t, c.ctype, r.Header.Get("Content-Type"), c.path)
		assert.Contains(t, read(t, r), c.contains, c.path)
		assert.Contains(t, r.Header.Get("Content-Security-Policy"), "script-src 'self' 'wasm-unsafe-eval'", c.path)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), c.path)
	}
	for _, p := range []string{"/pfsim.wasm", "/wasm_exec.js", "/lessons/nope.yaml", "/static/app.js", "/go.mod", "/lessons/%2e%2e/go.mod"} {
		assert.Equal(t, http.StatusNotFound, get(t, h, "GET", p, "").StatusCode, p)
	}
}

// lessons/index.json lists every embedded lesson with its title.
func TestLessonIndex(t *testing.T) {
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	r := get(t, h, "GET", "/lessons/index.json", "")
	require.Equal(t, http.StatusOK, r.StatusCode)
	var index []web.Lesson
	require.NoError(t, json.Unmarshal([]byte(read(t, r)), &index))
	names, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	require.Len(t, index, len(names))
	for i, l := range index {
		assert.Equal(t, names[i], l.File)
		assert.Equal(t, strings.TrimSuffix(names[i], ".yaml"), l.Name)
		assert.NotEqual(t, l.File, l.Title, "the title is the scenario's name")
	}

	// Other lessons, and one that does not parse (its file name is its title).
	h, err = web.Handler(web.Options{Lessons: fstest.MapFS{
		"a.yaml":    {Data: []byte("name: lesson a\n")},
		"b.yaml":    {Data: []byte("steps: [")},
		"notes.txt": {Data: []byte("not a lesson")},
	}})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(read(t, get(t, h, "GET", "/lessons/index.json", ""))), &index))
	assert.Equal(t, []web.Lesson{{Name: "a", File: "a.yaml", Title: "lesson a"}, {Name: "b", File: "b.yaml", Title: "b.yaml"}}, index)
}

// The run endpoint answers the View of lesson.Load, for good and bad files.
func TestRunEndpoint(t *testing.T) {
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	data, err := fs.ReadFile(scenarios.Files, "02-stateless-acl-return-ports.yaml")
	require.NoError(t, err)

	r := get(t, h, "POST", "/api/run?file=lessons/02.yaml", string(data))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var got lesson.View
	require.NoError(t, json.Unmarshal([]byte(read(t, r)), &got))
	want := lesson.Load("02.yaml", data)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	gotJSON, err := json.Marshal(&got)
	require.NoError(t, err)
	assert.JSONEq(t, string(wantJSON), string(gotJSON))
	assert.Equal(t, "02.yaml", got.File, "the name's last element names the file")

	r = get(t, h, "POST", "/api/run", "name: x\nsteps: [{at: -1s}]\n")
	require.Equal(t, http.StatusOK, r.StatusCode, "a file with errors is an answer, not a failure")
	require.NoError(t, json.Unmarshal([]byte(read(t, r)), &got))
	require.NotEmpty(t, got.Errors)
	assert.Equal(t, 2, got.Errors[0].Line)
	assert.Equal(t, "scenario.yaml", got.File)

	assert.Equal(t, http.StatusMethodNotAllowed, get(t, h, "GET", "/api/run", "").StatusCode)
	big := strings.Repeat("#", lesson.MaxSize+1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, get(t, h, "POST", "/api/run", big).StatusCode)
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "scenario.yaml",
		"/":                      "scenario.yaml",
		"a.yaml":                 "a.yaml",
		"../../etc/x":            "x",
		`C:\les\07.yaml`:         "07.yaml",
		"a\x00b.yaml":            "a_b.yaml",
		strings.Repeat("n", 300): strings.Repeat("n", 100),
	} {
		assert.Equal(t, want, web.FileName(in), "%q", in)
	}
}

// With the WebAssembly module the handler serves it and its script; the
// two go together.
func TestHandlerWithWASM(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	h, err := web.Handler(web.Options{WASM: wasm, WASMExec: []byte("// wasm_exec")})
	require.NoError(t, err)
	r := get(t, h, "GET", "/pfsim.wasm", "")
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, "application/wasm", r.Header.Get("Content-Type"), "instantiateStreaming needs it")
	assert.Equal(t, string(wasm), read(t, r))
	assert.Equal(t, http.StatusOK, get(t, h, "HEAD", "/pfsim.wasm", "").StatusCode, "the page asks with HEAD first")
	assert.Equal(t, http.StatusOK, get(t, h, "GET", "/wasm_exec.js", "").StatusCode)

	_, err = web.Handler(web.Options{WASM: wasm})
	assert.ErrorContains(t, err, "go together")
}

// Export writes the static site: the page, the lessons, the module.
func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	assert.ErrorContains(t, web.Export(dir, web.Options{}), "WebAssembly")
	require.NoError(t, web.Export(dir, web.Options{WASM: []byte("\x00asm"), WASMExec: []byte("// exec")}))
	for _, f := range []string{"index.html", "app.js", "style.css", "pfsim.wasm", "wasm_exec.js",
		"lessons/index.json", "lessons/01-seed-web-server.yaml"} {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		assert.NoError(t, err, f)
	}
	names, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	exported, err := filepath.Glob(filepath.Join(dir, "lessons", "*.yaml"))
	require.NoError(t, err)
	assert.Len(t, exported, len(names))
}
