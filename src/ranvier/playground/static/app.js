// The page: one state object (settings, view, race, hide) kept in the URL, the server's
// stream drawn as it arrives. Training happens on the server; this file only shows it.
import * as draw from "./draw.js";
import { setupOptimizer } from "./optimizer.js";

const $ = (id) => document.getElementById(id);
const page = {
  view: "classifier", settings: null, race: { function: "rosenbrock", runs: "gd, momentum, adam", steps: 300, start: null },
  hide: [], label: 0, preset: "",
  session: null, frame: null, points: null, stream: null, meta: null, frames: 0, drawTimes: [],
};

async function api(path, body, { method = "POST", raw = false } = {}) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    init.headers["Content-Type"] = raw ? "text/csv" : "application/json";
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({ error: `the server answered ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `the server answered ${res.status}`);
  return data;
}

function say(text) { $("message").textContent = text || ""; }

const sid = () => `/api/sessions/${page.session}`;

// ---------------------------------------------------------------- the URL
const LIST_SETTINGS = ["layers", "activation", "features"];

function readUrl() {
  const q = new URLSearchParams(location.hash.slice(1));
  const settings = {};
  for (const [k, v] of q) {
    if (k === "view") page.view = v === "optimizer" ? "optimizer" : "classifier";
    else if (k === "hide") page.hide = v.split(",").filter(Boolean);
    else if (k === "preset") page.preset = v;
    else if (k === "fn") page.race.function = v;
    else if (k === "runs") page.race.runs = v;
    else if (k === "race_steps") page.race.steps = v;
    else if (k === "start") page.race.start = v.split(",").map(Number);
    else if (k in page.meta.defaults) settings[k] = LIST_SETTINGS.includes(k) ? v.split(",").filter(Boolean) : v;
  }
  return settings;
}

function writeUrl() {
  if (!page.settings) return;
  const q = new URLSearchParams();
  q.set("view", page.view);
  for (const [k, v] of Object.entries(page.settings)) q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  q.set("fn", page.race.function); q.set("runs", page.race.runs); q.set("race_steps", page.race.steps);
  if (page.race.start) q.set("start", page.race.start.join(","));
  if (page.hide.length) q.set("hide", page.hide.join(","));
  history.replaceState(null, "", `#${q}`);
  $("share").href = location.href;
}

function applyHide() {
  document.querySelectorAll("[data-control]").forEach((el) => {
    el.dataset.hidden = page.hide.includes(el.dataset.control) ? "1" : "0";
  });
}

// ---------------------------------------------------------------- controls
function fillSelect(id, values, labels = values) {
  $(id).replaceChildren(...values.map((v, i) => new Option(labels[i], v)));
}

function showSettings(s) {
  page.settings = s;
  for (const el of document.querySelectorAll("[data-setting]")) {
    const v = s[el.dataset.setting];
    if (el.type === "checkbox") el.checked = !!v;
    else el.value = Array.isArray(v) ? v.join(",") : v;
  }
  $("activation").value = s.activation.length ? s.activation[0] : "relu";
  $("noise-value").textContent = s.noise; $("ratio-value").textContent = s.ratio;
  document.querySelectorAll("#features input").forEach((c) => { c.checked = s.features.includes(c.value); });
  $("classes").disabled = !["blobs", "spirals"].includes(s.dataset);
  writeUrl();
}

async function change(update) {
  try {
    const r = await api(`${sid()}/settings`, update);
    showSettings(r.settings);
    say("");
  } catch (e) {
    say(e.message);
    showSettings(page.settings); // the control goes back to the value in force
  }
}

function wireSettings() {
  for (const el of document.querySelectorAll("[data-setting]")) {
    const key = el.dataset.setting;
    const send = () => change({ [key]: el.type === "checkbox" ? el.checked : el.value });
    el.addEventListener("change", send);
  }
  $("activation").addEventListener("change", () => change({ activation: [$("activation").value] }));
  $("features").addEventListener("change", () => {
    change({ features: [...document.querySelectorAll("#features input:checked")].map((c) => c.value) });
  });
  $("label").addEventListener("change", () => { page.label = Number($("label").value); });
  for (const [id, action] of [["play", "play"], ["pause", "pause"], ["step", "step"], ["reset", "reset"]]) {
    $(id).addEventListener("click", () => api(`${sid()}/${action}`).then(() => say("")).catch((e) => say(e.message)));
  }
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (!file) return;
    try {
      const r = await api(`${sid()}/csv`, await file.text(), { raw: true });
      showSettings(r.settings); say(`loaded ${r.n_points} points from ${file.name}`);
    } catch (e) { say(e.message); }
    $("csv").value = "";
  });
  $("boundary").addEventListener("click", (ev) => clickPoint(ev));
  $("view-classifier").addEventListener("click", () => setView("classifier"));
  $("view-optimizer").addEventListener("click", () => setView("optimizer"));
  $("presets").addEventListener("change", () => applyPreset($("presets").value));
}

async function clickPoint(ev) {
  const c = $("boundary"), rect = c.getBoundingClientRect();
  if (!page.frame) return;
  const px = (ev.clientX - rect.left) * c.width / rect.width, py = (ev.clientY - rect.top) * c.height / rect.height;
  const [x1, x2] = draw.fromCanvas(c, page.frame.window, px, py);
  const body = ev.shiftKey ? { x1, x2, remove: true } : { x1, x2, label: page.label };
  try {
    const r = await api(`${sid()}/points`, body);
    say(ev.shiftKey && !r.removed ? "no point near there to remove" : "");
  } catch (e) { say(e.message); }
}

function setView(view) {
  page.view = view;
  $("classifier").hidden = view !== "classifier";
  $("optimizer-view").hidden = view !== "optimizer";
  $("view-classifier").classList.toggle("active", view === "classifier");
  $("view-optimizer").classList.toggle("active", view === "optimizer");
  if (view === "optimizer") page.optimizer.run();
  writeUrl();
}

async function applyPreset(id) {
  const preset = page.meta.presets.find((p) => p.id === id);
  $("preset-text").textContent = preset ? `${preset.title}: ${preset.text}` : "";
  if (!preset) return;
  page.preset = id;
  if (preset.race) {
    page.race.function = preset.race.function; page.race.steps = preset.race.steps; page.race.start = null;
    page.race.runs = preset.race.runs.map((r) => r.lr ? `${r.optimizer}:${r.lr}` : r.optimizer).join(", ");
    page.optimizer.show(); setView("optimizer");
  } else {
    try {
      const r = await api(`${sid()}/preset`, { id });
      showSettings(r.settings); say("");
    } catch (e) { say(e.message); }
    setView("classifier");
  }
}

// ---------------------------------------------------------------- the stream
function onFrame(f) {
  const t0 = performance.now();
  if (f.points) page.points = f.points;
  page.frame = f;
  page.frames += 1;
  $("epoch").textContent = f.epoch; $("steps").textContent = f.step;
  const pct = (v) => v === null ? "–" : `${(100 * v).toFixed(1)} %`, num = (v) => v === null ? "–" : v.toFixed(4);
  $("train-loss").textContent = num(f.train_loss); $("test-loss").textContent = num(f.test_loss);
  $("train-accuracy").textContent = pct(f.train_accuracy); $("test-accuracy").textContent = pct(f.test_accuracy);
  if (f.message) say(f.message);
  if (JSON.stringify(f.settings) !== JSON.stringify(page.settings)) showSettings(f.settings);
  showCapabilities(f.capabilities);
  fillLabels(f.n_classes);
  const b = $("boundary");
  draw.drawRegions(b, f.grid);
  draw.drawPoints(b, f.window, page.points);
  draw.drawHidden($("hidden"), f.hidden, f.grid.n);
  draw.drawNetwork($("network"), f.network, f.settings.features);
  const c = f.curves;
  draw.drawLines($("curves-loss"), c.epoch, [
    { name: "train loss", values: c.train_loss, colour: "#1f77b4" },
    { name: "test loss", values: c.test_loss, colour: "#d62728", dash: true }], { title: "loss" });
  draw.drawLines($("curves-accuracy"), c.epoch, [
    { name: "train acc", values: c.train_accuracy, colour: "#1f77b4" },
    { name: "test acc", values: c.test_accuracy, colour: "#d62728", dash: true }], { title: "accuracy", yMin: 0, yMax: 1 });
  draw.drawConfusion($("confusion"), f.confusion);
  page.drawTimes.push({ at: t0, ms: performance.now() - t0 });
  if (page.drawTimes.length > 200) page.drawTimes.shift();
}

function showCapabilities(can) {
  const note = [];
  $("dropout").disabled = !can.dropout; $("batch-norm").disabled = !can.batch_norm;
  if (!can.dropout) note.push("dropout");
  if (!can.batch_norm) note.push("batch norm");
  $("layers-note").textContent = note.length ? `${note.join(" and ")}: not in this ranvier yet (needs ranvier.MLP(dropout=, batch_norm=))` : "";
}

function fillLabels(n) {
  if ($("label").options.length === n) return;
  fillSelect("label", [...Array(n).keys()].map(String), [...Array(n).keys()].map((k) => `class ${k}`));
  $("label").value = String(Math.min(page.label, n - 1));
}

function openStream() {
  if (page.stream) page.stream.close();
  page.stream = new EventSource(`${sid()}/events`);
  page.stream.onmessage = (ev) => onFrame(JSON.parse(ev.data));
  page.stream.onerror = () => say("lost the connection to the server; it retries, or reload the page");
}

// Frames drawn per second over the last two seconds.
function fps() {
  const now = performance.now(), t = page.drawTimes.filter((d) => now - d.at < 2000);
  if (t.length < 2) return 0;
  const span = (t[t.length - 1].at - t[0].at) / 1000;
  return span > 0 ? (t.length - 1) / span : 0;
}

// Median milliseconds the page spent drawing a frame, over the recent frames.
function drawMs() {
  const ms = page.drawTimes.map((d) => d.ms).sort((a, b) => a - b);
  return ms.length ? ms[Math.floor(ms.length / 2)] : null;
}

// ---------------------------------------------------------------- start
async function start() {
  page.meta = await api("/api/meta", undefined, { method: "GET" });
  const m = page.meta;
  fillSelect("dataset", m.datasets);
  fillSelect("activation", m.activations);
  fillSelect("optimizer", m.optimizers);
  fillSelect("presets", ["", ...m.presets.map((p) => p.id)], ["choose a preset…", ...m.presets.map((p) => p.title)]);
  $("features").append(...m.features.map((f) => {
    const l = document.createElement("label"), c = document.createElement("input");
    c.type = "checkbox"; c.value = f; c.dataset.testid = `feature-${f}`; l.append(c, f); return l;
  }));
  const settings = readUrl();
  applyHide();
  const created = await api("/api/sessions", { settings });
  page.session = created.id;
  for (const [id, file] of [["download-model", "model.npz"], ["download-command", "command.sh"], ["download-python", "train.py"]]) {
    $(id).href = `${sid()}/${file}`;
  }
  showSettings(created.frame.settings);
  onFrame(created.frame);
  page.optimizer = setupOptimizer(page, api, say, writeUrl);
  wireSettings();
  openStream();
  if (page.preset) applyPreset(page.preset);
  else setView(page.view);
  addEventListener("pagehide", () => navigator.sendBeacon(`${sid()}/close`));
}

window.ranvierPlayground = {
  state() {
    const f = page.frame || {};
    const p = page.points || { x: [], y: [], train: [] };
    return {
      view: page.view, session: page.session, epoch: f.epoch, step: f.step, playing: f.playing,
      train_loss: f.train_loss, test_loss: f.test_loss, train_accuracy: f.train_accuracy,
      test_accuracy: f.test_accuracy, message: $("message").textContent,
      points: p.x.map((x, i) => ({ x1: x[0], x2: x[1], label: p.y[i], train: p.train[i] })),
      settings: page.settings, hide: page.hide, frames: page.frames, fps: fps(), draw_ms: drawMs(),
      race: page.optimizer ? page.optimizer.summary() : null,
    };
  },
};

start().catch((e) => say(`the page could not start: ${e.message}`));
