import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childProcessEnv, env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createApiToken } from "~/server/services/auth/api-tokens";
import { createNode } from "~/server/services/nodes/create-node";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { createCa, createClientCertificate, createServerCertificate, writePem } from "~/security/pki";
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { type TestDb, createTestDb } from "~/test/test-db";
import { managementSocketPath } from "./node-api-server";
import type { ListenerReport } from "~/server/domain/node-config";

let t: TestDb;
let node: Awaited<ReturnType<typeof createNode>>;
let proc: NodeProcess;
const users: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `api-${t.provider}`, port: 0 });
  await t.db.node.updateMany({ where: { id: { not: node.id } }, data: { enabled: false } });
  const queueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  await t.db.jobDef.create({
    data: {
      applicationName: "CurlDemo",
      payloadType: "shell",
      // Parameters are appended to the command line: the trailing `:` takes them harmlessly.
      path: 'echo "hello $1 $2"; echo "report for $1" > "$JQM_JI_DELIVERY_DIR/report.txt"; :',
      queueId,
      parameters: {},
    },
  });
  for (const [login, role] of [["ops", "client power user"], ["viewer", "client read only"], ["admin", "administrator"]] as const) {
    users[login] = (await createUser(t.db, { actor: SYSTEM_ACTOR, login, roles: [role] })).password;
  }
  proc = startNodeProcess(node.name, t.url);
  await listeners();
});
afterAll(async () => {
  await stopNodeProcess(proc);
  await t.drop();
});

/** The node's own report of what it listens on, once it matches `until`. */
async function listeners(until: (l: ListenerReport[]) => boolean = (l) => l.some((x) => x.api === "simple" && x.port)) {
  return waitFor("the node to report its listeners", async () => {
    const r = await t.db.nodeReport.findUnique({ where: { nodeId: node.id } });
    const l = (r?.listeners ?? []) as ListenerReport[];
    return until(l) ? l : null;
  });
}
const simple = (l: ListenerReport[]) => l.find((x) => x.api === "simple")!;
async function setNode(data: Parameters<typeof t.db.node.update>[0]["data"], until: (l: ListenerReport[]) => boolean) {
  await t.db.node.update({ where: { id: node.id }, data });
  return listeners(until);
}
const basic = (login: string, password = users[login]!) => ({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}` });
const form = (fields: [string, string][]) => new URLSearchParams(fields).toString();
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

describe(`node APIs on ${env.TEST_DB}`, () => {
  it("runs a JQM-style curl session: enqueue with parameters, poll the status, fetch stdout and the produced file", async () => {
    const base = `http://127.0.0.1:${simple(await listeners()).port}/ws/simple`;
    const enqueue = await fetch(`${base}/ji`, {
      method: "POST",
      headers: formHeaders,
      body: form([["applicationname", "CurlDemo"], ["parameterNames", "1"], ["parameterValues", "world"], ["parameterNames", "2"], ["parameterValues", "& more"]]),
    });
    expect(enqueue.status).toBe(200);
    const id = Number(await enqueue.text());
    expect(id).toBeGreaterThan(0);
    await waitFor("ENDED", async () => (await (await fetch(`${base}/status?id=${id}`)).text()) === "ENDED");

    const stdout = await fetch(`${base}/stdout?id=${id}`);
    expect(await stdout.text()).toBe("hello world & more\n");
    expect(stdout.headers.get("content-disposition")).toContain(`${id}.stdout.txt`);

    const file = await t.db.deliverable.findFirstOrThrow({ where: { jobInstanceId: id } });
    const download = await fetch(`${base}/file?id=${file.downloadId}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("report for world\n");
    expect(download.headers.get("content-disposition")).toMatch(/attachment; filename="?report\.txt"?/);
    expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const range = await fetch(`${base}/file?id=${file.downloadId}`, { headers: { range: "bytes=0-5" } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe("report");
    expect(await t.db.auditEvent.count({ where: { action: "files.download", objectId: String(file.id) } })).toBe(2);
  });

  it("enqueues and waits through the CLI against the node's URL, with basic auth from the environment", async () => {
    const l = await setNode({ authSimple: "basic" }, (x) => simple(x).auth === "basic");
    const url = `http://127.0.0.1:${simple(l).port}`;
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ["bin/jobwarden.mjs", ...args, "--url", url], {
        encoding: "utf8",
        env: childProcessEnv({ DATABASE_URL: t.url, JOBWARDEN_USER: "ops", JOBWARDEN_PASSWORD: users.ops!, ...extra }),
      });
    const run = cli(["enqueue", "CurlDemo", "-p", "1=from-cli", "--wait"]);
    expect(run.stderr.trim()).toBe("ENDED");
    const id = Number(run.stdout.trim());
    expect(readFileSync(join(node.logDir, `${String(id).padStart(10, "0")}.stdout.log`), "utf8")).toBe("hello from-cli \n");
    expect(cli(["status", String(id)]).stdout.trim()).toBe("ENDED");
    const refused = cli(["enqueue", "CurlDemo"], { JOBWARDEN_USER: "viewer", JOBWARDEN_PASSWORD: users.viewer! });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/403: Permission job_instance:create is required/);
    const unknown = cli(["enqueue", "Nope"]);
    expect(unknown.stderr).toMatch(/404: No job definition named Nope/);
    await setNode({ authSimple: "none" }, (x) => simple(x).auth === "none");
  });

  it("answers bad input with a 4xx and a message, never a 500", async () => {
    const base = `http://127.0.0.1:${simple(await setNode({ authSimple: "none" }, (x) => simple(x).auth === "none")).port}/ws/simple`;
    const cases: [string, RequestInit, number, RegExp][] = [
      ["/ji", { method: "POST", headers: formHeaders, body: form([["applicationname", "NoSuchApp"]]) }, 404, /No job definition named NoSuchApp/],
      ["/ji", { method: "POST", headers: formHeaders, body: form([["module", "x"]]) }, 400, /applicationname is required/],
      ["/ji", { method: "POST", headers: formHeaders, body: form([["applicationname", "CurlDemo"], ["parameterNames", "a"]]) }, 400, /pairs/],
      ["/ji", { method: "POST", headers: formHeaders, body: form([["applicationname", "CurlDemo"], ["parentid", "abc"]]) }, 400, /parentid/],
      ["/status?id=abc", {}, 400, /id must be a positive integer/],
      ["/status?id=999999", {}, 404, /No run with id 999999/],
      ["/file?id=../../etc/passwd", {}, 400, /download id/],
      ["/file?id=00000000000000000000000000000000", {}, 404, /No such file/],
      ["/stdout?id=999999", {}, 404, /No run/],
      ["/nothing", {}, 404, /No route/],
    ];
    for (const [path, init, status, message] of cases) {
      const res = await fetch(`${base}${path}`, init);
      expect(res.status, path).toBe(status);
      expect(await res.text(), path).toMatch(message);
    }
    // The node answers an oversized body from its Content-Length and closes the connection; sending only
    // the headers keeps a starved client from racing that close with its upload (EPIPE).
    const tooLarge = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/ji`, { method: "POST", headers: { ...formHeaders, "content-length": String(2 * 1024 * 1024) } }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c));
        res.on("end", () => {
          resolve({ status: res.statusCode, body });
          req.destroy();
        });
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatch(/too large/i);
  });

  it("is bound to 127.0.0.1 only: another local address gets no answer", async () => {
    const { port } = simple(await listeners());
    await expect(fetch(`http://127.0.0.2:${port}/ws/simple/localnode/health`)).rejects.toThrow();
    expect((await fetch(`http://127.0.0.1:${port}/ws/simple/localnode/health`)).status).toBe(200);
  });

  it("serves the client REST API only when switched on, within a heartbeat, and reports it", async () => {
    const { port } = simple(await listeners());
    expect((await fetch(`http://127.0.0.1:${port}/ws/client/q`, { headers: basic("admin") })).status).toBe(404);
    const l = await setNode({ loadApiClient: true, authClient: "basic" }, (x) => x.some((r) => r.api === "client"));
    expect(l.find((r) => r.api === "client")).toMatchObject({ address: "127.0.0.1", auth: "basic", tls: false });
    const port2 = simple(l).port;
    const queues = await fetch(`http://127.0.0.1:${port2}/ws/client/q`, { headers: basic("admin") });
    expect(queues.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port2}/ws/client/q`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port2}/ws/client/openapi.json`, { headers: basic("admin") })).status).toBe(200);
    await setNode({ loadApiClient: false }, (x) => !x.some((r) => r.api === "client"));
  });

  it("accepts the right credentials for each auth mode and refuses others, with the console's RBAC", async () => {
    let l = await setNode({ authSimple: "basic" }, (x) => simple(x).auth === "basic");
    let base = `http://127.0.0.1:${simple(l).port}/ws/simple`;
    const enqueue = (headers: Record<string, string>) =>
      fetch(`${base}/ji`, { method: "POST", headers: { ...formHeaders, ...headers }, body: form([["applicationname", "CurlDemo"]]) });
    expect((await enqueue({})).status).toBe(401);
    expect((await enqueue(basic("ops", "wrong password!"))).status).toBe(401);
    expect((await enqueue(basic("ops"))).status).toBe(200);
    const refused = await enqueue(basic("viewer"));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/job_instance:create/);
    expect((await fetch(`${base}/localnode/health`)).status).toBe(200);

    const good = await createApiToken(t.db, { actor: SYSTEM_ACTOR, login: "ops", name: "ci", scopes: ["job_instance:create"], expiresAt: new Date(Date.now() + 3600_000) });
    const readOnly = await createApiToken(t.db, { actor: SYSTEM_ACTOR, login: "ops", name: "ro", scopes: ["job_instance:read"], expiresAt: new Date(Date.now() + 3600_000) });
    l = await setNode({ authSimple: "token" }, (x) => simple(x).auth === "token");
    base = `http://127.0.0.1:${simple(l).port}/ws/simple`;
    expect((await enqueue({ authorization: `Bearer ${good.token}` })).status).toBe(200);
    expect((await enqueue({ authorization: `Bearer ${readOnly.token}` })).status).toBe(403);
    expect((await enqueue({ authorization: "Bearer jw_not-a-token" })).status).toBe(401);
    expect((await enqueue(basic("ops"))).status).toBe(401);
    await t.db.apiToken.update({ where: { tokenHash: (await t.db.apiToken.findFirstOrThrow({ where: { name: "ci" } })).tokenHash }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await enqueue({ authorization: `Bearer ${good.token}` })).status).toBe(401);
    await setNode({ authSimple: "none" }, (x) => simple(x).auth === "none");
  });

  it("serves TLS 1.2+ with and without a required client certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jobwarden-pki-"));
    const ca = await createCa({});
    const server = await createServerCertificate({ ca, commonName: "127.0.0.1", hosts: ["127.0.0.1", "localhost"] });
    const client = await createClientCertificate({ ca, login: "ops" });
    const caFiles = await writePem(dir, "ca", ca);
    const serverFiles = await writePem(dir, "server", server);
    let l = await setNode({ tlsEnabled: true, tlsCertPath: serverFiles.certPath, tlsKeyPath: serverFiles.keyPath }, (x) => simple(x).tls);
    let url = `https://127.0.0.1:${simple(l).port}/ws/simple/localnode/health`;
    expect(simple(l).tlsSubject).toContain("127.0.0.1");
    const trusting = new Agent({ connect: { ca: ca.certPem } });
    expect((await undiciFetch(url, { dispatcher: trusting })).status).toBe(200);
    await expect(undiciFetch(url)).rejects.toThrow();
    await expect(undiciFetch(url, { dispatcher: new Agent({ connect: { ca: ca.certPem, maxVersion: "TLSv1.1" } }) })).rejects.toThrow();
    await expect(fetch(url.replace("https", "http"))).rejects.toThrow();

    l = await setNode({ tlsCaPath: caFiles.certPath, authSimple: "certificate" }, (x) => simple(x).auth === "certificate");
    url = `https://127.0.0.1:${simple(l).port}/ws/simple`;
    const withCert = new Agent({ connect: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
    const enqueue = (dispatcher: Agent) =>
      undiciFetch(`${url}/ji`, { method: "POST", headers: formHeaders, body: form([["applicationname", "CurlDemo"]]), dispatcher });
    expect((await enqueue(withCert)).status).toBe(200);
    expect((await enqueue(trusting)).status).toBe(401);
    const other = await createClientCertificate({ ca: await createCa({ commonName: "Rogue CA" }), login: "ops" });
    expect((await enqueue(new Agent({ connect: { ca: ca.certPem, cert: other.certPem, key: other.keyPem } }))).status).toBe(401);
    await setNode({ tlsEnabled: false, tlsCaPath: null, authSimple: "none" }, (x) => !simple(x).tls && simple(x).auth === "none");
  });

  it("offers the management API on a 0600 Unix socket, and remotely only when a port is set", async () => {
    const socketPath = managementSocketPath(node.name);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ socketPath, path: "/mgmt/node" }, (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve(data));
      });
      req.on("error", reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ name: node.name, allPollersPolling: true });

    let l = await listeners();
    expect(l.some((x) => x.api === "mgmt")).toBe(false);
    l = await setNode({ mgmtRemotePort: 0, authMgmt: "basic" }, (x) => !!x.find((r) => r.api === "mgmt")?.port);
    const mgmt = `http://127.0.0.1:${l.find((r) => r.api === "mgmt")!.port}`;
    expect((await fetch(`${mgmt}/mgmt/node`)).status).toBe(401);
    expect((await fetch(`${mgmt}/mgmt/node`, { headers: basic("viewer") })).status).toBe(403);
    const metrics = await fetch(`${mgmt}/metrics`, { headers: basic("admin") });
    expect(await metrics.text()).toMatch(/jobwarden_running_jobs\{node="api-/);
    const pollers = await (await fetch(`${mgmt}/mgmt/pollers`, { headers: basic("admin") })).json();
    expect(pollers).toEqual([expect.objectContaining({ queue: "DEFAULT", actuallyPolling: true })]);
    await setNode({ mgmtRemotePort: null }, (x) => !x.some((r) => r.api === "mgmt"));
  });
});
