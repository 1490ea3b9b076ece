// pfsim lessons: the page's script. It runs a scenario file with pfsim's
// own Go code, compiled to WebAssembly (pfsim.wasm) where the site has it,
// or else through the run endpoint of `pfsim serve` (api/run), and draws
// the View that comes back (package lesson's JSON). No framework: the DOM
// is built with textContent only, so nothing in a file becomes markup.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = {
  engine: null,   // {name, run(file, text) -> Promise<View>}
  lessons: [],    // [{name, file, title}]
  view: null,     // the last View
  current: 0,     // index of the current step
  seq: 0,         // the number of the latest run started
  all: params.get("all") === "1",
};

// ---- engines ---------------------------------------------------------------

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error("cannot load " + src));
    document.head.appendChild(s);
  });
}

// The WebAssembly engine: pfsim's Go code in the page.
async function wasmEngine() {
  const head = await fetch("pfsim.wasm", { method: "HEAD" });
  if (!head.ok) throw new Error("no pfsim.wasm here");
  await loadScript("wasm_exec.js");
  const go = new Go();
  const ready = new Promise((resolve) => { window.pfsimReady = resolve; });
  const { instance } = await WebAssembly.instantiateStreaming(fetch("pfsim.wasm"), go.importObject);
  go.run(instance);
  await ready;
  return {
    name: "wasm",
    label: "running in your browser (WebAssembly)",
    run: async (file, text) => JSON.parse(window.pfsimRun(file, text)),
  };
}

// The server engine: the same Go code behind `pfsim serve`.
function serverEngine() {
  return {
    name: "server",
    label: "running on pfsim serve",
    run: async (file, text) => {
      const r = await fetch("api/run?file=" + encodeURIComponent(file), {
        method: "POST", headers: { "Content-Type": "text/yaml; charset=utf-8" }, body: text,
      });
      if (!r.ok && r.headers.get("Content-Type") !== "application/json") {
        throw new Error("the server answered " + r.status + " " + (await r.text()));
      }
      return r.json();
    },
  };
}

async function chooseEngine() {
  const want = params.get("engine");
  if (want !== "server") {
    try {
      return await wasmEngine();
    } catch (e) {
      if (want === "wasm") throw e;
    }
  }
  return serverEngine();
}

// ---- lessons and the editor -------------------------------------------------

async function loadLessons() {
  const r = await fetch("lessons/index.json");
  if (!r.ok) return;
  state.lessons = await r.json();
  const sel = $("lesson");
  for (const l of state.lessons) {
    const o = document.createElement("option");
    o.value = l.name;
    o.textContent = l.name.replace(/^(\d+)-.*/, "$1") + " · " + l.title;
    sel.appendChild(o);
  }
}

async function openLesson(name) {
  const l = state.lessons.find((x) => x.name === name || x.file === name);
  if (!l) {
    showFatal("There is no lesson named “" + name + "”.");
    return;
  }
  $("lesson").value = l.name;
  const r = await fetch("lessons/" + encodeURIComponent(l.file));
  setSource(await r.text());
  const u = new URL(location.href);
  u.searchParams.set("lesson", l.name);
  history.replaceState(null, "", u);
  await run();
}

function currentFile() {
  const l = state.lessons.find((x) => x.name === $("lesson").value);
  return l ? l.file : "scenario.yaml";
}

function setSource(text) {
  $("source").value = text;
  updateGutter([]);
}

// The gutter numbers the lines and marks those with problems.
function updateGutter(marks) {
  const src = $("source");
  const n = src.value.split("\n").length;
  const byLine = new Map();
  for (const m of marks) if (m.line > 0 && !byLine.has(m.line)) byLine.set(m.line, m);
  const g = $("gutter");
  g.textContent = "";
  for (let i = 1; i <= n; i++) {
    const m = byLine.get(i);
    if (m) {
      const s = document.createElement("span");
      s.className = m.kind;
      s.title = m.msg;
      s.textContent = String(i);
      g.appendChild(s);
    } else {
      g.appendChild(document.createTextNode(String(i)));
    }
    if (i < n) g.appendChild(document.createTextNode("\n"));
  }
  src.style.height = "auto";
  src.style.height = src.scrollHeight + "px";
}

// Put the cursor at a line and column of the editor.
function goToLine(line, col) {
  $("editor-box").open = true;
  const src = $("source");
  const lines = src.value.split("\n");
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  pos += Math.max(0, (col || 1) - 1);
  src.focus();
  src.setSelectionRange(pos, pos);
  const lh = parseFloat(getComputedStyle(src).lineHeight) || 20;
  src.closest(".editor").scrollTop = Math.max(0, (line - 4) * lh);
}

// ---- running and drawing ------------------------------------------------------

async function run() {
  if (!state.engine) return;
  const btn = $("run");
  btn.disabled = true;
  const seq = ++state.seq; // a later run wins over one still under way
  try {
    const view = await state.engine.run(currentFile(), $("source").value);
    if (seq !== state.seq) return;
    show(view);
  } catch (e) {
    showFatal(String(e && e.message ? e.message : e));
  } finally {
    btn.disabled = false;
  }
}

function showFatal(msg) {
  show({ file: "", name: "", lanes: [], steps: [], errors: [{ line: 0, col: 0, msg }] });
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function show(view) {
  state.view = view;
  // Tests and tools wait on this count: it grows once per run shown.
  document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  $("title").textContent = view.name || "Your scenario";
  const d = $("description");
  d.textContent = "";
  for (const para of (view.description || "").split(/\n\s*\n/)) {
    if (para.trim()) d.appendChild(el("p", "", para.replace(/\s*\n\s*/g, " ")));
  }
  showProblems($("errors"), $("problems"), view.errors || [], "err");
  showProblems($("warnings"), $("warnings-box"), view.warnings || [], "warn");
  updateGutter([...(view.errors || []).map((p) => ({ ...p, kind: "err" })),
    ...(view.warnings || []).map((p) => ({ ...p, kind: "warn" }))]);
  const ok = !(view.errors && view.errors.length);
  if (!ok) $("editor-box").open = true;
  $("controls").hidden = !ok;
  $("diagram").hidden = !ok;
  if (!ok) return;
  drawLanes(view.lanes);
  const list = $("steps");
  list.textContent = "";
  view.steps.forEach((s, i) => list.appendChild(drawStep(view, s, i)));
  const failed = view.failed || 0;
  const sum = $("summary");
  sum.textContent = "";
  sum.appendChild(el("span", failed ? "bad" : "good",
    failed ? failed + " of " + view.expected + " expectations did not hold"
      : view.expected + " expectations, all hold"));
  const want = parseInt(params.get("step") || "1", 10);
  state.current = Math.min(Math.max(want - 1, 0), Math.max(view.steps.length - 1, 0));
  params.delete("step");
  setAll(state.all);
  go(state.current, false);
}

function showProblems(list, box, problems, kind) {
  list.textContent = "";
  box.hidden = problems.length === 0;
  const lines = $("source").value.split("\n");
  for (const p of problems) {
    const li = el("li");
    li.dataset.line = p.line;
    li.dataset.col = p.col;
    const where = p.line > 0 ? "line " + p.line + (p.col > 0 ? ", column " + p.col : "") : "the file";
    li.appendChild(el("span", "where", where + ": "));
    li.appendChild(el("span", "msg", p.msg));
    if (p.line > 0 && p.line <= lines.length) {
      const b = el("button", "", "show");
      b.type = "button";
      b.title = "Put the cursor there";
      b.addEventListener("click", () => goToLine(p.line, p.col));
      li.appendChild(b);
      const text = String(p.line).padStart(4) + " | " + lines[p.line - 1] +
        (p.col > 0 ? "\n" + " ".repeat(4) + " | " + " ".repeat(p.col - 1) + "^" : "");
      li.appendChild(el("pre", kind, text));
    }
    list.appendChild(li);
  }
}

function drawLanes(lanes) {
  const box = $("lanes");
  box.textContent = "";
  document.documentElement.style.setProperty("--n", String(Math.max(lanes.length, 1)));
  const abbr = { outside: "out", acl: "ACL", sg: "SG", service: "AWS" };
  for (const l of lanes) {
    const d = el("div", "lane " + l.kind);
    d.title = l.title + (l.detail ? " (" + l.detail + ")" : "");
    d.appendChild(el("b", "full", l.title));
    d.appendChild(el("b", "abbr", abbr[l.kind] || l.title));
    if (l.detail) d.appendChild(el("small", "", l.detail));
    box.appendChild(d);
  }
}

const pct = (lane, n) => ((lane + 0.5) / n) * 100 + "%";

function drawStep(view, s, i) {
  const li = el("li", "step");
  li.id = "step-" + s.number;
  li.dataset.number = s.number;
  li.dataset.result = s.result;
  li.dataset.ok = s.ok;
  li.tabIndex = -1;
  li.addEventListener("click", () => { if (state.current !== i) go(i, false); });

  const head = el("div", "head");
  head.appendChild(el("span", "num", String(s.number)));
  head.appendChild(el("span", "at", s.at_text));
  head.appendChild(el("span", "kind", s.kind));
  head.appendChild(el("code", "input", s.input));
  head.appendChild(el("span", "result " + s.result, s.result));
  if (s.expect) {
    head.appendChild(el("span", "expect " + (s.ok ? "ok" : "failed"),
      (s.ok ? "✓ as expected: " : "✗ expected ") + s.expect));
  }
  li.appendChild(head);

  const n = Math.max(view.lanes.length, 1);
  for (const p of s.packets || []) li.appendChild(drawPacket(p, n));
  li.appendChild(el("p", "why", s.explanation));
  if (s.failures && s.failures.length) li.appendChild(el("p", "failures", s.failures.join("; ")));

  const more = el("div", "more");
  for (const p of s.packets || []) {
    if (!p.stages.length) continue;
    const ol = el("ol", "stages");
    if ((s.packets || []).length > 1) ol.setAttribute("aria-label", p.text);
    for (const st of p.stages) {
      const lane = view.lanes[st.lane];
      const item = el("li", st.verdict === "drop" ? "drop" : "");
      item.appendChild(el("b", "", (lane ? lane.title : st.kind) + " " + st.direction + ": "));
      item.appendChild(document.createTextNode(st.explanation));
      ol.appendChild(item);
    }
    if (s.packets.length > 1) more.appendChild(el("div", "ptext", p.text));
    more.appendChild(ol);
  }
  more.appendChild(drawTables(s));
  li.appendChild(more);
  return li;
}

// A packet's track: the lanes' lifelines, its route as arrows, a mark on
// each filter met (✓ passed, ✗ dropped) and the filter's words under it.
// A route that turns back is drawn as one track per direction.
function drawPacket(p, n) {
  const box = el("div", "packet" + (p.reply ? " reply" : ""));
  box.dataset.verdict = p.verdict;
  const t = el("div", "ptext");
  if (p.reply) t.appendChild(el("span", "reply", "reply: "));
  t.appendChild(document.createTextNode(p.text + (p.exempt ? " (" + p.exempt + ", not filtered)" : "")));
  t.title = p.why;
  box.appendChild(t);
  const r = p.route;
  const runs = [];
  let start = 0;
  let dir = Math.sign(r[1] - r[0]);
  for (let k = 2; k < r.length; k++) {
    const d = Math.sign(r[k] - r[k - 1]);
    if (d !== dir) {
      runs.push([start, k - 1]);
      start = k - 1;
      dir = d;
    }
  }
  if (r.length >= 2) runs.push([start, r.length - 1]);
  for (const [a, b] of runs) {
    const track = el("div", "track");
    for (let i = 0; i < n; i++) {
      const life = el("span", "life");
      life.style.left = pct(i, n);
      track.appendChild(life);
    }
    const from = r[a], to = r[b];
    const seg = el("span", "seg " + (to > from ? "to-right" : "to-left") + (p.reply ? " reply" : ""));
    const lo = Math.min(from, to), hi = Math.max(from, to);
    seg.style.left = pct(lo, n);
    seg.style.width = ((hi - lo) / n) * 100 + "%";
    if (b <= p.stages.length) seg.classList.add("at-mark"); // ends on a filter
    track.appendChild(seg);
    for (let k = a + 1; k <= b; k++) {
      const st = p.stages[k - 1];
      if (!st) continue;
      const drop = st.verdict === "drop";
      const m = el("span", "mark " + (drop ? "drop" : "pass"), drop ? "✗" : "✓");
      m.style.left = pct(st.lane, n);
      m.title = st.explanation;
      m.setAttribute("role", "img");
      m.setAttribute("aria-label", (drop ? "dropped: " : "passed: ") + st.short);
      track.appendChild(m);
      const sh = el("span", "short" + (drop ? " drop" : ""), st.short);
      sh.style.left = pct(st.lane, n);
      track.appendChild(sh);
    }
    box.appendChild(track);
  }
  return box;
}

function fmtSeconds(s) {
  if (s >= 86400) return (s / 86400).toFixed(s % 86400 ? 1 : 0) + " d";
  if (s >= 3600) return (s / 3600).toFixed(s % 3600 ? 1 : 0) + " h";
  if (s >= 60) return (s / 60).toFixed(s % 60 ? 1 : 0) + " min";
  return (Math.round(s * 1000) / 1000) + " s";
}

function drawTables(s) {
  const box = el("div", "conn");
  box.appendChild(el("h3", "", "Connection tables after step " + s.number + " (at " + s.at_text + ")"));
  if (!s.tables.length && !(s.gone || []).length) {
    box.appendChild(el("p", "none", "No tracked connections."));
    return box;
  }
  const table = el("table");
  const thead = el("thead");
  const hr = el("tr");
  for (const h of ["interface", "connection", "state", "age", "expires in"]) hr.appendChild(el("th", "", h));
  thead.appendChild(hr);
  table.appendChild(thead);
  const body = el("tbody");
  for (const c of s.tables) {
    const tr = el("tr");
    tr.appendChild(el("td", "", c.interface));
    tr.appendChild(el("td", "flow", c.flow));
    tr.appendChild(el("td", "", c.state));
    tr.appendChild(el("td", "", fmtSeconds(c.age)));
    const left = el("td");
    const wrap = el("span", "left");
    const bar = el("span", "ttl");
    const fill = el("i");
    fill.style.width = Math.max(0, Math.min(100, (c.expires_in / (c.timeout || 1)) * 100)) + "%";
    bar.appendChild(fill);
    bar.title = "idle " + fmtSeconds(c.idle) + " of " + fmtSeconds(c.timeout);
    wrap.appendChild(bar);
    wrap.appendChild(document.createTextNode(fmtSeconds(c.expires_in)));
    left.appendChild(wrap);
    tr.appendChild(left);
    body.appendChild(tr);
  }
  for (const c of s.gone || []) {
    const tr = el("tr", "gone");
    tr.appendChild(el("td", "", c.interface));
    tr.appendChild(el("td", "flow", c.flow));
    tr.appendChild(el("td", "", c.state));
    tr.appendChild(el("td", "", fmtSeconds(c.age)));
    tr.appendChild(el("td", "", !c.expired ? "gone"
      : -c.expires_in < 0.001 ? "expired just now" : "expired " + fmtSeconds(-c.expires_in) + " ago"));
    body.appendChild(tr);
  }
  table.appendChild(body);
  box.appendChild(table);
  return box;
}

// ---- stepping -------------------------------------------------------------------

function go(i, focus) {
  const steps = state.view ? state.view.steps : [];
  if (!steps.length) {
    $("position").textContent = "No steps";
    return;
  }
  state.current = Math.min(Math.max(i, 0), steps.length - 1);
  const items = $("steps").children;
  for (let k = 0; k < items.length; k++) {
    items[k].classList.toggle("current", k === state.current);
    items[k].classList.toggle("later", k > state.current);
    items[k].setAttribute("aria-current", k === state.current ? "step" : "false");
  }
  const s = steps[state.current];
  $("position").textContent = "Step " + s.number + " of " + steps.length + ": " + s.result;
  $("prev").disabled = $("first").disabled = state.current === 0;
  $("next").disabled = $("last").disabled = state.current === steps.length - 1;
  const cur = items[state.current];
  if (cur) {
    cur.scrollIntoView({ block: state.all ? "nearest" : "end" });
    if (focus) cur.focus({ preventScroll: true });
  }
}

function setAll(on) {
  state.all = on;
  $("all").checked = on;
  $("diagram").classList.toggle("all", on);
}

function typing(e) {
  const t = e.target;
  return t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "SELECT");
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
    return;
  }
  if (typing(e) || e.altKey || e.ctrlKey || e.metaKey) return;
  const steps = state.view ? state.view.steps.length : 0;
  switch (e.key) {
    case "ArrowRight": case "j": case "n": go(state.current + 1, true); break;
    case "ArrowLeft": case "k": case "p": go(state.current - 1, true); break;
    case "Home": go(0, true); break;
    case "End": go(steps - 1, true); break;
    case "a": setAll(!state.all); go(state.current, false); break;
    case "e": $("editor-box").open = true; $("source").focus(); break;
    default: return;
  }
  e.preventDefault();
});

// ---- start -----------------------------------------------------------------------

async function start() {
  $("run").addEventListener("click", run);
  $("next").addEventListener("click", () => go(state.current + 1, false));
  $("prev").addEventListener("click", () => go(state.current - 1, false));
  $("first").addEventListener("click", () => go(0, false));
  $("last").addEventListener("click", () => go(Infinity, false));
  $("all").addEventListener("change", (e) => { setAll(e.target.checked); go(state.current, false); });
  $("lesson").addEventListener("change", (e) => {
    if (e.target.value) openLesson(e.target.value);
  });
  $("source").addEventListener("input", () => updateGutter([]));
  await loadLessons();
  try {
    state.engine = await chooseEngine();
  } catch (e) {
    showFatal("pfsim could not start: " + e.message);
    return;
  }
  const badge = $("engine");
  badge.textContent = state.engine.label;
  badge.dataset.engine = state.engine.name;
  const lesson = params.get("lesson");
  if (lesson) {
    await openLesson(lesson);
  } else if (state.lessons.length) {
    $("lesson").value = state.lessons[0].name;
    const r = await fetch("lessons/" + encodeURIComponent(state.lessons[0].file));
    setSource(await r.text());
  }
  document.body.dataset.ready = "true";
}

start();
