import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { childProcessEnv } from "~/env";

/** Port 9 on loopback: nothing listens there; the CLI must refuse before it tries. */
const enqueue = (...params: string[]) =>
  spawnSync(process.execPath, ["bin/jobwarden.mjs", "enqueue", "DemoEcho", ...params.flatMap((p) => ["-p", p]), "--url", "http://127.0.0.1:9"], {
    encoding: "utf8",
    env: childProcessEnv({}),
    timeout: 120_000,
  });

describe("jobwarden enqueue -p", () => {
  it("refuses a parameter given twice instead of keeping the last", () => {
    const r = enqueue("a=1", "a=2");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("parameter a is given twice");
  }, 150_000);
});
