import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

// Cross-origin isolation lets a multi-threaded backend use SharedArrayBuffer in the worker.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: { alias: { "mindspore-ts": fileURLToPath(new URL("../../src/index.ts", import.meta.url)) } },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: { headers: isolation },
  preview: { headers: isolation },
});
