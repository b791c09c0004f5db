/** docs/ops.md is generated from the op table; this fails when it is stale (regenerate with `node tools/gen_ops_doc.mjs`). */
import { it, expect } from "vitest";
import { spawnSync } from "node:child_process";

it("docs/ops.md is up to date with the op table, the fixtures and the backends", () => {
  const r = spawnSync(process.execPath, ["tools/gen_ops_doc.mjs", "--check"], { encoding: "utf8" });
  expect(r.stderr + r.stdout).toContain("docs/ops.md is up to date");
  expect(r.status).toBe(0);
});
