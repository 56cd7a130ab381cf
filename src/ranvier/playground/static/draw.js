// Drawing: pure functions from the streamed state to canvas pixels.
// Knows nothing of training or of the server; every input is plain data.

export const PALETTE = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40]];
const RUN_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

export function decode(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function rgb(c, alpha = 1) { return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`; }

// Paint an n x n grid of colours (a function of the cell index) stretched over the canvas.
function paintGrid(ctx, n, colourAt, width, height) {
  const img = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const c = colourAt(i);
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  const off = new OffscreenCanvas(n, n);
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, width, height);
}

// Decision regions: each cell in its predicted class's colour, paler where the network is unsure.
export function drawRegions(canvas, grid) {
  const ctx = canvas.getContext("2d");
  const cls = decode(grid.classes.b64), conf = decode(grid.confidence.b64);
  paintGrid(ctx, grid.n, (i) => {
    const c = PALETTE[cls[i] % PALETTE.length], t = 0.15 + 0.55 * (conf[i] / 255);
    return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
  }, canvas.width, canvas.height);
}

export function toCanvas(canvas, window, x1, x2) {
  const [lo, hi] = window;
  return [(x1 - lo) / (hi - lo) * canvas.width, (hi - x2) / (hi - lo) * canvas.height];
}

export function fromCanvas(canvas, window, px, py) {
  const [lo, hi] = window;
  return [lo + px / canvas.width * (hi - lo), hi - py / canvas.height * (hi - lo)];
}

// Points: training points filled with a white ring, test points filled with a black ring.
export function drawPoints(canvas, window, points) {
  const ctx = canvas.getContext("2d");
  for (let i = 0; i < points.y.length; i++) {
    const [px, py] = toCanvas(canvas, window, points.x[i][0], points.x[i][1]);
    ctx.beginPath();
    ctx.arc(px, py, points.train[i] ? 3.6 : 3.0, 0, 2 * Math.PI);
    ctx.fillStyle = rgb(PALETTE[points.y[i] % PALETTE.length]);
    ctx.fill();
    ctx.lineWidth = points.train[i] ? 1.2 : 1.5;
    ctx.strokeStyle = points.train[i] ? "#fff" : "#000";
    ctx.stroke();
  }
}

// One small heat map per hidden unit: blue where the unit's output is positive, orange where negative.
export function drawHidden(container, hidden, n) {
  container.replaceChildren();
  for (const layer of hidden) {
    const row = document.createElement("div");
    row.className = "hidden-layer";
    const more = layer.units > layer.maps.length ? ` (first ${layer.maps.length} of ${layer.units})` : "";
    row.append(`layer ${layer.layer}${more} `);
    for (const m of layer.maps) {
      const c = document.createElement("canvas");
      c.width = n; c.height = n;
      const v = decode(m.b64);
      paintGrid(c.getContext("2d"), n, (i) => {
        const t = (v[i] - 127.5) / 127.5, p = t > 0 ? PALETTE[1] : PALETTE[0], a = Math.abs(t);
        return [255 + (p[0] - 255) * a, 255 + (p[1] - 255) * a, 255 + (p[2] - 255) * a];
      }, n, n);
      row.append(c);
    }
    container.append(row);
  }
}

// The network: a column of nodes per layer, edges coloured by sign and as wide as |weight|.
export function drawNetwork(canvas, network, featureNames) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const sizes = network.sizes.map((s) => Math.min(s, 32));
  const x = (k) => 40 + k * (W - 80) / Math.max(1, sizes.length - 1);
  const y = (k, j) => (j + 1) * H / (sizes[k] + 1);
  let top = 1e-12;
  for (const w of network.weights) for (const r of w) for (const v of r) top = Math.max(top, Math.abs(v));
  network.weights.forEach((w, k) => {
    w.forEach((r, j) => r.forEach((v, i) => {
      ctx.strokeStyle = v >= 0 ? "rgba(8,119,189,0.8)" : "rgba(245,147,34,0.8)";
      ctx.lineWidth = 0.3 + 3.5 * Math.abs(v) / top;
      ctx.beginPath(); ctx.moveTo(x(k), y(k, i)); ctx.lineTo(x(k + 1), y(k + 1, j)); ctx.stroke();
    }));
  });
  ctx.font = "10px sans-serif"; ctx.fillStyle = "#333";
  sizes.forEach((s, k) => {
    for (let j = 0; j < s; j++) {
      ctx.beginPath(); ctx.arc(x(k), y(k, j), 4, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.stroke();
      if (k === 0 && featureNames[j]) { ctx.fillStyle = "#333"; ctx.fillText(featureNames[j], 2, y(k, j) - 6); }
    }
    const label = k === 0 ? "inputs" : k === sizes.length - 1 ? "scores" : network.activations[k - 1] || "";
    ctx.fillStyle = "#555"; ctx.fillText(label, x(k) - 14, H - 2);
  });
}

// Line chart of several series over a shared x; null values are gaps.
export function drawLines(canvas, xs, series, { title = "", logY = false, yMin = null, yMax = null } = {}) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 40, B = 16, T = 14;
  ctx.clearRect(0, 0, W, H);
  const tf = (v) => (v === null || v === undefined || !isFinite(v)) ? null : (logY ? Math.log10(Math.max(v, 1e-16)) : v);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) { const t = tf(v); if (t !== null) { lo = Math.min(lo, t); hi = Math.max(hi, t); } }
  if (yMin !== null) lo = yMin; if (yMax !== null) hi = yMax;
  if (!isFinite(lo)) { lo = 0; hi = 1; } if (hi - lo < 1e-12) hi = lo + 1;
  const x0 = xs.length ? xs[0] : 0, x1 = xs.length ? Math.max(xs[xs.length - 1], x0 + 1) : 1;
  const px = (v) => L + (v - x0) / (x1 - x0) * (W - L - 6), py = (v) => T + (hi - v) / (hi - lo) * (H - T - B);
  ctx.strokeStyle = "#aaa"; ctx.lineWidth = 1; ctx.strokeRect(L, T, W - L - 6, H - T - B);
  ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
  const fmt = (v) => logY ? `1e${v.toFixed(0)}` : v.toPrecision(3);
  ctx.fillText(fmt(hi), 2, T + 8); ctx.fillText(fmt(lo), 2, H - B);
  ctx.fillText(title, L + 4, 10); ctx.fillText(String(x1), W - 40, H - 3);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.colour || RUN_COLOURS[k % RUN_COLOURS.length];
    ctx.setLineDash(s.dash ? [4, 3] : []); ctx.lineWidth = 1.6; ctx.beginPath();
    let pen = false;
    s.values.forEach((v, i) => {
      const t = tf(v);
      if (t === null) { pen = false; return; }
      const X = px(xs[i]), Y = py(Math.min(Math.max(t, lo), hi));
      pen ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y); pen = true;
    });
    ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(s.name, W - 10 - ctx.measureText(s.name).width, T + 12 + 11 * k);
  });
  ctx.setLineDash([]);
}

export function drawConfusion(table, matrix) {
  table.replaceChildren();
  const head = table.insertRow();
  head.insertCell().textContent = "";
  matrix.forEach((_, j) => { const th = document.createElement("th"); th.textContent = j; head.append(th); });
  const total = Math.max(1, ...matrix.map((r) => Math.max(...r)));
  matrix.forEach((row, i) => {
    const tr = table.insertRow();
    const th = document.createElement("th"); th.textContent = i; tr.append(th);
    row.forEach((v, j) => {
      const td = tr.insertCell(); td.textContent = v;
      const a = 0.1 + 0.6 * v / total, c = i === j ? [44, 160, 44] : [214, 39, 40];
      td.style.background = v ? rgb(c, a) : "";
    });
  });
}

// Contours of log(1 + f - f_min): a colour ramp in bands, every other band a shade darker.
export function drawContours(canvas, contours) {
  const ctx = canvas.getContext("2d"), n = contours.n, v = decode(contours.b64), bands = 16;
  paintGrid(ctx, n, (i) => {
    const t = v[i] / 255, b = Math.floor(t * bands), shade = b % 2 ? 0.92 : 1;
    return [(250 - 150 * t) * shade, (250 - 100 * t) * shade, (255 - 40 * t) * shade];
  }, canvas.width, canvas.height);
}

export function raceColour(k) { return RUN_COLOURS[k % RUN_COLOURS.length]; }

function toBox(canvas, bounds, x, y) {
  const [[xl, xh], [yl, yh]] = bounds;
  return [(x - xl) / (xh - xl) * canvas.width, (yh - y) / (yh - yl) * canvas.height];
}

export function fromBox(canvas, bounds, px, py) {
  const [[xl, xh], [yl, yh]] = bounds;
  return [xl + px / canvas.width * (xh - xl), yh - py / canvas.height * (yh - yl)];
}

// The paths up to step `upto`; a diverged run ends in a cross; minima are stars.
export function drawPaths(canvas, race, upto) {
  const ctx = canvas.getContext("2d");
  for (const m of race.minima) {
    const [px, py] = toBox(canvas, race.bounds, m[0], m[1]);
    ctx.fillStyle = "#000"; ctx.font = "16px sans-serif"; ctx.fillText("★", px - 6, py + 6);
  }
  race.runs.forEach((run, k) => {
    const n = Math.min(upto + 1, run.path.length);
    ctx.strokeStyle = raceColour(k); ctx.fillStyle = raceColour(k); ctx.lineWidth = 2; ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const [px, py] = toBox(canvas, race.bounds, run.path[i][0], run.path[i][1]);
      i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    }
    ctx.stroke();
    if (!n) return;
    const [px, py] = toBox(canvas, race.bounds, run.path[n - 1][0], run.path[n - 1][1]);
    if (run.diverged && n === run.path.length) {
      ctx.font = "bold 16px sans-serif"; ctx.fillText("✕", px - 5, py + 5);
    } else { ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fill(); }
  });
}
