import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNodePayload, workerPool } from "./node-runner";
import type { PayloadApi } from "./types";

let dir: string;
let nextId = 1;
const calls: string[] = [];
const api: PayloadApi = {
  async sendProgress(p) {
    calls.push(`progress ${p}`);
  },
  async sendMessage(text) {
    calls.push(`message ${text}`);
  },
  async addDeliverable() {},
  async enqueue() {
    return 0;
  },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "node-runner-test-"));
  const payloads: Record<string, string> = {
    // Module state, environment and parameters as the run sees them.
    "state.mjs": `let runs = 0;
      export async function run(ctx) {
        runs++;
        console.log(JSON.stringify({ runs, id: process.env.JQM_JI_ID, db: process.env.DATABASE_URL ?? null, p: ctx.parameters.p, leaked: globalThis.leaked ?? null, evil: [].evil ?? null }));
        await ctx.sendMessage("from " + ctx.id);
      }`,
    "global.mjs": `export async function run() { globalThis.leaked = "yes"; }`,
    "proto.mjs": `export async function run() { Array.prototype.evil = "yes"; }`,
    "interval.mjs": `export async function run() { setInterval(() => console.log("tick from a previous run"), 2).unref(); }`,
    "listener.mjs": `export async function run() { process.on("exit", () => {}); }`,
    "fails.mjs": `export async function run() { globalThis.leaked = "yes"; throw new Error("boom"); }`,
    "typed.ts": `export async function run(): Promise<void> { console.log("typed " + process.env.JQM_JI_ID); }`,
    "waits.mjs": `export async function run(ctx) {
        await new Promise((resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      }`,
    "stubborn.mjs": `export async function run() { await new Promise((r) => setTimeout(r, 60_000)); }`,
  };
  for (const [name, text] of Object.entries(payloads)) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, "logs"));
});
afterEach(() => workerPool.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(path: string, parameters: Record<string, string> = {}) {
  const id = nextId++;
  const files = { stdoutFile: join(dir, "logs", `${id}.out`), stderrFile: join(dir, "logs", `${id}.err`) };
  const handle = startNodePayload({
    id,
    applicationName: "Test",
    payloadType: "node",
    path,
    parameters,
    env: { JQM_JI_ID: String(id) },
    workDir: dir,
    deliveryDir: dir,
    ...files,
    jobsDir: dir,
    killGraceMs: 300,
    log: pino({ level: "silent" }),
    api,
  });
  const result = handle.done.then((outcome) => ({ outcome, stdout: readFileSync(files.stdoutFile, "utf8"), stderr: readFileSync(files.stderrFile, "utf8") }));
  return { id, handle, result };
}
const run = (path: string, parameters?: Record<string, string>) => start(path, parameters).result;
const state = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;

describe("node payload worker threads", () => {
  it("reuse a thread after a clean run, with a fresh module instance, environment and parameters per run", async () => {
    const before = workerPool.started;
    const first = start("state.mjs", { p: "one" });
    const a = await first.result;
    const second = start("state.mjs", { p: "two" });
    const b = await second.result;
    expect(workerPool.started - before).toBe(1);
    expect(a.outcome).toEqual({ returnCode: 0 });
    expect(state(a.stdout)).toEqual({ runs: 1, id: String(first.id), db: null, p: "one", leaked: null, evil: null });
    expect(state(b.stdout)).toEqual({ runs: 1, id: String(second.id), db: null, p: "two", leaked: null, evil: null });
    expect(calls).toContain(`message from ${second.id}`);
  });

  it.each([
    ["a global it set", "global.mjs"],
    ["a built-in prototype it changed", "proto.mjs"],
    ["an unref'd timer it left", "interval.mjs"],
    ["a process listener it added", "listener.mjs"],
    ["its failure", "fails.mjs"],
  ])("discard the thread of a run because of %s: the next run does not see it", async (_what, path) => {
    await run("state.mjs");
    const before = workerPool.started;
    await run(path);
    const next = await run("state.mjs");
    await new Promise((r) => setTimeout(r, 20));
    expect(workerPool.started - before).toBe(1);
    expect(next.outcome).toEqual({ returnCode: 0 });
    expect(state(next.stdout)).toMatchObject({ leaked: null, evil: null });
    expect(next.stdout).not.toMatch(/tick/);
  });

  it("run TypeScript payloads through tsx, in a thread of their own", async () => {
    const before = workerPool.started;
    const a = await run("typed.ts");
    const b = await run("typed.ts");
    expect([a.stdout, b.stdout].map((s) => s.trim())).toEqual([`typed ${nextId - 2}`, `typed ${nextId - 1}`]);
    expect(workerPool.started - before).toBe(2);
    expect(workerPool.idle).toHaveLength(0);
  });

  it("kill a run through its abort signal, or terminate it after the grace period; its thread is not reused", async () => {
    const polite = start("waits.mjs");
    const stubborn = start("stubborn.mjs");
    await new Promise((r) => setTimeout(r, 300));
    polite.handle.kill();
    stubborn.handle.kill();
    expect((await polite.result).outcome).toEqual({ returnCode: null, error: "killed" });
    expect((await stubborn.result).outcome).toEqual({ returnCode: null, error: "killed" });
    expect(workerPool.idle).toHaveLength(0);
  });

  it("keep at most maxIdle threads, each for at most maxRunsPerWorker runs", async () => {
    const saved = { maxIdle: workerPool.maxIdle, maxRunsPerWorker: workerPool.maxRunsPerWorker };
    try {
      workerPool.maxIdle = 2;
      workerPool.maxRunsPerWorker = 3;
      await Promise.all([1, 2, 3, 4].map(() => run("state.mjs")));
      expect(workerPool.idle).toHaveLength(2);
      await workerPool.close();
      const before = workerPool.started;
      for (let i = 0; i < 6; i++) await run("state.mjs");
      expect(workerPool.started - before).toBe(2);
    } finally {
      Object.assign(workerPool, saved);
    }
  });
});
