import { type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { clientAddress } from "~/server/auth/client-address";
import { type CreateNextApp, startConsoleServer } from "./console-server";

type Seen = { url: string | undefined; address: string | null; headers: IncomingMessage["headers"] };

/** A stand-in for `next()`: like Next.js, its handler is only there once prepare() has run. */
function fakeNext() {
  const seen: Seen[] = [];
  let prepared = false;
  const createApp: CreateNextApp = () => ({
    prepare: async () => void (prepared = true),
    getRequestHandler: () => {
      if (!prepared) throw new Error("prepare() must be called before performing this operation");
      return async (req, res) => {
        seen.push({ url: req.url, address: clientAddress(new Headers(req.headers as Record<string, string>)), headers: req.headers });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("next");
      };
    },
    close: async () => undefined,
  });
  return { seen, createApp };
}

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(trustedProxies = "") {
  const next = fakeNext();
  const consoleServer = await startConsoleServer({ host: "127.0.0.1", port: 0, dir: ".", trustedProxies }, next.createApp);
  started.push(consoleServer);
  return { ...next, base: `http://127.0.0.1:${(consoleServer.server.address() as AddressInfo).port}` };
}

/** Sends only the headers of a POST; resolves with the answer. */
function postHeaders(base: string, path: string, headers: Record<string, string | number>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(new URL(path, base), { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    req.flushHeaders();
  });
}

describe("the console server", () => {
  it("answers 413 to a declared oversized body without passing the request to Next.js", async () => {
    const { base, seen } = await start();
    const res = await postHeaders(base, "/api/auth/callback/credentials", { "content-type": "application/x-www-form-urlencoded", "content-length": 150 * 1024 * 1024 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: "PAYLOAD_TOO_LARGE" });
    expect(seen).toEqual([]);
  });

  it("gives Next.js the socket's address, not a forged X-Forwarded-For or client-address header", async () => {
    const { base, seen } = await start();
    const res = await fetch(`${base}/api/auth/session`, {
      headers: { "x-forwarded-for": "203.0.113.5", "x-real-ip": "203.0.113.6", "x-jobwarden-client-address": "203.0.113.7" },
    });
    expect(await res.text()).toBe("next");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.address).toBe("127.0.0.1");
    expect(seen[0]!.headers["x-forwarded-for"]).toBeUndefined();
    expect(seen[0]!.headers["x-real-ip"]).toBeUndefined();
  });

  it("believes X-Forwarded-For from a trusted proxy (TRUSTED_PROXIES)", async () => {
    const { base, seen } = await start("127.0.0.1");
    await (await fetch(`${base}/`, { headers: { "x-forwarded-for": "203.0.113.5" } })).text();
    expect(seen[0]!.address).toBe("203.0.113.5");
  });
});
