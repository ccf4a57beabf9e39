// Runs node payloads in a worker thread, one at a time: on {type: "run"} it imports the module (JS or
// TS, through tsx) and calls its exported run(ctx). ctx's calls go to the engine through messages.
// After a successful run it tells the engine whether the thread may serve another run: only when the
// run left nothing behind that the next run could see (see README, "What a node does").
import { createHook } from "node:async_hooks";
import { parentPort } from "node:worker_threads";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

// Output goes through the same ordered port as "done", so the engine can end the worker at once
// without losing a line (tsx keeps handles open that would otherwise hold the thread alive).
for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]]) {
  stream.write = (chunk, encoding, callback) => {
    parentPort.postMessage({ type: name, data: typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8") });
    (typeof encoding === "function" ? encoding : callback)?.();
    return true;
  };
}

// What a payload could change and the next run would inherit: globals, the built-in prototypes,
// the output streams.
const WATCHED = [
  ["globalThis", globalThis],
  ["process", process],
  ["process.stdout", process.stdout],
  ["process.stderr", process.stderr],
  ...[Object, Function, Array, String, Number, Boolean, Symbol, Promise, RegExp, Date, Error, Map, Set, WeakMap, WeakSet, JSON, Math, Reflect, Buffer, Uint8Array, ArrayBuffer, URL, EventTarget]
    .flatMap((c) => [[c.name ?? String(c), c], [`${c.name ?? String(c)}.prototype`, c.prototype]])
    .filter(([, o]) => o),
];
function snapshot() {
  return WATCHED.map(([, o]) => ({ extensible: Object.isExtensible(o), props: Object.getOwnPropertyDescriptors(o) }));
}
const sameDescriptor = (a, b) => !!a && !!b && Object.is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable && a.configurable === b.configurable;
/** Node defines some globals lazily: the first read turns the getter into the value it loads. */
function settledLazily(owner, before, after) {
  if (!before?.get || !after || !("value" in after)) return false;
  try {
    return Object.is(before.get.call(owner), after.value);
  } catch {
    return false;
  }
}
// Reading a descriptor can load a lazy global, which adds to globalThis (Node 24: fetch's undici
// defines its dispatcher symbols): a first pass loads them, so that the clean state includes them.
snapshot();
const clean = snapshot().map((s) => ({ ...s, keys: Reflect.ownKeys(s.props) }));
/** process.env and exitCode are reset per run; console adds and removes listeners on the streams, whose write() is ours. */
const resetPerRun = (label, k) =>
  (label === "process" && (k === "env" || k === "exitCode")) || (label !== "process" && label.startsWith("process.") && (k === "_events" || k === "_eventsCount"));
/** Names of what differs from the thread's state before its first run; empty when nothing does. */
function changesSinceStart() {
  const changed = [];
  WATCHED.forEach(([label, o], i) => {
    const before = clean[i];
    if (before.extensible !== Object.isExtensible(o)) changed.push(label);
    const now = Object.getOwnPropertyDescriptors(o);
    const keys = Reflect.ownKeys(now);
    for (const k of keys) {
      if (resetPerRun(label, k)) continue;
      const [b, a] = [before.props[k], now[k]];
      if (!sameDescriptor(b, a) && !settledLazily(o, b, a)) changed.push(`${label}.${String(k)}`);
    }
    for (const k of before.keys) if (!Object.hasOwn(now, k) && !resetPerRun(label, k)) changed.push(`${label}.${String(k)}`);
  });
  return changed;
}
/** Listeners on the process (exit, uncaughtException…) would fire during a later run. */
const listenersOf = (emitter) => new Map(emitter.eventNames().map((name) => [name, emitter.rawListeners(name)]));
const cleanListeners = listenersOf(process);
/** No listener was added (Node's own may have gone: a once listener of the module loader). */
function noNewListeners() {
  for (const [name, list] of listenersOf(process)) {
    const before = cleanListeners.get(name) ?? [];
    if (list.some((f) => !before.includes(f))) return false;
  }
  return true;
}
const requireCache = createRequire(import.meta.url).cache;

// Timers, sockets, watchers… a run creates, including unref'd ones (getActiveResourcesInfo() does
// not list those): any still alive after the run could act during the next one.
const live = new Map();
createHook({
  init(asyncId, type, _trigger, resource) {
    if (current && type !== "PROMISE") live.set(asyncId, { type, resource });
  },
  destroy(asyncId) {
    live.delete(asyncId);
  },
}).enable();
/** Destroy hooks arrive late (a file handle's at garbage collection): what is over says so. */
const isOver = ({ type, resource }) =>
  ((type === "Timeout" || type === "Immediate") && resource._destroyed) || (type === "FILEHANDLE" && resource.fd < 0);
const leftBehind = () => [...live.values()].filter((r) => !isOver(r));

let current = null;

function call(method, ...args) {
  const run = current;
  if (!run) return Promise.reject(new Error("the run has ended"));
  const callId = ++run.nextCall;
  parentPort.postMessage({ type: "call", callId, method, args });
  return new Promise((resolve, reject) => run.pending.set(callId, { resolve, reject }));
}

parentPort.on("message", (msg) => {
  if (msg.type === "run") void runPayload(msg);
  else if (msg.type === "abort") current?.abort.abort(new Error("killed"));
  else if (msg.type === "reply") {
    const p = current?.pending.get(msg.callId);
    current?.pending.delete(msg.callId);
    if (msg.error) p?.reject(new Error(msg.error));
    else p?.resolve(msg.result);
  }
});
// Taken once the port listens: from then on it counts as an active resource (Node 24 lists it).
const baseResources = process.getActiveResourcesInfo().length;

async function runPayload({ modulePath, parameters, meta, env }) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
  process.exitCode = undefined;
  const abort = new AbortController();
  live.clear();
  current = { abort, pending: new Map(), nextCall: 0 };
  const ctx = Object.freeze({
    ...meta,
    parameters: Object.freeze({ ...parameters }),
    signal: abort.signal,
    sendProgress: (progress) => call("sendProgress", progress),
    sendMessage: (text) => call("sendMessage", String(text)),
    addDeliverable: (path, fileFamily) => call("addDeliverable", String(path), fileFamily),
    enqueue: (applicationName, params = {}) => call("enqueue", String(applicationName), params),
    log: (...args) => process.stdout.write(`${new Date().toISOString()} ${format(...args)}\n`),
  });

  const isTs = /\.[cm]?tsx?$/.test(modulePath);
  try {
    // A URL of its own per run: every run gets a fresh instance of the payload module.
    const url = `${pathToFileURL(modulePath).href}?jobwarden-run=${meta.id}`;
    // tsx costs several times a worker's own start: only TypeScript payloads load it.
    const mod = isTs ? await (await import("tsx/esm/api")).tsImport(url, import.meta.url) : await import(url);
    const run = mod.run ?? mod.default?.run;
    if (typeof run !== "function") throw new Error(`${modulePath} does not export run(ctx)`);
    await run(ctx);
    // Let floating promise chains settle (and late destroy hooks arrive) before judging what the
    // run left behind.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const pendingCalls = current.pending.size;
    current = null;
    const reusable =
      !isTs &&
      !abort.signal.aborted &&
      pendingCalls === 0 &&
      !(modulePath in requireCache) &&
      process.getActiveResourcesInfo().length <= baseResources &&
      leftBehind().length === 0 &&
      noNewListeners() &&
      changesSinceStart().length === 0;
    live.clear();
    parentPort.postMessage({ type: "done", reusable });
  } catch (err) {
    process.stderr.write(`${err?.stack ?? err}\n`);
    parentPort.postMessage({ type: "failed", message: abort.signal.aborted ? "killed" : String(err?.message ?? err) });
  }
}
