/**
 * The browser page (examples/browser): built with Vite, served locally, driven
 * in Debian's headless Chromium. It must train the digits model in a worker,
 * show the accuracy, and predict drawn digits. Saves a screenshot.
 */
import { describe, it, expect } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const configFile = `${root}examples/browser/vite.config.ts`;
const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));

describe("the browser page", () => {
  it("trains the digits CNN in a worker, shows the accuracy, and predicts drawn digits", async () => {
    expect(executablePath, "Chromium is needed (apt-get install -y chromium, or set CHROMIUM_PATH)").toBeTruthy();
    await build({ configFile, logLevel: "warn" });
    const server = await preview({ configFile, preview: { port: 0, host: "127.0.0.1" }, logLevel: "warn" });
    const url = server.resolvedUrls!.local[0];
    const browser = await chromium.launch({
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${url}?epochs=4&seed=0`);
      await page.waitForFunction(() => /^(done|error)/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 240_000 });
      const status = (await page.textContent("#status")) ?? "";
      expect(status, status).toMatch(/^done: test accuracy/);
      const accuracy = Number(await page.getAttribute("#status", "data-accuracy"));
      expect(accuracy).toBeGreaterThan(0.9);
      // draw real digits from the data set through the page's pixel hook, and predict them
      const rows = gunzipSync(readFileSync(`${root}data/digits.csv.gz`)).toString("utf8").trim().split("\n").slice(0, 10).map((l) => l.split(",").map(Number));
      let correct = 0;
      for (const r of rows) {
        await page.evaluate((p) => (window as unknown as { __setPixels: (p: number[]) => void }).__setPixels(p), r.slice(0, 64));
        await page.evaluate(() => (document.getElementById("prediction")!.textContent = "?"));
        await page.click("#predict");
        await page.waitForFunction(() => document.getElementById("prediction")!.textContent !== "?");
        if (Number(await page.textContent("#prediction")) === r[64]) correct++;
      }
      expect(correct).toBeGreaterThanOrEqual(8);
      mkdirSync(`${root}runs`, { recursive: true });
      await page.screenshot({ path: `${root}runs/browser.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 300_000);
});
