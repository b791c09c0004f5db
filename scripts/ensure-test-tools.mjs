#!/usr/bin/env node
// Tools some tests drive: Debian's Chromium (the browser page) and protoc (an independent check of
// the checkpoint bytes). Install what is missing when we can (root with apt-get, as on CI and the
// development machines); otherwise say what to do.
import { existsSync } from "node:fs";
import { execSync, spawnSync } from "node:child_process";

const chromium = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].some((p) => p && existsSync(p));
const protoc = spawnSync("protoc", ["--version"]).status === 0;
const missing = [...(chromium ? [] : ["chromium"]), ...(protoc ? [] : ["protobuf-compiler"])];
if (missing.length === 0) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && existsSync("/usr/bin/apt-get")) {
  const pkgs = missing.join(" ");
  console.log(`Installing Debian packages the tests need: ${pkgs} ...`);
  try {
    execSync(`apt-get install -y ${pkgs} >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y ${pkgs} >/dev/null 2>&1)`, { stdio: "inherit", shell: "/bin/bash" });
  } catch {
    console.error(`Installing ${pkgs} failed; some tests will fail. Install by hand: apt-get install -y ${pkgs}`);
  }
} else {
  console.error(`Some tests need: ${missing.join(", ")} (Debian: sudo apt-get install -y ${missing.join(" ")}).`);
}
