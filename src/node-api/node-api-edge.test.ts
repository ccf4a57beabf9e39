import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { type NodeApiConfig, NodeApiServer } from "./node-api-server";
import { isNodeHost } from "./request-guard";
import type { EngineView } from "./types";

let t: TestDb;
let server: NodeApiServer;
let config: NodeApiConfig;
let port: number;
let jobDefId: number;

const engine = {
  name: "edge",
  startedAt: new Date(),
  counters: { ended: 0, crashed: 0, crashedByRecovery: 0 },
  running: new Map(),
  pollers: new Map(),
  acceptingWork: () => true,
  allPollersPolling: () => true,
  refreshConfiguration: async () => undefined,
  stop: async () => undefined,
  killRunLocally: () => false,
} satisfies EngineView;

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw HTTP request to the node's main listener, with exactly the headers a browser or curl would send. */
function call(method: "GET" | "POST", path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const enqueueForm = new URLSearchParams({ applicationname: "EdgeDemo" }).toString();
const runs = () => t.db.jobInstance.count({ where: { jobDefId } });
const message = (a: Answer) => (JSON.parse(a.body) as { message: string }).message;

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `edge-${t.provider}`, port: 0 });
  const queueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  jobDefId = (await t.db.jobDef.create({ data: { applicationName: "EdgeDemo", payloadType: "shell", path: "true", queueId, parameters: {} } })).id;

  const dir = mkdtempSync(join(tmpdir(), "jobwarden-edge-"));
  const deliverablesDir = join(dir, "deliverables");
  mkdirSync(join(deliverablesDir, "1"), { recursive: true });
  const risky = {
    "x.html": "<script>alert(document.domain)</script>",
    "x.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "x.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "x.xml": "<a/>",
    "x.js": "alert(1)",
  };
  for (const [name, content] of Object.entries(risky)) {
    writeFileSync(join(deliverablesDir, "1", name), content);
    await t.db.deliverable.create({
      data: { jobInstanceId: 1, nodeName: node.name, originalName: name, storedPath: `1/${name}`, size: content.length, sha256: "x", downloadId: Buffer.from(name.padEnd(16, "_")).toString("hex") },
    });
  }

  config = { ...(await t.db.node.findUniqueOrThrow({ where: { id: node.id } })), deliverablesDir, host: "127.0.0.1", port: 0 };
  server = new NodeApiServer(t.db, engine, pino({ level: "silent" }));
  await server.apply(config);
  port = server.report().find((l) => l.api === "simple")!.port!;
  // As the node re-reads its row: the port it got is written back.
  config = { ...config, port };
});
afterAll(async () => {
  await server?.closeAll();
  await t.drop();
});

describe(`node API edge on ${env.TEST_DB}`, () => {
  it("refuses a cross-site form POST to /ws/simple/ji and enqueues nothing", async () => {
    const before = await runs();
    const res = await call(
      "POST",
      "/ws/simple/ji",
      {
        host: `127.0.0.1:${port}`,
        origin: "http://evil.example",
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "navigate",
        "sec-fetch-dest": "document",
        "content-type": "application/x-www-form-urlencoded",
      },
      enqueueForm,
    );
    expect(res.status).toBe(403);
    expect(message(res)).toMatch(/cross-site/i);
    expect(await runs()).toBe(before);
  });

  it("refuses a no-cors fetch from another origin, and a browser that only sends Origin", async () => {
    const before = await runs();
    const noCors = await call(
      "POST",
      "/ws/simple/ji",
      { host: `localhost:${port}`, origin: "http://evil.example", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "content-type": "text/plain;charset=UTF-8" },
      enqueueForm,
    );
    expect(noCors.status).toBe(403);
    const originOnly = await call("POST", "/ws/simple/ji", { host: `127.0.0.1:${port}`, origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" }, enqueueForm);
    expect(originOnly.status).toBe(403);
    expect(message(originOnly)).toMatch(/origin http:\/\/evil\.example/i);
    // The console on another port of the same machine is same-site, not same-origin: refused too.
    const sameSite = await call(
      "POST",
      "/ws/simple/ji",
      { host: `127.0.0.1:${port}`, origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-site", "content-type": "application/x-www-form-urlencoded" },
      enqueueForm,
    );
    expect(sameSite.status).toBe(403);
    const nullOrigin = await call("POST", "/ws/simple/ji", { host: `127.0.0.1:${port}`, origin: "null", "content-type": "application/x-www-form-urlencoded" }, enqueueForm);
    expect(nullOrigin.status).toBe(403);
    expect(await runs()).toBe(before);
  });

  it("accepts curl-like requests and the node's own origin", async () => {
    const before = await runs();
    const curl = await call("POST", "/ws/simple/ji", { host: `127.0.0.1:${port}`, "user-agent": "curl/8.5.0", "content-type": "application/x-www-form-urlencoded" }, enqueueForm);
    expect(curl.status).toBe(200);
    expect(Number(curl.body)).toBeGreaterThan(0);
    const typed = await call("GET", `/ws/simple/status?id=${curl.body}`, { host: `localhost:${port}`, "sec-fetch-site": "none", "sec-fetch-mode": "navigate" });
    expect(typed.status).toBe(200);
    expect(typed.body).toBe("SUBMITTED");
    const sameOrigin = await call(
      "POST",
      "/ws/simple/ji",
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
      enqueueForm,
    );
    expect(sameOrigin.status).toBe(200);
    expect(await runs()).toBe(before + 2);
  });

  it("refuses a Host that is not one of the node's names (DNS rebinding), naming allowedHosts", async () => {
    const before = await runs();
    const rebound = await call("POST", "/ws/simple/ji", { host: "evil.example:1789", "content-type": "application/x-www-form-urlencoded" }, enqueueForm);
    expect(rebound.status).toBe(421);
    expect(message(rebound)).toMatch(/evil\.example/);
    expect(message(rebound)).toMatch(/allowedHosts/);
    expect((await call("GET", "/ws/simple/localnode/health", { host: "evil.example" })).status).toBe(421);
    expect((await call("GET", "/ws/simple/status?id=1", { host: `10.255.255.1:${port}` })).status).toBe(421);
    expect(await runs()).toBe(before);
  });

  it("accepts loopback names, the machine's host name on any port, and allowedHosts entries", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost", `${hostname()}:${port}`, `${hostname().toUpperCase()}:8080`]) {
      expect((await call("GET", "/ws/simple/localnode/health", { host })).status, host).toBe(200);
    }
    expect((await call("GET", "/ws/simple/localnode/health", { host: "jobs.example.com:8443" })).status).toBe(421);
    config = { ...config, allowedHosts: " jobs.example.com, 2001:db8::5 ,203.0.113.7" };
    await server.apply(config);
    for (const host of ["jobs.example.com:8443", "JOBS.example.com", "[2001:db8::5]:1789", "203.0.113.7"]) {
      expect((await call("GET", "/ws/simple/localnode/health", { host })).status, host).toBe(200);
    }
    expect((await call("GET", "/ws/simple/localnode/health", { host: "other.example.com" })).status).toBe(421);
    config = { ...config, allowedHosts: "" };
    await server.apply(config);
  });

  it("serves risky deliverables (html, svg, xhtml, xml, js) as sandboxed octet-stream attachments", async () => {
    for (const name of ["x.html", "x.svg", "x.xhtml", "x.xml", "x.js"]) {
      const id = Buffer.from(name.padEnd(16, "_")).toString("hex");
      const res = await call("GET", `/ws/simple/file?id=${id}`, { host: `127.0.0.1:${port}` });
      expect(res.status, name).toBe(200);
      expect(res.headers["content-type"], name).toBe("application/octet-stream");
      expect(res.headers["content-disposition"], name).toMatch(new RegExp(`^attachment; filename="?${name.replace(".", "\\.")}"?$`));
      expect(res.headers["x-content-type-options"], name).toBe("nosniff");
      expect(res.headers["content-security-policy"], name).toMatch(/(^|;\s*)sandbox(;|$)/);
    }
  });
});

describe("isNodeHost", () => {
  const lan = [
    { address: "127.0.0.1", internal: true },
    { address: "::1", internal: true },
    { address: "192.0.2.10", internal: false },
    { address: "2001:db8::10", internal: false },
  ];
  const accepts = (host: string, bind: string, allowedHosts = "") => isNodeHost(host, { bindAddress: bind, allowedHosts, interfaces: () => lan, hostName: "build-box" });

  it("on all interfaces, accepts loopback names, every interface address and the host name", () => {
    for (const bind of ["0.0.0.0", "::"]) {
      for (const host of ["localhost:1789", "127.0.0.1:1", "[::1]:1789", "192.0.2.10:1789", "[2001:db8::10]", "build-box:1789", "Build-Box"]) {
        expect(accepts(host, bind), `${host} on ${bind}`).toBe(true);
      }
      expect(accepts("evil.example:1789", bind)).toBe(false);
      expect(accepts("192.0.2.11:1789", bind)).toBe(false);
    }
  });

  it("on one address, accepts that address and the host name but not loopback names or the other interfaces", () => {
    expect(accepts("192.0.2.10:1789", "192.0.2.10")).toBe(true);
    expect(accepts("build-box:1789", "192.0.2.10")).toBe(true);
    expect(accepts("localhost:1789", "192.0.2.10")).toBe(false);
    expect(accepts("[2001:db8::10]:1789", "192.0.2.10")).toBe(false);
    expect(accepts("[2001:db8::10]:1789", "2001:db8::10")).toBe(true);
  });

  it("on loopback, accepts loopback names only, plus allowedHosts", () => {
    expect(accepts("localhost:1789", "127.0.0.1")).toBe(true);
    expect(accepts("localhost.:1789", "127.0.0.1")).toBe(true);
    expect(accepts("192.0.2.10:1789", "127.0.0.1")).toBe(false);
    expect(accepts("jobs.example.com", "127.0.0.1", "jobs.example.com")).toBe(true);
    expect(accepts("evil.jobs.example.com", "127.0.0.1", "jobs.example.com")).toBe(false);
  });

  it("refuses what cannot be a host name", () => {
    expect(accepts("localhost:1789/evil", "0.0.0.0")).toBe(false);
    expect(accepts("user@localhost", "0.0.0.0")).toBe(false);
    expect(accepts("", "0.0.0.0")).toBe(false);
  });
});
