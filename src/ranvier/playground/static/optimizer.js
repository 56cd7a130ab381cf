// The optimiser view: the server runs the race, this draws the contours and animates the paths.
import * as draw from "./draw.js";

const $ = (id) => document.getElementById(id);

export function setupOptimizer(page, api, say, writeUrl) {
  let race = null, upto = 0, timer = null;
  const m = page.meta;
  $("function").replaceChildren(...m.functions.map((f) => new Option(f.name, f.name)));
  $("path-optimizers").textContent = m.path_optimizers.join(", ");

  function parseRuns(text) {
    return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
      const [optimizer, lr] = s.split(":").map((t) => t.trim());
      return lr === undefined || lr === "" ? { optimizer } : { optimizer, lr };
    });
  }

  function show() {
    $("function").value = page.race.function; $("runs").value = page.race.runs; $("race-steps").value = page.race.steps;
  }

  async function run() {
    page.race.function = $("function").value; page.race.runs = $("runs").value; page.race.steps = $("race-steps").value;
    writeUrl();
    try {
      race = await api("/api/optimizer", { function: page.race.function, runs: parseRuns(page.race.runs),
                                           steps: page.race.steps, start: page.race.start });
      say("");
    } catch (e) { say(e.message); return; }
    legend();
    upto = 0;
    clearInterval(timer);
    const longest = Math.max(...race.runs.map((r) => r.path.length));
    const per = Math.max(1, Math.ceil(longest / 90)); // about 3 seconds at 30 frames a second
    timer = setInterval(() => {
      upto = Math.min(upto + per, longest - 1);
      paint();
      if (upto >= longest - 1) clearInterval(timer);
    }, 33);
    paint();
  }

  function legend() {
    const fn = m.functions.find((f) => f.name === race.function);
    $("lr-bound").textContent = race.lr_bound
      ? `${race.function}: L = ${race.lipschitz}, plain gradient descent converges for lr < 2/L = ${race.lr_bound.toPrecision(3)}`
      : `${fn.name}: no global curvature bound (L) for this function`;
    $("race-legend").replaceChildren(...race.runs.map((r, k) => {
      const li = document.createElement("li");
      const last = r.costs.length ? r.costs[r.costs.length - 1] : NaN;
      const over = race.lr_bound && ["gd", "sgd"].includes(r.optimizer) && r.lr >= race.lr_bound ? " (lr ≥ 2/L)" : "";
      li.textContent = `${r.label}${over}: ${r.diverged ? "DIVERGED — " + r.message : `cost ${last.toPrecision(4)} after ${r.costs.length - 1} steps`}`;
      li.style.color = r.diverged ? "" : draw.raceColour(k);
      li.className = r.diverged ? "diverged" : "";
      li.dataset.testid = `race-run-${k}`;
      return li;
    }));
  }

  function paint() {
    const c = $("contours");
    draw.drawContours(c, race.contours);
    draw.drawPaths(c, race, upto);
    const steps = [...Array(upto + 1).keys()];
    const low = race.minima.length ? 0 : Math.min(...race.runs.flatMap((r) => r.costs));
    draw.drawLines($("costs"), steps, race.runs.map((r, k) => ({
      name: r.label, colour: draw.raceColour(k), values: steps.map((i) => i < r.costs.length ? r.costs[i] - low + 1e-16 : null),
    })), { title: "cost above the minimum (log)", logY: true });
  }

  $("run-race").addEventListener("click", run);
  $("function").addEventListener("change", () => { page.race.start = null; run(); });
  $("runs").addEventListener("change", run);
  $("race-steps").addEventListener("change", run);
  $("contours").addEventListener("click", (ev) => {
    if (!race) return;
    const c = $("contours"), rect = c.getBoundingClientRect();
    const px = (ev.clientX - rect.left) * c.width / rect.width, py = (ev.clientY - rect.top) * c.height / rect.height;
    page.race.start = draw.fromBox(c, race.bounds, px, py).map((v) => Number(v.toFixed(4)));
    run();
  });
  show();
  return {
    run, show,
    summary: () => race && {
      function: race.function, start: race.start, step: upto, animating: upto < Math.max(...race.runs.map((r) => r.path.length)) - 1,
      runs: race.runs.map((r) => ({ label: r.label, optimizer: r.optimizer, lr: r.lr, steps: r.path.length - 1,
                                    diverged: r.diverged, final_cost: r.costs[r.costs.length - 1] ?? null })),
    },
  };
}
