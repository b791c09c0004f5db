// The bench's outputs: machine description, markdown tables, the JSON record and an SVG bar chart.
import os from "node:os";
import { readFileSync } from "node:fs";
import { fmtMs } from "./suite.mjs";

export function machineInfo() {
  let flags = "";
  let model = os.cpus()[0]?.model ?? "unknown";
  try {
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "";
    model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? model;
  } catch {
    // not Linux
  }
  const has = (f) => flags.split(" ").includes(f);
  return {
    cpu_model: model,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    simd: ["avx512f", "avx2", "fma"].filter(has),
    memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}

const cell = (r, e) => (r ? `${fmtMs(r.ms)}${r.gflops ? ` (${r.gflops.toFixed(r.gflops < 10 ? 2 : 0)} GF)` : ""}` : e ? (e.startsWith("skipped") ? "-" : "FAIL") : "-");

/** Markdown: per-call ms, ratios of each peer's time to each mindspore-ts backend's, memory and cold start. */
export function tables(rec) {
  const names = rec.frameworks.map((f) => f.name);
  const msNames = rec.frameworks.filter((f) => f.kind === "ms").map((f) => f.name);
  const peers = rec.frameworks.filter((f) => f.kind === "peer").map((f) => f.name);
  const out = [];
  out.push(`Machine: ${rec.machine.cpu_model}, ${rec.machine.cores} cores (${rec.machine.simd.join(", ") || "no AVX"}), ${rec.machine.memory_gib} GiB, ${rec.machine.os}, Node ${rec.machine.node}`);
  out.push(`Threads: ${rec.frameworks.map((f) => `${f.name} ${f.info?.threads ?? "?"}`).join(", ")}`);
  out.push(`Mode: ${rec.mode}, ${rec.options.rounds} interleaved rounds of ~${rec.options.timeS} s per case, median of per-round medians.`);
  out.push("");
  out.push("Per-call median ms (GFLOP/s)");
  out.push(`| workload | ${names.join(" | ")} |`);
  out.push(`|---|${names.map(() => "---").join("|")}|`);
  for (const id of rec.ids) out.push(`| ${id} | ${names.map((n) => cell(rec.results[id]?.[n], rec.errors[id]?.[n])).join(" | ")} |`);
  if (msNames.length && peers.length) {
    out.push("");
    out.push("Speed-up of mindspore-ts: peer ms / mindspore-ts ms (>1 = mindspore-ts faster)");
    const cols = msNames.flatMap((m) => peers.map((p) => [m, p]));
    out.push(`| workload | ${cols.map(([m, p]) => `${m} vs ${p}`).join(" | ")} |`);
    out.push(`|---|${cols.map(() => "---").join("|")}|`);
    for (const id of rec.ids) {
      const row = cols.map(([m, p]) => {
        const a = rec.results[id]?.[m];
        const b = rec.results[id]?.[p];
        return a && b ? `${(b.ms / a.ms).toPrecision(3)}x` : "-";
      });
      out.push(`| ${id} | ${row.join(" | ")} |`);
    }
  }
  if (rec.memory && Object.keys(rec.memory).length) {
    out.push("");
    out.push(`Peak resident memory over ${rec.sizes.memSteps} W2 SGD steps (fresh process each) and cold start (import to first result)`);
    out.push("| framework | W2 peak RSS MB | steps run | cold start ms (in process) | cold start ms (process wall) |");
    out.push("|---|---|---|---|---|");
    for (const n of names) {
      const m = rec.memory[n];
      const c = rec.cold?.[n];
      out.push(`| ${n} | ${m?.maxrss_mb ?? (m?.error ? "FAIL" : "-")} | ${m?.steps ?? "-"} | ${c?.init_ms ?? "-"} | ${c?.wall_ms ?? "-"} |`);
    }
  }
  const failures = [];
  for (const id of rec.ids) for (const [n, e] of Object.entries(rec.errors[id] ?? {})) if (!e.startsWith("skipped")) failures.push(`- ${n} / ${id}: ${e}`);
  for (const [n, m] of Object.entries(rec.memory ?? {})) if (m.error) failures.push(`- ${n} / memory: ${m.error}`);
  for (const s of rec.skipped ?? []) failures.push(`- ${s}`);
  if (failures.length) {
    out.push("");
    out.push("Failures and skipped peers");
    out.push(...failures);
  }
  if (rec.targets?.length) {
    out.push("");
    out.push("Targets (issue 6 for ms-wasm, issue 7 for ms-native)");
    for (const t of rec.targets) out.push(`- [${t.ok === null ? "?" : t.ok ? "x" : " "}] ${t.what}: ${t.got}`);
  }
  return out.join("\n");
}

/** PyTorch's fastest configuration (the bench may run it with two BLAS thread settings) on one workload. */
function bestTorch(rec, id) {
  const torches = rec.frameworks.filter((f) => f.kind === "peer" && f.name.startsWith("torch")).map((f) => f.name);
  return torches.map((n) => ({ name: n, r: rec.results[id]?.[n] })).filter((x) => x.r).sort((a, b) => a.r.ms - b.r.ms)[0];
}

/** `a` against the best PyTorch configuration on `id` within `limit` times its time. */
function vsBestTorch(rec, id, a, limit) {
  const b = bestTorch(rec, id);
  return a && b ? { ok: a.ms <= limit * b.r.ms, got: `${(a.ms / b.r.ms).toFixed(2)}x torch's time (${b.name}, ${fmtMs(b.r.ms)} ms)` } : { ok: null, got: "not measured" };
}

/** The issue's targets, judged for one mindspore-ts framework from this run's numbers. */
export function judgeTargets(rec, msName) {
  const peers = rec.frameworks.filter((f) => f.kind === "peer");
  const jsPeers = peers.filter((f) => !f.name.startsWith("torch") && !f.name.startsWith("numpy")).map((f) => f.name);
  const R = (id, n) => rec.results[id]?.[n];
  const t = [];
  const fastestJs = rec.ids.map((id) => {
    const mine = R(id, msName);
    const best = jsPeers.map((p) => R(id, p)).filter(Boolean).sort((a, b) => a.ms - b.ms)[0];
    return { id, mine, best };
  });
  const losing = fastestJs.filter((x) => x.mine && x.best && x.mine.ms >= x.best.ms).map((x) => `${x.id} (${fmtMs(x.mine.ms)} vs ${fmtMs(x.best.ms)} ms)`);
  const compared = fastestJs.filter((x) => x.mine && x.best).length;
  t.push({ what: `${msName}: every workload faster than the fastest JS peer`, ok: compared ? losing.length === 0 : null, got: compared ? (losing.length ? `slower on ${losing.join(", ")}` : `faster on all ${compared} compared`) : "no JS peer ran" });
  for (const id of ["W2 mlp value+grad", "W2 mlp sgd-step"]) t.push({ what: `${msName}: ${id} within 3x of PyTorch`, ...vsBestTorch(rec, id, R(id, msName), 3) });
  t.push({ what: `${msName}: W5 within 4x of PyTorch`, ...vsBestTorch(rec, "W5 cnn value+grad", R("W5 cnn value+grad", msName), 4) });
  const mm = R("W3 matmul 1024", msName);
  t.push({ what: `${msName}: W3 n=1024 at least 60 GFLOP/s`, ok: mm ? mm.gflops >= 60 : null, got: mm ? `${mm.gflops.toFixed(1)} GFLOP/s` : "not measured" });
  const w1 = R("W1 dense value+grad", msName);
  t.push({ what: `${msName}: W1 per call under 30 us`, ok: w1 ? w1.ms < 0.03 : null, got: w1 ? `${(w1.ms * 1000).toFixed(1)} us` : "not measured" });
  const mem = rec.memory?.[msName]?.maxrss_mb;
  const tfm = rec.memory?.["tfjs-cpu"]?.maxrss_mb;
  t.push({ what: `${msName}: W2 peak RSS no more than tfjs-cpu's`, ok: mem && tfm ? mem <= tfm : null, got: mem ? `${mem} MB vs ${tfm ?? "?"} MB` : "not measured" });
  return t;
}

/** Issue 7's targets for the native backend: against PyTorch, NumPy's matmul and the wasm backend. */
export function judgeNativeTargets(rec, msName) {
  const peers = rec.frameworks.filter((f) => f.kind === "peer");
  const numpy = peers.find((f) => f.name.startsWith("numpy"))?.name;
  const wasm = rec.frameworks.find((f) => f.name === "ms-wasm")?.name;
  const R = (id, n) => (n ? rec.results[id]?.[n] : undefined);
  const t = [];
  for (const n of [1024, 2048]) {
    const a = R(`W3 matmul ${n}`, msName);
    const b = R(`W3 matmul ${n}`, numpy);
    t.push({
      what: `${msName}: W3 n=${n} at least 75% of NumPy's GFLOP/s`,
      ok: a && b ? a.gflops >= 0.75 * b.gflops : null,
      got: a && b ? `${a.gflops.toFixed(0)} vs ${b.gflops.toFixed(0)} GFLOP/s (${((100 * a.gflops) / b.gflops).toFixed(0)}%)` : "not measured",
    });
  }
  const vsTorch = (id, limit, what) => t.push({ what: `${msName}: ${id} ${what}`, ...vsBestTorch(rec, id, R(id, msName), limit) });
  vsTorch("W2 mlp value+grad", 1.25, "within 1.25x of PyTorch");
  vsTorch("W2 mlp sgd-step", 1.25, "within 1.25x of PyTorch");
  vsTorch("W5 cnn value+grad", 1.25, "within 1.25x of PyTorch");
  for (const id of ["W1 dense value+grad", "W4 elementwise", "W6 grad-of-grad"]) vsTorch(id, 1, "faster than PyTorch");
  const slow = [];
  let compared = 0;
  for (const id of rec.ids.filter((i) => !i.startsWith("W1"))) {
    const a = R(id, msName);
    const b = R(id, wasm);
    if (!a || !b) continue;
    compared++;
    if (b.ms < 3 * a.ms) slow.push(`${id} (${(b.ms / a.ms).toFixed(1)}x)`);
  }
  t.push({ what: `${msName}: every workload but W1 at least 3x faster than ms-wasm`, ok: compared ? slow.length === 0 : null, got: compared ? (slow.length ? `less on ${slow.join(", ")}` : `on all ${compared}`) : "not measured" });
  return t;
}

const COLORS = ["#d62728", "#ff9896", "#1f77b4", "#aec7e8", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** Grouped horizontal bars of per-call ms on a log scale, one group per workload. */
export function svgChart(rec) {
  const names = rec.frameworks.map((f) => f.name);
  const ids = rec.ids.filter((id) => names.some((n) => rec.results[id]?.[n]));
  const all = ids.flatMap((id) => names.map((n) => rec.results[id]?.[n]?.ms).filter((v) => v > 0));
  if (!all.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no results</text></svg>`;
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const barH = 9;
  const gap = 10;
  const left = 170;
  const width = 620;
  const legendH = 18 * Math.ceil(names.length / 4) + 10;
  const top = 40 + legendH;
  const groupH = names.length * barH + gap;
  const height = top + ids.length * groupH + 40;
  const x = (v) => left + ((Math.log10(v) - lo) / (hi - lo || 1)) * width;
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const p = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" font-family="sans-serif" font-size="11">`);
  p.push(`<rect width="100%" height="100%" fill="white"/>`);
  p.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(`mindspore-ts bench, ${rec.date}: per-call ms (log scale, shorter is faster)`)}</text>`);
  p.push(`<text x="10" y="34" fill="#555">${esc(`${rec.machine.cpu_model}, ${rec.machine.cores} cores, Node ${rec.machine.node}`)}</text>`);
  names.forEach((n, i) => {
    const lx = 10 + (i % 4) * 200;
    const ly = 44 + Math.floor(i / 4) * 18;
    p.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 16}" y="${ly + 10}">${esc(n)}</text>`);
  });
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e);
    p.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/><text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#555">${esc(fmtMs(10 ** e))} ms</text>`);
  }
  ids.forEach((id, g) => {
    const gy = top + g * groupH;
    p.push(`<text x="${left - 6}" y="${gy + (names.length * barH) / 2 + 4}" text-anchor="end">${esc(id)}</text>`);
    names.forEach((n, i) => {
      const r = rec.results[id]?.[n];
      const y = gy + i * barH;
      if (r) {
        p.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(r.ms) - left)}" height="${barH - 1}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${n}: ${fmtMs(r.ms)} ms`)}</title></rect>`);
        p.push(`<text x="${x(r.ms) + 3}" y="${y + barH - 1}" font-size="8" fill="#333">${esc(fmtMs(r.ms))}</text>`);
      } else if (rec.errors[id]?.[n] && !rec.errors[id][n].startsWith("skipped")) {
        p.push(`<text x="${left + 2}" y="${y + barH - 1}" font-size="8" fill="#b00">${esc(`${n}: failed`)}</text>`);
      }
    });
  });
  p.push("</svg>");
  return p.join("\n");
}
