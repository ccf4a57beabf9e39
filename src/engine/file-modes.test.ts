import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { moveDeliverable } from "./deliverables";
import { createEngineLogger } from "./engine-log";
import { startProcess } from "./runners/process-runner";
import type { PayloadApi } from "./runners/types";

const mode = (path: string) => statSync(path).mode & 0o777;
let dir: string;
let previousUmask: number;

beforeAll(() => {
  // The usual umask: what is created 0644 under it is readable by every account on the host.
  previousUmask = process.umask(0o022);
  dir = mkdtempSync(join(tmpdir(), "jobwarden-modes-"));
});
afterAll(() => {
  process.umask(previousUmask);
  rmSync(dir, { recursive: true, force: true });
});

describe("what the engine writes is not readable by other accounts", () => {
  it("engine logs are 0640 in a 0750 directory, and an existing 0644 engine log is tightened", async () => {
    const logDir = join(dir, "engine-logs");
    mkdirSync(logDir);
    writeFileSync(join(logDir, "engine.1.log"), '{"msg":"from an older version"}\n', { mode: 0o644 });
    const fresh = join(dir, "fresh-logs");

    const log = createEngineLogger("modes-test", fresh, "info");
    log.info("hello");
    await vi.waitFor(() => expect(existsSync(join(fresh, "engine.1.log"))).toBe(true), { timeout: 20_000, interval: 50 });
    expect(mode(fresh)).toBe(0o750);
    expect(mode(join(fresh, "engine.1.log"))).toBe(0o640);

    createEngineLogger("modes-test", logDir, "info");
    expect(mode(join(logDir, "engine.1.log"))).toBe(0o640);
  });

  it("a deliverable moved on the same file system is 0640 in a 0750 run directory", async () => {
    const delivery = join(dir, "work-1", "delivery");
    mkdirSync(delivery, { recursive: true });
    const file = join(delivery, "report.csv");
    writeFileSync(file, "a;b\n", { mode: 0o644 });
    const deliverablesDir = join(dir, "deliverables");
    const d = await moveDeliverable({ runId: 41, nodeName: "n", deliverablesDir, file });
    expect(mode(join(deliverablesDir, d.storedPath))).toBe(0o640);
    expect(mode(join(deliverablesDir, "41"))).toBe(0o750);
    expect(existsSync(file)).toBe(false);
  });

  it("a deliverable copied from another file system is 0640", async () => {
    const other = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "jobwarden-modes-"));
    try {
      const file = join(other, "big.bin");
      writeFileSync(file, Buffer.alloc(70_000, 7), { mode: 0o666 & ~0o022 });
      const deliverablesDir = join(dir, "deliverables");
      const d = await moveDeliverable({ runId: 42, nodeName: "n", deliverablesDir, file });
      expect(mode(join(deliverablesDir, d.storedPath))).toBe(0o640);
      expect(d.size).toBe(70_000);
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it.runIf(process.getuid?.() === 0)("a deliverable another account wrote becomes the node's own file, 0640", async () => {
    const delivery = join(dir, "work-3", "delivery");
    mkdirSync(delivery, { recursive: true });
    const file = join(delivery, "theirs.txt");
    writeFileSync(file, "written by the payload account\n", { mode: 0o644 });
    chownSync(file, 65534, 65534);
    const deliverablesDir = join(dir, "deliverables");
    const d = await moveDeliverable({ runId: 43, nodeName: "n", deliverablesDir, file });
    const stored = statSync(join(deliverablesDir, d.storedPath));
    expect([stored.uid, stored.mode & 0o777]).toEqual([process.getuid!(), 0o640]);
  });

  it("run logs (stdout, stderr) are 0640", async () => {
    const workDir = join(dir, "work-4");
    mkdirSync(join(workDir, "delivery"), { recursive: true });
    const handle = startProcess({
      id: 44,
      applicationName: "Modes",
      payloadType: "shell",
      path: "echo out; echo err >&2",
      parameters: {},
      env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
      workDir,
      deliveryDir: join(workDir, "delivery"),
      stdoutFile: join(dir, "44.stdout.log"),
      stderrFile: join(dir, "44.stderr.log"),
      jobsDir: workDir,
      killGraceMs: 1000,
      log: pino({ level: "silent" }),
      api: {} as PayloadApi,
    });
    expect((await handle.done).returnCode).toBe(0);
    expect([mode(join(dir, "44.stdout.log")), mode(join(dir, "44.stderr.log"))]).toEqual([0o640, 0o640]);
  });
});
