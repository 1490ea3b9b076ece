package web_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/web"
)

var screenshot = flag.String("screenshot", "", "write a PNG of lesson 07 at step 6 to this file (for the README)")

// chromiumPath finds a Chromium to drive: $PFSIM_CHROMIUM, Debian's
// /usr/bin/chromium, or one on the PATH.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("PFSIM_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	t.Skip("no Chromium: the browser tests need Debian's chromium package (apt-get install -y chromium), " +
		"or PFSIM_CHROMIUM naming a Chromium or Chrome binary; .ci/run installs it")
	return ""
}

// browser starts a headless Chromium with the flags that work in a
// container, and fails the test on any error the page's script throws or
// logs.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	require.NoError(t, chromedp.Do(ctx), "starting Chromium")
	var mu sync.Mutex
	var problems []string
	done := make(chan struct{})
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTime()
		cancelCtx()
		cancelAlloc()
		<-done
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, problems, "the page's script reported errors")
	})
	return ctx
}

// row is what the page shows of a step.
type row struct {
	Number int    `json:"number"`
	Result string `json:"result"` // data-result
	Shown  string `json:"shown"`  // the text of the result badge
	OK     string `json:"ok"`
}

const readRows = `Array.from(document.querySelectorAll('#steps > li')).map(li => ({
  number: Number(li.dataset.number), result: li.dataset.result,
  shown: li.querySelector('.result').textContent, ok: li.dataset.ok}))`

// want is what the Go runner says of each step: the runner `pfsim check`
// uses (scenario.Parse, then scenario.Run), summed up in the word of
// check --json's result field, computed here apart from package lesson.
func want(t *testing.T, name string, data []byte) []row {
	f, _, err := scenario.Parse(name, data)
	require.NoError(t, err, name)
	rep, err := scenario.Run(f)
	require.NoError(t, err, name)
	var out []row
	for i := range rep.Results {
		r := &rep.Results[i]
		w := "applied"
		switch {
		case r.Err != nil:
			w = "error"
		case r.Path != nil:
			w = r.Path.Final.Verdict.String()
		case r.Attempt != nil:
			w = r.Attempt.Outcome.String()
		}
		out = append(out, row{Number: i + 1, Result: w, Shown: w, OK: fmt.Sprint(r.OK())})
	}
	return out
}

// waitRuns waits until the page has shown n runs.
func waitRuns(n int) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`body[data-runs="%d"]`, n)))
}

// do runs actions that return nothing, failing the test on an error.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...), what)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// lessons returns the names and texts of pfsim's lessons.
func lessons(t *testing.T) map[string][]byte {
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

var (
	wasmOnce          sync.Once
	wasmBin, wasmExec []byte
	wasmErr           error
)

// buildWASM compiles the WebAssembly module once per test binary.
func buildWASM(t *testing.T) (wasm, exec []byte) {
	wasmOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		wasmBin, wasmExec, wasmErr = web.BuildWASM(ctx, "", "")
	})
	require.NoError(t, wasmErr)
	return wasmBin, wasmExec
}

// Every lesson, opened by its link (?lesson=NAME) on the page that runs
// pfsim through `pfsim serve`, shows one row per step whose verdict is the
// Go runner's.
func TestBrowserLessonsServer(t *testing.T) {
	ctx := browser(t)
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for file, data := range lessons(t) {
		name := strings.TrimSuffix(file, ".yaml")
		do(t, ctx, name, chromedp.Navigate(srv.URL+"/?lesson="+name+"&engine=server"), waitRuns(1))
		assert.Equal(t, want(t, file, data), eval[[]row](t, ctx, readRows), name)
		assert.Equal(t, "server", eval[string](t, ctx, `document.getElementById('engine').dataset.engine`))
	}
}

// The same in the browser alone: the page loads pfsim.wasm and runs every
// lesson, chosen from the list, without the server's help.
func TestBrowserLessonsWASM(t *testing.T) {
	ctx := browser(t)
	wasm, exec := buildWASM(t)
	h, err := web.Handler(web.Options{WASM: wasm, WASMExec: exec})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	do(t, ctx, "open", chromedp.Navigate(srv.URL+"/?lesson=01-seed-web-server&engine=wasm"), waitRuns(1))
	require.Equal(t, "wasm", eval[string](t, ctx, `document.getElementById('engine').dataset.engine`))
	runs := 1
	for file, data := range lessons(t) {
		name := strings.TrimSuffix(file, ".yaml")
		do(t, ctx, name,
			chromedp.SetValue(chromedp.ID("lesson"), name), // fires change, as a person choosing does
			waitRuns(runs+1))
		runs++
		assert.Equal(t, want(t, file, data), eval[[]row](t, ctx, readRows), name)
		url, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		assert.Contains(t, url, "lesson="+name, "the address links to the lesson shown")
	}
}

// Stepping: one step at a time with the keys and the buttons, or all at
// once; the connection table shown is the current step's.
func TestBrowserStepping(t *testing.T) {
	ctx := browser(t)
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	const file = "07-idle-timeouts.yaml"
	f, _, err := scenario.Parse(file, lessons(t)[file])
	require.NoError(t, err)
	rep, err := scenario.RunWith(f, scenario.Options{Tables: true})
	require.NoError(t, err)
	n := len(rep.Results)
	require.Greater(t, n, 5)
	tracked := func(i int) int {
		c := 0
		for _, cs := range rep.Results[i].Tables {
			c += len(cs)
		}
		return c
	}
	require.NotEqual(t, tracked(1), tracked(n-1), "the lesson's tables change")

	type view struct {
		Current  int    `json:"current"`
		Visible  int    `json:"visible"`
		Position string `json:"position"`
		Conns    int    `json:"conns"`
	}
	const read = `(() => {
  const cur = document.querySelector('#steps > li.current');
  return {current: Number(cur.dataset.number),
    visible: Array.from(document.querySelectorAll('#steps > li')).filter(li => li.offsetParent !== null).length,
    position: document.getElementById('position').textContent,
    conns: cur.querySelectorAll('.conn tbody tr:not(.gone)').length};
})()`
	look := func(what string, actions ...chromedp.Action[chromedp.Void]) view {
		t.Helper()
		do(t, ctx, what, actions...)
		return eval[view](t, ctx, read)
	}

	v := look("open", chromedp.Navigate(srv.URL+"/?lesson=07-idle-timeouts&engine=server"), waitRuns(1))
	assert.Equal(t, view{Current: 1, Visible: 1, Position: fmt.Sprintf("Step 1 of %d: allow", n), Conns: tracked(0)}, v)

	v = look("→", chromedp.KeyEvent(kb.ArrowRight))
	assert.Equal(t, 2, v.Current)
	assert.Equal(t, 2, v.Visible, "in step mode, the steps so far")
	assert.Equal(t, tracked(1), v.Conns)

	v = look("j j", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
	assert.Equal(t, 4, v.Current)

	v = look("←", chromedp.KeyEvent(kb.ArrowLeft))
	assert.Equal(t, 3, v.Current)
	assert.Equal(t, tracked(2), v.Conns)

	v = look("End", chromedp.KeyEvent(kb.End))
	assert.Equal(t, n, v.Current)
	assert.Equal(t, n, v.Visible)
	assert.Equal(t, tracked(n-1), v.Conns)

	v = look("Previous button", chromedp.Click(chromedp.ID("prev")))
	assert.Equal(t, n-1, v.Current)
	assert.Equal(t, n-1, v.Visible)

	v = look("Home", chromedp.KeyEvent(kb.Home))
	assert.Equal(t, 1, v.Current)

	v = look("Next button", chromedp.Click(chromedp.ID("next")))
	assert.Equal(t, 2, v.Current)

	v = look("a: all at once", chromedp.KeyEvent("a"))
	assert.Equal(t, 2, v.Current, "showing all steps keeps the current one")
	assert.Equal(t, n, v.Visible)

	v = look("click a row", chromedp.Click(chromedp.ID("step-6")))
	assert.Equal(t, 6, v.Current)
	assert.Equal(t, tracked(5), v.Conns)
}

// A file with a mistake shows each error at its line, in the list and in
// the editor's gutter, and nothing runs; fixed, it runs.
func TestBrowserInvalidFile(t *testing.T) {
	ctx := browser(t)
	h, err := web.Handler(web.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	good := string(lessons(t)["03-deny-one-address-rule-order.yaml"])
	bad := strings.Replace(good, "rule_no: 90,", "rule_no: 32767,", 1)
	require.NotEqual(t, good, bad, "the lesson has the rule to break")
	_, _, perr := scenario.Parse("scenario.yaml", []byte(bad))
	errs := scenario.Errors(perr)
	require.NotEmpty(t, errs)

	do(t, ctx, "run a broken file",
		chromedp.Navigate(srv.URL+"/?engine=server"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)),
		chromedp.SetValue(chromedp.ID("lesson"), ""),
		chromedp.SetValue(chromedp.ID("source"), bad),
		chromedp.Click(chromedp.ID("run")),
		waitRuns(1))
	lines := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#errors > li')).map(li => li.dataset.line)`)
	require.Len(t, lines, len(errs))
	for i, e := range errs {
		assert.Equal(t, fmt.Sprint(e.Pos.Line), lines[i])
	}
	assert.Equal(t, errs[0].Msg, eval[string](t, ctx, `document.querySelector('#errors > li .msg').textContent`))
	assert.Equal(t, fmt.Sprint(errs[0].Pos.Line), eval[string](t, ctx, `document.querySelector('#gutter .err').textContent`),
		"the gutter marks the line")
	assert.True(t, eval[bool](t, ctx, `document.getElementById('diagram').hidden`), "nothing of an invalid file runs")

	// The "show" button puts the cursor on the line.
	do(t, ctx, "show", chromedp.Click(chromedp.CSS(`#errors > li button`)))
	caretLine := eval[int](t, ctx, `(() => { const s = document.getElementById('source');
  return s.value.slice(0, s.selectionStart).split("\n").length; })()`)
	assert.Equal(t, errs[0].Pos.Line, caretLine)

	// Fixed and run again with Ctrl+Enter in the editor, the errors go.
	do(t, ctx, "fix and run",
		chromedp.SetValue(chromedp.ID("source"), good),
		chromedp.Focus(chromedp.ID("source")),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(kb.ModifierCtrl)),
		waitRuns(2))
	assert.True(t, eval[bool](t, ctx, `document.getElementById('problems').hidden`))
	assert.Equal(t, want(t, "scenario.yaml", []byte(good)), eval[[]row](t, ctx, readRows))

	if *screenshot != "" {
		do(t, ctx, "screenshot",
			chromedp.EmulateViewport(1000, 1250),
			chromedp.Navigate(srv.URL+"/?lesson=07-idle-timeouts&engine=server&step=6"),
			waitRuns(1))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(*screenshot, png, 0o644))
	}
}
