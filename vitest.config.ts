import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    fileParallelism: false,
    // Deadlines, not durations: generous so that a starved machine (CI under load) waits instead of failing.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    env: { JOBWARDEN_HOME: mkdtempSync(join(tmpdir(), "jobwarden-home-")), NODE_ENV: "test" },
  },
});
