// The bench proper: set up every framework, cross-check the results, then time them interleaved.
import { agrees, checkValue, median, timeIt } from "./harness.mjs";

/**
 * Run every workload of every framework. For each workload: set it up in each framework, check that all of
 * them compute the same loss (to `tol`) and drop from the timing any that do not, then time them in `rounds`
 * rounds, the frameworks in a rotated order each round, so that drift of a shared machine hits all of them
 * alike. The result of a framework is the median over rounds of its per-round median.
 */
export async function runWorkloads(frameworks, opts) {
  const { rounds = 3, timeS = 0.5, minReps = 3, warm = 2, maxCallS = 10, tol = 1e-4, log = () => {}, only = [] } = opts;
  const want = (id) => only.length === 0 || only.some((o) => id.startsWith(o));
  const ids = [];
  for (const fw of frameworks) for (const c of fw.cases) if (!ids.includes(c.id) && want(c.id)) ids.push(c.id);
  const results = {};
  const checks = {};
  const errors = {};
  const tooSlow = new Set(); // frameworks that skip bigger sizes of W3
  for (const id of ids) {
    results[id] = {};
    checks[id] = {};
    errors[id] = {};
    const live = [];
    for (const fw of frameworks) {
      const c = fw.cases.find((k) => k.id === id);
      if (!c) continue;
      if (id.startsWith("W3") && tooSlow.has(fw.name)) {
        errors[id][fw.name] = "skipped: the previous size took too long";
        continue;
      }
      try {
        await fw.activate();
        const inst = await c.setup();
        const value = checkValue(await inst.check());
        checks[id][fw.name] = value;
        live.push({ fw, c, inst, samples: [], first: null, reps: 0 });
      } catch (e) {
        errors[id][fw.name] = errText(e);
      }
    }
    // cross-check against the first framework that produced a value
    const ref = live.find((l) => Number.isFinite(checks[id][l.fw.name]));
    const timed = [];
    for (const l of live) {
      const v = checks[id][l.fw.name];
      if (!ref || !agrees(v, checks[id][ref.fw.name], tol)) {
        errors[id][l.fw.name] = `check failed: ${v} vs ${ref ? `${checks[id][ref.fw.name]} (${ref.fw.name})` : "nothing"}`;
        await disposeCase(l);
      } else timed.push(l);
    }
    log(`${id}: check ${live.map((l) => `${l.fw.name}=${fmtCheck(checks[id][l.fw.name])}`).join(" ")}`);
    for (let r = 0; r < rounds; r++) {
      const order = timed.map((_, i) => timed[(i + r) % timed.length]);
      for (const l of order) {
        if (l.done) continue;
        try {
          await l.fw.activate();
          const o = { timeS, minReps: l.slow ? 1 : minReps, warm: r === 0 ? warm : 0, minSampleMs: 1 };
          const t = l.inst.time ? await l.inst.time(o) : await timeIt(l.inst.run, o);
          if (l.first === null) l.first = t.first_ms;
          l.samples.push(t.ms);
          l.reps += t.reps;
          // one call of several seconds: a single sample says enough
          if (t.ms > 1000 * maxCallS || t.first_ms > 1000 * maxCallS) l.done = true;
          if (t.ms > (1000 * maxCallS) / 4) l.slow = true;
        } catch (e) {
          errors[id][l.fw.name] = errText(e);
          l.done = true;
        }
      }
    }
    for (const l of timed) {
      if (l.samples.length && !errors[id][l.fw.name]) {
        const ms = median(l.samples);
        const r = { ms, first_ms: l.first, reps: l.reps, rounds: l.samples };
        if (l.c.flop) r.gflops = l.c.flop / (ms * 1e6);
        results[id][l.fw.name] = r;
        if (id.startsWith("W3") && ms > (1000 * maxCallS) / 8) tooSlow.add(l.fw.name);
        log(`  ${l.fw.name.padEnd(16)} ${fmtMs(ms)} ms${r.gflops ? ` (${r.gflops.toFixed(1)} GFLOP/s)` : ""}  [${l.samples.map(fmtMs).join(", ")}]`);
      } else if (errors[id][l.fw.name]) log(`  ${l.fw.name.padEnd(16)} FAILED: ${errors[id][l.fw.name]}`);
      await disposeCase(l);
    }
    for (const [name, e] of Object.entries(errors[id])) if (!timed.some((l) => l.fw.name === name)) log(`  ${name.padEnd(16)} ${e}`);
  }
  return { ids, results, checks, errors };
}

async function disposeCase(l) {
  try {
    await l.inst.dispose?.();
  } catch {
    // a failed dispose must not stop the bench
  }
}

function errText(e) {
  return String(e?.message ?? e).split("\n")[0].slice(0, 200);
}

export function fmtMs(x) {
  if (!Number.isFinite(x)) return String(x);
  return x < 0.1 ? x.toPrecision(2) : x < 100 ? x.toPrecision(3) : x.toFixed(0);
}

function fmtCheck(v) {
  return typeof v === "number" ? v.toPrecision(7) : String(v);
}
