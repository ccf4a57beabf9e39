// Runs one node payload in a process of its own, as the node's payload account (payload isolation:
// a worker thread would share the node's memory, environment and /proc/self). Only stdio connects it
// to the engine, because sudo closes every other descriptor:
// - stdin: JSON lines from the engine: {type: "run"} first, then {type: "abort"} and {type: "reply"};
// - stdout: JSON lines to the engine: {type: "stdout" | "stderr", data}, {type: "call"},
//   then {type: "done"} or {type: "failed"}; the process exits after that line;
// - stderr: written as is to the run's stderr (Node's own fatal errors).
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, rename, unlink } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const rawWrite = process.stdout.write.bind(process.stdout);
const send = (msg, then) => rawWrite(`${JSON.stringify(msg)}\n`, then);

for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]]) {
  stream.write = (chunk, encoding, callback) => {
    send({ type: name, data: typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8") });
    (typeof encoding === "function" ? encoding : callback)?.();
    return true;
  };
}

const pending = new Map();
let nextCall = 0;
let ended = false;
const abort = new AbortController();

function call(method, ...args) {
  if (ended) return Promise.reject(new Error("the run has ended"));
  const callId = ++nextCall;
  send({ type: "call", callId, method, args });
  return new Promise((resolve, reject) => pending.set(callId, { resolve, reject }));
}

function end(msg) {
  if (ended) return;
  ended = true;
  send(msg, () => process.exit(msg.type === "done" ? 0 : 1));
}

createInterface({ input: process.stdin }).on("line", (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  if (msg.type === "run") void runPayload(msg);
  else if (msg.type === "abort") abort.abort(new Error("killed"));
  else if (msg.type === "reply") {
    const p = pending.get(msg.callId);
    pending.delete(msg.callId);
    if (msg.error) p?.reject(new Error(msg.error));
    else p?.resolve(msg.result);
  }
});

/**
 * The node takes no path from this process (it runs as the payload account, so anything it sends is
 * the payload's to forge): the file is moved here, with the account's own rights, into the delivery
 * dir under a plain name, and the node is given that name (README, "Payload isolation").
 */
async function addDeliverable(path, fileFamily, { workDir, deliveryDir }) {
  const file = resolve(workDir, path);
  const rel = relative(workDir, file);
  if (!rel || rel.startsWith("..") || isAbsolute(rel)) throw new Error("addDeliverable: the file must be inside the run's work directory");
  const name = `.deliverable-${randomBytes(12).toString("hex")}`;
  const staged = join(deliveryDir, name);
  await rename(file, staged).catch(async (err) => {
    if (err.code !== "EXDEV") throw err;
    await copyFile(file, staged, constants.COPYFILE_EXCL);
    await unlink(file);
  });
  try {
    await call("addDeliverable", name, fileFamily, basename(file));
  } catch (err) {
    await rename(staged, file).catch(() => undefined);
    throw err;
  }
}

async function runPayload({ modulePath, parameters, meta }) {
  const ctx = Object.freeze({
    ...meta,
    parameters: Object.freeze({ ...parameters }),
    signal: abort.signal,
    sendProgress: (progress) => call("sendProgress", progress),
    sendMessage: (text) => call("sendMessage", String(text)),
    addDeliverable: (path, fileFamily) => addDeliverable(String(path), fileFamily, meta),
    enqueue: (applicationName, params = {}) => call("enqueue", String(applicationName), params),
    log: (...args) => process.stdout.write(`${new Date().toISOString()} ${format(...args)}\n`),
  });
  try {
    const url = pathToFileURL(modulePath).href;
    const mod = /\.[cm]?tsx?$/.test(modulePath) ? await (await import("tsx/esm/api")).tsImport(url, import.meta.url) : await import(url);
    const run = mod.run ?? mod.default?.run;
    if (typeof run !== "function") throw new Error(`${modulePath} does not export run(ctx)`);
    await run(ctx);
    end({ type: "done" });
  } catch (err) {
    process.stderr.write(`${err?.stack ?? err}\n`);
    end({ type: "failed", message: abort.signal.aborted ? "killed" : String(err?.message ?? err) });
  }
}
