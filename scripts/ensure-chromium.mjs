#!/usr/bin/env node
// The browser test drives Debian's Chromium. Install it when it is missing and we can (root with
// apt-get, as on CI and the development machines); otherwise say what to do.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
if (candidates.some((p) => existsSync(p))) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = existsSync("/usr/bin/apt-get");
if (isRoot && hasApt) {
  console.log("Chromium is missing: installing Debian's chromium for the browser test (apt-get install -y chromium)...");
  try {
    execSync("apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1)", { stdio: "inherit", shell: "/bin/bash" });
  } catch {
    console.error("Installing chromium failed; the browser test will fail. Install it by hand: apt-get install -y chromium");
  }
} else {
  console.error("The browser test needs Chromium: install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.");
}
