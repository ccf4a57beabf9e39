// Runs one node payload in a worker thread: imports the module (JS or TS, through tsx) and calls
// its exported run(ctx). ctx's calls go to the engine through messages.
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import { tsImport } from "tsx/esm/api";

const { modulePath, parameters, meta } = workerData;

// Output goes through the same ordered port as "done", so the engine can end the worker at once
// without losing a line (tsx keeps handles open that would otherwise hold the thread alive).
for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]]) {
  stream.write = (chunk, encoding, callback) => {
    parentPort.postMessage({ type: name, data: typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8") });
    (typeof encoding === "function" ? encoding : callback)?.();
    return true;
  };
}
const abort = new AbortController();
const pending = new Map();
let nextCall = 0;

function call(method, ...args) {
  const callId = ++nextCall;
  parentPort.postMessage({ type: "call", callId, method, args });
  return new Promise((resolve, reject) => pending.set(callId, { resolve, reject }));
}

parentPort.on("message", (msg) => {
  if (msg.type === "abort") abort.abort(new Error("killed"));
  if (msg.type === "reply") {
    const p = pending.get(msg.callId);
    pending.delete(msg.callId);
    if (msg.error) p?.reject(new Error(msg.error));
    else p?.resolve(msg.result);
  }
});

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

try {
  const url = pathToFileURL(modulePath).href;
  const mod = /\.[cm]?tsx?$/.test(modulePath) ? await tsImport(url, import.meta.url) : await import(url);
  const run = mod.run ?? mod.default?.run;
  if (typeof run !== "function") throw new Error(`${modulePath} does not export run(ctx)`);
  await run(ctx);
  parentPort.postMessage({ type: "done" });
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\n`);
  parentPort.postMessage({ type: "failed", message: abort.signal.aborted ? "killed" : String(err?.message ?? err) });
}
