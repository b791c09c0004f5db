#!/usr/bin/env node
/**
 * Builds the native backend (native/, an N-API addon) with node-gyp and the
 * system C++ compiler. Run by `npm install` / `npm ci` (the `install` script)
 * and by hand: `node scripts/build-native.mjs`.
 *
 * It never fails the installation: without a compiler the library simply
 * runs on its next backend. What went wrong is written to
 * native/build/BUILD_ERROR.txt, which the library quotes (once) when it is
 * imported and the addon is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const errorFile = join(nativeDir, "build", "BUILD_ERROR.txt");

if (process.env.MINDSPORE_TS_SKIP_NATIVE) {
  console.log("mindspore-ts: MINDSPORE_TS_SKIP_NATIVE is set; not building the native backend.");
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the one bundled with npm, else on PATH. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ["node-gyp"];
}

const [cmd, ...pre] = findNodeGyp();
const args = [...pre, "rebuild", "--release", `--jobs=max`];
// Offline machines: build against the headers of the running Node when they
// are installed next to it (Debian's /usr/include/node), instead of letting
// node-gyp download them.
const nodedir = resolve(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(nodedir, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${nodedir}`);
}

const t0 = Date.now();
const r = spawnSync(cmd, args, { cwd: nativeDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const ok = r.status === 0 && existsSync(join(nativeDir, "build", "Release", "mindspore_native.node"));
if (ok) {
  rmSync(errorFile, { force: true });
  console.log(`mindspore-ts: built the native backend in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
} else {
  const log = `${r.error ? String(r.error) + "\n" : ""}${r.stdout ?? ""}${r.stderr ?? ""}`;
  const lines = log.split("\n").filter((l) => /error|not found|ERR!/i.test(l) && !/gyp info/.test(l));
  const reason = (lines[0] ?? `node-gyp exited with status ${r.status}`).trim();
  mkdirSync(dirname(errorFile), { recursive: true });
  writeFileSync(errorFile, `${reason}\n\n${log}`);
  console.warn(`mindspore-ts: could not build the native backend (${reason}); the library will use its portable backend. Details: ${errorFile}`);
}
