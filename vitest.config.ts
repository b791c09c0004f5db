import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // the memory tests call gc() to check that tapes and intermediates are freed
    execArgv: ["--expose-gc"],
  },
});
