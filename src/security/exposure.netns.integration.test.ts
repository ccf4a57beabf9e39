// Exposure seen from a second host (issue 11). A node runs in a network namespace (the server host);
// another namespace (the client host) probes it with nmap, openssl s_client and curl, and for each
// exposure state what it reaches, and how, must equal what the Security page's JSON export says,
// once the node reported the change. Then a second node in that namespace, on the same PostgreSQL and
// with a disk of its own, serves a deliverable to the console over TLS with a token.
// Needs root (ip netns); runs once, in the SQLite pass, on a PostgreSQL server of its own that
// listens on the test link too.
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childProcessEnv, env } from "~/env";
import { type Db } from "~/server/db";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createApiToken } from "~/server/services/auth/api-tokens";
import { createNode } from "~/server/services/nodes/create-node";
import { PROXY_TOKEN_NAME } from "~/server/services/nodes/node-api-client";
import { HEARTBEAT_INTERVAL_MS } from "~/server/services/nodes/node-health";
import type { TUpdateNode } from "~/server/domain/node-parameters";
import { updateNode } from "~/server/services/nodes/update-node";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { getSecurityReport, toMeasurement, toNodeConfig } from "~/server/services/security/get-security-report";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { evaluateNode } from "~/security/evaluate";
import { createCa, createClientCertificate, createServerCertificate, writePem } from "~/security/pki";
import type { ApiExposure, SecurityReport } from "~/security/types";
import { type TestHosts, createTestHosts, missingTools, netnsUnavailable, run, startPgServerOn } from "~/test/netns";
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { probeHttp, probeTls, scanPorts } from "~/test/remote-probes";
import { type TestDb, createTestDb } from "~/test/test-db";

const skip = netnsUnavailable() ?? (env.TEST_DB === "postgresql" ? "it runs once, in the SQLite pass, on a PostgreSQL server of its own" : null);

const actor = { ...SYSTEM_ACTOR, login: "exposure-test" };
/** Run in reverse order in afterAll, whatever failed: nodes, database, PostgreSQL, namespaces. */
const cleanups: (() => unknown)[] = [];
let hosts: TestHosts;
let t: TestDb;
/** The test database as the nodes in the server host reach it: over the test link. */
let nodeDatabaseUrl: string;
let scratch: string;
let pki: { ca: string; nodeCert: string; nodeKey: string; clientCert: string; clientKey: string };
let auditor: { id: number; login: string; token: string };

async function cleanUp() {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch (err) {
      console.error("exposure test cleanup failed:", err);
    }
  }
}

/** A node process inside the server host's namespace; `prefix` runs before it (inside the namespace). */
function startInServerHost(name: string, prefix: string[] = []): NodeProcess {
  const p = startNodeProcess(name, nodeDatabaseUrl, {}, ["ip", "netns", "exec", hosts.server.ns, ...prefix]);
  cleanups.push(() => stopNodeProcess(p, "SIGKILL"));
  return p;
}

async function withOutput<T>(p: NodeProcess, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nnode ${p.name} output (end):\n${p.output().slice(-8000)}`);
  }
}

type NodeRow = Awaited<ReturnType<typeof loadNode>>;
const loadNode = (db: Db, id: number) => db.node.findUniqueOrThrow({ where: { id }, include: { report: true } });

/** The node's listeners match its parameters: no drift, no listener error, every enabled API measured. */
function applied(n: NodeRow) {
  const security = evaluateNode(toNodeConfig(n), toMeasurement(n), new Date(), HEARTBEAT_INTERVAL_MS);
  const unapplied = security.apis.flatMap((a) => a.findings).filter((f) => f.id.startsWith("drift.") || f.id === "listener.error");
  return unapplied.length === 0 && security.apis.every((a) => !a.enabled || a.measured !== null);
}

beforeAll(async () => {
  if (skip) return;
  const missing = missingTools();
  if (missing.length) throw new Error(`The exposure test needs: ${missing.join(", ")}`);
  hosts = createTestHosts();
  cleanups.push(hosts.remove);
  const pg = await startPgServerOn(hosts.console.address, hosts.consoleLink);
  cleanups.push(pg.remove);
  t = await createTestDb(pg.url());
  cleanups.push(() => t.drop());
  const url = new URL(t.url);
  url.hostname = hosts.console.address;
  nodeDatabaseUrl = url.toString();
  await initDatabase(t.db, { migrate: false });

  scratch = mkdtempSync(join(env.JOBWARDEN_HOME, "exposure-"));
  const user = await createUser(t.db, { actor, login: `auditor-${hosts.server.ns.slice(-6)}`, roles: ["administrator"] });
  const ca = await createCa({ commonName: "Exposure test CA", days: 2 });
  const node = await createServerCertificate({ ca, commonName: "exposure test nodes", hosts: [hosts.server.address, hosts.server.consoleFacing], days: 2 });
  const client = await createClientCertificate({ ca, login: user.user.login, days: 2 });
  const caFiles = await writePem(scratch, "ca", ca);
  const nodeFiles = await writePem(scratch, "node", node);
  const clientFiles = await writePem(scratch, "client", client);
  pki = { ca: caFiles.certPath, nodeCert: nodeFiles.certPath, nodeKey: nodeFiles.keyPath, clientCert: clientFiles.certPath, clientKey: clientFiles.keyPath };
  const { token } = await createApiToken(t.db, { actor, login: user.user.login, name: "exposure probe", scopes: ["node:read", "queue:read"], expiresAt: new Date(Date.now() + 3600_000) });
  auditor = { id: user.user.id, login: user.user.login, token };
}, 180_000);

afterAll(cleanUp, 120_000);

type NetworkApi = "simple" | "client" | "mgmt-remote";
const NETWORK_APIS: NetworkApi[] = ["simple", "client", "mgmt-remote"];
/** A GET on each API that needs authentication (node:read or queue:read) and answers 200 to the auditor. */
const PROBE_PATH: Record<NetworkApi, string> = { simple: "/ws/simple/enginelog?latest=1", client: "/ws/client/q", "mgmt-remote": "/mgmt/node" };

/** What a client on another host gets from one API. */
type Seen = { reachable: false } | { reachable: true; tls: boolean; clientCertificateRequested: boolean; auth: string };

/** What the export says another host gets: only "the network" is reachable from there. */
function exportedView(a: ApiExposure): Seen {
  if (a.reachableFrom !== "the network") return { reachable: false };
  const m = a.measured;
  if (!m) return { reachable: true, tls: false, clientCertificateRequested: false, auth: "not measured" };
  return { reachable: true, tls: m.tls, clientCertificateRequested: m.tls && m.auth === "certificate", auth: m.auth };
}

/** What the client host gets from one API on `port`, probed as an auditor would. */
async function probedView(api: NetworkApi, port: number): Promise<{ seen: Seen; withCredentials: number | null; notes: string }> {
  const { ns } = hosts.client;
  const address = hosts.server.address;
  const state = (await scanPorts(ns, address, [port]))[port];
  if (state !== "open") return { seen: { reachable: false }, withCredentials: null, notes: `nmap: ${port}/${state}` };
  const tls = await probeTls(ns, address, port, pki.ca);
  const url = `${tls.tls ? "https" : "http"}://${address}:${port}${PROBE_PATH[api]}`;
  const anonymous = await probeHttp(ns, url, { caFile: pki.ca });
  const notes = `nmap: ${port}/open; s_client: ${tls.tls ? `TLS, verified ${tls.verified}` : "no TLS"}; GET ${url} without credentials: ${anonymous.status || anonymous.error}`;
  // The port is shared with the simple API: the client REST API is there only when its routes are.
  if (api === "client" && anonymous.status === 404) return { seen: { reachable: false }, withCredentials: null, notes };
  if (tls.tls && !tls.verified) throw new Error(`the node's certificate did not verify against the test CA:\n${tls.output}`);
  let auth: string;
  if (anonymous.status >= 200 && anonymous.status < 300) auth = "none";
  else if (anonymous.status === 401 && /^basic/i.test(anonymous.wwwAuthenticate ?? "")) auth = "basic";
  else if (anonymous.status === 401 && /^bearer/i.test(anonymous.wwwAuthenticate ?? "")) auth = "token";
  else if (anonymous.status === 401 && tls.clientCertificateRequested) auth = "certificate";
  else auth = `unexpected answer ${anonymous.status || anonymous.error} ${anonymous.body.slice(0, 200)}`;
  const credentials = auth === "certificate" ? { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey } : { caFile: pki.ca, bearer: auditor.token };
  const withCredentials = auth === "none" ? null : (await probeHttp(ns, url, credentials)).status;
  return { seen: { reachable: true, tls: tls.tls, clientCertificateRequested: tls.clientCertificateRequested, auth }, withCredentials, notes };
}

describe("exposure seen from a second host", () => {
  it("for every exposure state, what the client host reaches equals the Security export, within one heartbeat of the change", async (ctx) => {
    if (skip) ctx.skip(skip);
    const created = await createNode(t.db, { actor, name: `exposed-${hosts.server.ns.slice(-6)}`, host: "127.0.0.1", port: 0 });
    const id = created.id;
    await updateNode(t.db, { actor, id, changes: { loadApiClient: true, mgmtRemotePort: 0, authSimple: "token", authClient: "token", authMgmt: "token" } });
    const node = startInServerHost(created.name);
    await withOutput(node, waitFor(`node ${created.name} to report its listeners`, async () => {
      const n = await loadNode(t.db, id);
      return n.report && applied(n);
    }, 90_000));

    /** Ports each API was last measured on: a closed API is probed where it was. */
    const lastPort: Partial<Record<NetworkApi, number>> = {};

    /** Changes the node's parameters as the console does and waits for the node's report of them. */
    async function change(label: string, changes: TUpdateNode) {
      await updateNode(t.db, { actor, id, changes, confirmExposure: true });
      // Taken once the change is committed: a report written later comes from a housekeeping cycle
      // that read the change, or from the one cycle that was under way when it was committed.
      const changedAt = new Date();
      const stale = new Set<string>();
      await withOutput(node, waitFor(`node ${created.name} to apply "${label}"`, async () => {
        const n = await loadNode(t.db, id);
        if (!n.report || n.report.reportedAt <= changedAt) return null;
        if (applied(n)) return n;
        stale.add(n.report.reportedAt.toISOString());
        return null;
      }, 60_000, 20));
      // Within one heartbeat: the cycle under way at the commit may report the old listeners once more,
      // the next one must report the new ones.
      expect(stale.size, `reports after "${label}" that still showed the old listeners: ${[...stale].join(", ")}`).toBeLessThanOrEqual(1);
    }

    /** Probes every network API from the client host and compares with the export and with what `label` should give. */
    async function check(label: string, expected: Record<NetworkApi, Seen>) {
      const report = JSON.parse(JSON.stringify((await getSecurityReport(t.db)).report)) as SecurityReport;
      const exported = report.nodes.find((n) => n.node === created.name);
      expect(exported, `the export has no node ${created.name}`).toBeDefined();
      expect(exported!.health).toBe("reporting");
      const exportedSeen = {} as Record<NetworkApi, Seen>;
      const probedSeen = {} as Record<NetworkApi, Seen>;
      const notes: string[] = [];
      for (const api of NETWORK_APIS) {
        const exposure = exported!.apis.find((a) => a.api === api)!;
        if (exposure.measured?.port) lastPort[api] = exposure.measured.port;
        const port = lastPort[api];
        expect(port, `${api}: never measured on a port`).toBeGreaterThan(0);
        exportedSeen[api] = exportedView(exposure);
        const probed = await probedView(api, port!);
        probedSeen[api] = probed.seen;
        notes.push(`${api}: ${probed.notes}`);
        // Credentials of the mode the export names are accepted: the auth is real, not just a refusal.
        if (probed.withCredentials !== null) expect(probed.withCredentials, `${label}, ${api}: the auditor's credentials were refused (${probed.notes})`).toBe(200);
      }
      expect({ exported: exportedSeen, probed: probedSeen }, `${label}\n${notes.join("\n")}`).toEqual({ exported: expected, probed: expected });
    }

    const closed: Seen = { reachable: false };
    const plainToken: Seen = { reachable: true, tls: false, clientCertificateRequested: false, auth: "token" };
    const tlsToken: Seen = { reachable: true, tls: true, clientCertificateRequested: false, auth: "token" };
    const tlsCertificate: Seen = { reachable: true, tls: true, clientCertificateRequested: true, auth: "certificate" };

    await check("loopback only", { simple: closed, client: closed, "mgmt-remote": closed });
    // Not reachable from the other host, yet listening on the server host itself: the export's "this host only".
    const onServerHost = await probeHttp(hosts.server.ns, `http://127.0.0.1:${lastPort.simple}${PROBE_PATH.simple}`);
    expect(onServerHost.status, `GET on the server host's loopback: ${onServerHost.error}`).toBe(401);

    await change("all interfaces with authentication", { host: "0.0.0.0" });
    await check("all interfaces with authentication", { simple: plainToken, client: plainToken, "mgmt-remote": plainToken });

    await change("REST API and remote management off", { loadApiClient: false, mgmtRemotePort: null });
    await check("REST API and remote management off", { simple: plainToken, client: closed, "mgmt-remote": closed });

    await change("TLS, REST API and remote management on", { tlsEnabled: true, tlsCertPath: pki.nodeCert, tlsKeyPath: pki.nodeKey, loadApiClient: true, mgmtRemotePort: 0 });
    await check("TLS, REST API and remote management on", { simple: tlsToken, client: tlsToken, "mgmt-remote": tlsToken });

    await change("TLS with client certificates", { tlsCaPath: pki.ca, authSimple: "certificate", authClient: "certificate", authMgmt: "certificate" });
    await check("TLS with client certificates", { simple: tlsCertificate, client: tlsCertificate, "mgmt-remote": tlsCertificate });

    await change("back to loopback only", { host: "127.0.0.1" });
    await check("back to loopback only", { simple: closed, client: closed, "mgmt-remote": closed });
  }, 300_000);

  it("a second node in the server host, on the same PostgreSQL, serves its deliverable to the console over TLS with a token", async (ctx) => {
    if (skip) ctx.skip(skip);
    const suffix = hosts.server.ns.slice(-6);
    const created = await createNode(t.db, { actor, name: `remote-${suffix}`, host: hosts.server.consoleFacing, port: 0 });
    await updateNode(t.db, { actor, id: created.id, changes: { tlsEnabled: true, tlsCertPath: pki.nodeCert, tlsKeyPath: pki.nodeKey, authSimple: "token" }, confirmExposure: true });
    const queue = await t.db.queue.create({ data: { name: `remote-${suffix}` } });
    await t.db.queueMapping.deleteMany({ where: { nodeId: created.id } });
    await t.db.queueMapping.create({ data: { nodeId: created.id, queueId: queue.id, maxThreads: 1, pollingIntervalMs: 200 } });
    const applicationName = `RemoteDeliverable-${suffix}`;
    await t.db.jobDef.create({
      data: { applicationName, payloadType: "shell", queueId: queue.id, parameters: {}, path: `printf 'run %s \\001\\377\\000 done\\n' "$JQM_JI_ID" > "$JQM_JI_DELIVERY_DIR/report.bin"` },
    });

    // The node's directories are on a disk only it sees (a tmpfs in its own mount namespace), as on
    // another host: the console cannot read the file and must fetch it through the node's API.
    const home = join(env.JOBWARDEN_HOME, "nodes", created.name);
    mkdirSync(home, { recursive: true });
    const node = startInServerHost(created.name, ["sh", "-c", 'mount -t tmpfs -o mode=0750 jobwarden-remote "$0" && exec "$@"', home]);
    await withOutput(node, waitFor(`node ${created.name} to listen with TLS on ${hosts.server.consoleFacing}`, async () => {
      const n = await loadNode(t.db, created.id);
      return n.report && applied(n);
    }, 90_000));
    const report = (await getSecurityReport(t.db)).report.nodes.find((n) => n.node === created.name)!;
    expect(report.apis.find((a) => a.api === "simple")).toMatchObject({ reachableFrom: "the network", anonymousAllowed: false, measured: { address: hosts.server.consoleFacing, tls: true, auth: "token" } });

    const { id: runId } = await enqueueRun(t.db, { applicationName });
    const ended = await withOutput(node, waitFor(`run ${runId} to end`, () => t.db.history.findUnique({ where: { id: runId } }), 90_000));
    expect(ended).toMatchObject({ state: "ENDED", nodeName: created.name });
    const deliverable = await t.db.deliverable.findFirstOrThrow({ where: { jobInstanceId: runId } });
    const expected = Buffer.concat([Buffer.from(`run ${runId} `), Buffer.from([1, 255, 0]), Buffer.from(" done\n")]);
    expect(existsSync(join(created.deliverablesDir, deliverable.storedPath)), "the deliverable must not be on the console's disk").toBe(false);

    /** The console, in a process of its own whose environment may trust the test CA. */
    const download = async (extraCa: boolean) => {
      const body = join(scratch, `download-${extraCa}`);
      const r = await run(
        process.execPath,
        ["--import", "tsx", "src/test/console-download.ts", String(auditor.id), deliverable.downloadId, body],
        120_000,
        childProcessEnv({ DATABASE_URL: t.url, JOBWARDEN_HOME: env.JOBWARDEN_HOME, LOG_LEVEL: "warn", ...(extraCa ? { NODE_EXTRA_CA_CERTS: pki.ca } : {}) }),
      );
      const line = r.stdout.trim().split("\n").at(-1) ?? "";
      if (r.code !== 0 || !line.startsWith("{")) throw new Error(`the console download failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
      return { ...(JSON.parse(line) as { status: number; headers: Record<string, string> }), body: readFileSync(body) };
    };

    // A console that does not trust the node's CA refuses the node: TLS is really verified.
    const untrusted = await download(false);
    expect(untrusted.status).toBe(502);
    expect(untrusted.body.toString()).toMatch(/TLS certificate of node .* is not trusted/);

    const trusted = await download(true);
    expect(trusted.status, trusted.body.toString()).toBe(200);
    expect(trusted.body.equals(expected), `got ${JSON.stringify(trusted.body.toString("latin1"))}`).toBe(true);
    const audited = await t.db.auditEvent.findFirst({ where: { action: "files.download", objectId: String(deliverable.id) }, orderBy: { id: "desc" } });
    expect(audited).toMatchObject({ login: auditor.login, after: { via: "node-api", node: created.name } });
    const token = await t.db.apiToken.findFirst({ where: { userId: auditor.id, name: PROXY_TOKEN_NAME } });
    expect(token, "the console must call the node with a token of the user").not.toBeNull();
    expect(token!.scopes).toEqual(["files:read"]);
  }, 300_000);
});
