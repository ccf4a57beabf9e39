import { describe, expect, it } from "vitest";
import { evaluateCluster, evaluateConsole, evaluateNode, FINDING_IDS, type FindingId, jobDefinitionAuthors, previewExposure, reachOf, summarise, worst } from "./evaluate";
import type { ApiExposure, ApiKind, ConsoleSettings, Finding, NodeConfig, NodeSecurity, Risk } from "./types";
import type { ListenerReport, MeasuredPaths, NodeMeasurement } from "~/server/domain/node-config";
import { isLoopbackAddress } from "~/server/domain/addresses";

const NOW = new Date("2026-11-15T12:00:00.000Z");
const HB = 5_000;
const DAY_MS = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const later = (ms: number) => new Date(NOW.getTime() + ms);

// ---------------------------------------------------------------------------------------------
// Baseline: loopback, simple API only, auth none, REST and remote management off, safe modes.
// ---------------------------------------------------------------------------------------------

function baseConfig(changes: Partial<NodeConfig> = {}): NodeConfig {
  return {
    name: "node1",
    host: "127.0.0.1",
    port: 1789,
    loadApiClient: false,
    mgmtRemotePort: null,
    tlsEnabled: false,
    tlsCertPath: null,
    tlsKeyPath: null,
    tlsCaPath: null,
    authSimple: "none",
    authClient: "basic",
    authMgmt: "basic",
    anonymousConfirmed: false,
    enabled: true,
    lastSeenAlive: ago(1_000),
    updatedAt: ago(DAY_MS),
    payloadUser: "jobwarden-payload",
    ...changes,
  };
}

const HOME = "/srv/jobwarden";
/** init's root-password.txt, still there. */
const rootPasswordLeft = (mode = "0600") => ({ path: `${HOME}/root-password`, mode, uid: 1000, gid: 1000, kind: "file" as const });

function safePaths(): MeasuredPaths {
  const dir = (path: string) => ({ path, mode: "0750", uid: 1000, gid: 1000, kind: "dir" as const });
  const file = (path: string) => ({ path, mode: "0600", uid: 1000, gid: 1000, kind: "file" as const });
  return {
    root: dir(HOME),
    jobs: dir(`${HOME}/nodes/node1/jobs`),
    deliverables: dir(`${HOME}/nodes/node1/deliverables`),
    tmp: dir(`${HOME}/nodes/node1/tmp`),
    logs: dir(`${HOME}/nodes/node1/logs`),
    database: file(`${HOME}/jobwarden.db`),
    sessionSecret: file(`${HOME}/session-secret`),
    // No rootPassword: a safe install has none left (its mere presence is a finding).
    envFile: file("/opt/jobwarden/.env"),
    tlsKey: file(`${HOME}/pki/node1.key`),
  };
}

/** What NodeApiServer reports once it applied `config` (mirrors its open()). */
function listenersFor(config: NodeConfig, notAfter = later(365 * DAY_MS)): ListenerReport[] {
  const tls = config.tlsEnabled && !!config.tlsCertPath && !!config.tlsKeyPath;
  const describeTls = tls ? { tlsSubject: `CN=${config.name}`, tlsNotAfter: notAfter.toISOString(), clientCertificates: !!config.tlsCaPath } : {};
  const tcp = (api: "simple" | "client" | "mgmt", port: number, auth: NodeConfig["authSimple"]): ListenerReport => ({
    api,
    address: config.host,
    port,
    tls,
    auth,
    anonymousFromNetwork: auth === "none" && config.anonymousConfirmed && !isLoopbackAddress(config.host),
    ...describeTls,
  });
  return [
    tcp("simple", config.port, config.authSimple),
    ...(config.loadApiClient ? [tcp("client", config.port, config.authClient)] : []),
    { api: "mgmt-local", address: null, port: null, socketPath: `${HOME}/run/${config.name}/mgmt.sock`, tls: false, auth: "socket-permissions", anonymousFromNetwork: false },
    ...(config.mgmtRemotePort !== null ? [tcp("mgmt", config.mgmtRemotePort, config.authMgmt)] : []),
  ];
}

function measured(config: NodeConfig, changes: Partial<NodeMeasurement> = {}): NodeMeasurement {
  return { reportedAt: ago(1_000), state: "running", listeners: listenersFor(config), paths: safePaths(), ...changes };
}

/** The node after it applied `config` (report fresh, configured = measured). */
function applied(changes: Partial<NodeConfig> = {}, measurementChanges: Partial<NodeMeasurement> = {}): NodeSecurity {
  const config = baseConfig(changes);
  return evaluateNode(config, measured(config, measurementChanges), NOW, HB);
}

function allFindings(n: NodeSecurity): Finding[] {
  return [...n.apis.flatMap((a) => a.findings), ...n.surfaces, ...n.drift];
}
function exposure(n: NodeSecurity, api: ApiKind): ApiExposure {
  const e = n.apis.find((a) => a.api === api);
  if (!e) throw new Error(`no ${api} exposure`);
  return e;
}
function findingsWith(list: Finding[], id: string) {
  return list.filter((f) => f.id === id);
}
/** The finding exists exactly once, with that risk, and names an action. */
function expectFinding(list: Finding[], id: string, risk: Risk): Finding {
  const found = findingsWith(list, id);
  expect(found, `${id} in ${JSON.stringify(list.map((f) => f.id))}`).toHaveLength(1);
  expect(found[0]!.risk).toBe(risk);
  expect(found[0]!.title.length).toBeGreaterThan(10);
  expect(found[0]!.remediation.length).toBeGreaterThan(10);
  return found[0]!;
}
function idsOf(n: NodeSecurity) {
  return allFindings(n).map((f) => f.id);
}

describe("baseline", () => {
  it("a loopback node with the simple API only has no findings and every API ok", () => {
    const n = applied();
    expect(allFindings(n)).toEqual([]);
    expect(n.health).toBe("reporting");
    expect(n.risk).toBe("ok");
    expect(n.counts).toEqual({ ok: 0, warning: 0, critical: 0 });
    expect(n.apis.map((a) => [a.api, a.enabled, a.reachableFrom, a.anonymousAllowed, a.risk])).toEqual([
      ["simple", true, "this host only", true, "ok"],
      ["client", false, "nobody", false, "ok"],
      ["mgmt-local", true, "this host only", false, "ok"],
      ["mgmt-remote", false, "nobody", false, "ok"],
    ]);
    expect(exposure(n, "simple").configured).toEqual({ address: "127.0.0.1", port: 1789, tls: false, auth: "none" });
    expect(exposure(n, "simple").measured).toEqual({ address: "127.0.0.1", port: 1789, tls: false, auth: "none" });
    expect(exposure(n, "client").configured).toBeNull();
    expect(exposure(n, "client").measured).toBeNull();
    expect(exposure(n, "mgmt-local").configured).toEqual({ address: null, port: null, tls: false, auth: "socket-permissions" });
    expect(exposure(n, "mgmt-local").measured).toMatchObject({ socketPath: `${HOME}/run/node1/mgmt.sock`, auth: "socket-permissions" });
  });
});

describe("acceptance: the REST API switched on for all interfaces with no auth", () => {
  const change = { loadApiClient: true, host: "0.0.0.0", authClient: "none" as const, updatedAt: NOW };

  it("is critical at once, before the node applied it, with the remediation", () => {
    const config = baseConfig(change);
    const n = evaluateNode(config, measured(baseConfig()), NOW, HB);
    const client = exposure(n, "client");
    expect(client.enabled).toBe(true);
    expect(client.reachableFrom).toBe("the network");
    expect(client.anonymousAllowed).toBe(true);
    expect(client.risk).toBe("critical");
    const f = expectFinding(client.findings, "api.network-anonymous", "critical");
    expect(f.remediation).toMatch(/127\.0\.0\.1/);
    expect(f.remediation).toMatch(/authClient/);
    expectFinding(client.findings, "drift.pending", "warning");
    expect(n.risk).toBe("critical");
  });

  it("stays critical once the node listens on 0.0.0.0, even though anonymousConfirmed is false", () => {
    const n = applied(change);
    const client = exposure(n, "client");
    expect(client.measured).toMatchObject({ address: "0.0.0.0", auth: "none" });
    expectFinding(client.findings, "api.network-anonymous", "critical");
    expect(findingsWith(client.findings, "drift.pending")).toEqual([]);
  });

  it("is ok bound to 127.0.0.1 with token auth", () => {
    const n = applied({ ...change, host: "127.0.0.1", authClient: "token" });
    const client = exposure(n, "client");
    expect(client.reachableFrom).toBe("this host only");
    expect(client.anonymousAllowed).toBe(false);
    expect(client.risk).toBe("ok");
    expect(client.findings).toEqual([]);
  });
});

describe("exposure rules", () => {
  it("simple API on the network with auth none: a warning while anonymous network calls are refused", () => {
    const n = applied({ host: "0.0.0.0" });
    const simple = exposure(n, "simple");
    expect(simple.reachableFrom).toBe("the network");
    expectFinding(simple.findings, "api.network-anonymous-refused", "warning");
    expect(findingsWith(simple.findings, "api.network-anonymous")).toEqual([]);
    expect(simple.risk).toBe("warning");
  });

  it("simple API on the network with auth none: critical once anonymous network calls are confirmed", () => {
    const n = applied({ host: "0.0.0.0", anonymousConfirmed: true });
    const simple = exposure(n, "simple");
    expect(simple.measured).toMatchObject({ address: "0.0.0.0" });
    expectFinding(simple.findings, "api.network-anonymous", "critical");
    expect(findingsWith(simple.findings, "api.network-anonymous-refused")).toEqual([]);
  });

  it("anonymousConfirmed on loopback changes nothing", () => {
    expect(allFindings(applied({ anonymousConfirmed: true }))).toEqual([]);
  });

  it("an IPv6 wildcard or a LAN address is the network; ::1 and localhost are not", () => {
    for (const host of ["::", "192.168.1.20", "node1.example.org"]) expect(exposure(applied({ host }), "simple").reachableFrom).toBe("the network");
    for (const host of ["::1", "localhost", "127.0.1.1"]) {
      const n = applied({ host });
      expect(exposure(n, "simple").reachableFrom).toBe("this host only");
      expect(allFindings(n)).toEqual([]);
    }
  });

  it("remote management anonymous on the network is critical", () => {
    const n = applied({ mgmtRemotePort: 1790, host: "0.0.0.0", authMgmt: "none", authSimple: "token", tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" });
    const mgmt = exposure(n, "mgmt-remote");
    expect(mgmt.enabled).toBe(true);
    expect(mgmt.measured).toMatchObject({ address: "0.0.0.0", port: 1790 });
    const f = expectFinding(mgmt.findings, "api.network-anonymous", "critical");
    expect(f.title).toMatch(/arbitrary code/);
    expect(f.remediation).toMatch(/authMgmt/);
    expect(f.remediation).toMatch(/mgmtRemotePort/);
    expect(exposure(n, "simple").findings).toEqual([]);
  });

  it("remote management on loopback with basic auth is ok", () => {
    const n = applied({ mgmtRemotePort: 1790 });
    expect(exposure(n, "mgmt-remote").reachableFrom).toBe("this host only");
    expect(allFindings(n)).toEqual([]);
  });

  it("basic or token auth without TLS on the network is a warning; with TLS it is ok", () => {
    for (const authSimple of ["basic", "token"] as const) {
      const f = expectFinding(exposure(applied({ host: "0.0.0.0", authSimple }), "simple").findings, "api.cleartext-credentials", "warning");
      expect(f.remediation).toMatch(/jobwarden pki node node1/);
      expect(f.remediation).toMatch(/tlsEnabled/);
    }
    const tls = applied({ host: "0.0.0.0", authSimple: "token", tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" });
    expect(allFindings(tls)).toEqual([]);
    expect(allFindings(applied({ authSimple: "basic" }))).toEqual([]);
  });

  it("certificate auth without TLS, or without a CA, is a warning: every call is refused", () => {
    const noTls = applied({ authSimple: "certificate" });
    expect(expectFinding(exposure(noTls, "simple").findings, "api.certificate-unusable", "warning").title).toMatch(/TLS is off/);
    const noCa = applied({ authSimple: "certificate", tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" });
    expect(expectFinding(exposure(noCa, "simple").findings, "api.certificate-unusable", "warning").title).toMatch(/tlsCaPath/);
    const ready = applied({ host: "0.0.0.0", authSimple: "certificate", tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem", tlsCaPath: "/ca.pem" });
    expect(allFindings(ready)).toEqual([]);
  });

  it("tlsEnabled without its PEM files is a warning: the node serves plain HTTP", () => {
    const n = applied({ tlsEnabled: true, tlsKeyPath: "/k.pem" });
    const f = expectFinding(exposure(n, "simple").findings, "tls.incomplete", "warning");
    expect(f.title).toMatch(/tlsCertPath/);
    expect(exposure(n, "simple").configured?.tls).toBe(false);
  });

  it("a listener that could not open is a warning naming the error", () => {
    const config = baseConfig();
    const listeners = listenersFor(config).map((l) => (l.api === "simple" ? { ...l, error: "listen EADDRINUSE: address already in use 127.0.0.1:1789" } : l));
    const n = evaluateNode(config, measured(config, { listeners }), NOW, HB);
    const f = expectFinding(exposure(n, "simple").findings, "listener.error", "warning");
    expect(f.title).toMatch(/EADDRINUSE/);
    expect(exposure(n, "simple").measured?.error).toMatch(/EADDRINUSE/);
  });
});

describe("TLS certificate expiry (measured)", () => {
  const tlsConfig = baseConfig({ tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" });
  const at = (notAfter: Date) => evaluateNode(tlsConfig, measured(tlsConfig, { listeners: listenersFor(tlsConfig, notAfter) }), NOW, HB);

  it("expired is critical", () => {
    const n = at(ago(1));
    expectFinding(exposure(n, "simple").findings, "tls.expired", "critical");
    expect(exposure(n, "simple").measured?.tlsNotAfter).toBe(ago(1).toISOString());
  });
  it("expiring within 30 days is a warning, up to the boundary", () => {
    expectFinding(exposure(at(later(1)), "simple").findings, "tls.expiring", "warning");
    expectFinding(exposure(at(later(30 * DAY_MS)), "simple").findings, "tls.expiring", "warning");
  });
  it("more than 30 days left is ok", () => {
    expect(allFindings(at(later(30 * DAY_MS + 1)))).toEqual([]);
  });
});

describe("drift", () => {
  const moved = (updatedAt: Date) => {
    const config = baseConfig({ port: 1800, updatedAt });
    return evaluateNode(config, measured(baseConfig()), NOW, HB);
  };

  it("a change younger than two heartbeats is pending", () => {
    const n = moved(ago(2 * HB));
    const f = expectFinding(exposure(n, "simple").findings, "drift.pending", "warning");
    expect(f.title).toMatch(/not yet applied/);
    expect(f.title).toMatch(/port 1800 configured, 1789 measured/);
    expect(findingsWith(allFindings(n), "drift.mismatch")).toEqual([]);
  });

  it("an older one is a mismatch", () => {
    const n = moved(ago(2 * HB + 1));
    expectFinding(exposure(n, "simple").findings, "drift.mismatch", "warning");
    expect(findingsWith(allFindings(n), "drift.pending")).toEqual([]);
  });

  it("compares TLS and auth too, and ignores a configured port 0", () => {
    const config = baseConfig({ authSimple: "token" });
    const n = evaluateNode(config, measured(baseConfig()), NOW, HB);
    expect(expectFinding(exposure(n, "simple").findings, "drift.mismatch", "warning").title).toMatch(/auth token configured, none measured/);
    const anyPort = baseConfig({ port: 0 });
    expect(allFindings(evaluateNode(anyPort, measured(baseConfig()), NOW, HB))).toEqual([]);
  });

  it("an enabled API the node does not listen on is a mismatch after two heartbeats", () => {
    const config = baseConfig({ loadApiClient: true });
    const n = evaluateNode(config, measured(baseConfig()), NOW, HB);
    const client = exposure(n, "client");
    expect(client.reachableFrom).toBe("this host only");
    expect(expectFinding(client.findings, "drift.mismatch", "warning").title).toMatch(/does not listen/);
  });

  it("an API off in the configuration but listening is critical", () => {
    const n = evaluateNode(baseConfig(), measured(baseConfig({ loadApiClient: true })), NOW, HB);
    const client = exposure(n, "client");
    expect(client.enabled).toBe(false);
    expect(client.reachableFrom).toBe("this host only");
    expect(client.risk).toBe("critical");
    expect(expectFinding(client.findings, "drift.disabled-but-listening", "critical").title).toMatch(/believed off/);
  });

  it("... but only pending within two heartbeats of switching it off", () => {
    const n = evaluateNode(baseConfig({ updatedAt: ago(HB) }), measured(baseConfig({ loadApiClient: true })), NOW, HB);
    expectFinding(exposure(n, "client").findings, "drift.pending", "warning");
    expect(findingsWith(allFindings(n), "drift.disabled-but-listening")).toEqual([]);
  });

  it("a disabled API still listening keeps its measured exposure findings", () => {
    const n = evaluateNode(baseConfig(), measured(baseConfig({ mgmtRemotePort: 1790, host: "0.0.0.0", authMgmt: "none" })), NOW, HB);
    const mgmt = exposure(n, "mgmt-remote");
    expect(mgmt.reachableFrom).toBe("the network");
    expect(mgmt.anonymousAllowed).toBe(true);
    expectFinding(mgmt.findings, "drift.disabled-but-listening", "critical");
    expectFinding(mgmt.findings, "api.network-anonymous", "critical");
  });
});

describe("node health", () => {
  it("a report exactly three heartbeats old is still fresh", () => {
    const n = applied({}, { reportedAt: ago(3 * HB) });
    expect(n.health).toBe("reporting");
    expect(allFindings(n)).toEqual([]);
  });

  it("an older report from a running node is stale", () => {
    const n = applied({}, { reportedAt: ago(3 * HB + 1) });
    expect(n.health).toBe("stale");
    expect(expectFinding(n.drift, "node.stale", "warning").title).toMatch(/out of date/);
    expect(n.risk).toBe("warning");
  });

  it("a cleanly stopped node is ok, said, and nothing listens", () => {
    const n = applied({ loadApiClient: true }, { state: "stopped", listeners: [], reportedAt: ago(DAY_MS) });
    expect(n.health).toBe("stopped");
    expectFinding(n.drift, "node.stopped", "ok");
    expect(n.risk).toBe("ok");
    expect(n.counts).toEqual({ ok: 1, warning: 0, critical: 0 });
    expect(n.apis.map((a) => a.reachableFrom)).toEqual(["nobody", "nobody", "nobody", "nobody"]);
    expect(idsOf(n)).toEqual(["node.stopped"]);
  });

  it("a node that never reported is a warning; enabled APIs are unknown, and its configuration is still evaluated", () => {
    const n = evaluateNode(baseConfig(), null, NOW, HB);
    expect(n.health).toBe("never reported");
    expectFinding(n.drift, "node.never-reported", "warning");
    expect(n.surfaces).toEqual([]);
    expect(n.apis.map((a) => a.reachableFrom)).toEqual(["unknown", "nobody", "unknown", "nobody"]);
    expect(n.apis.every((a) => a.measured === null)).toBe(true);

    const open = evaluateNode(baseConfig({ loadApiClient: true, host: "0.0.0.0", authClient: "none" }), null, NOW, HB);
    expectFinding(exposure(open, "client").findings, "api.network-anonymous", "critical");
  });
});

describe("surfaces: file modes", () => {
  const withPath = (key: keyof MeasuredPaths, mode: string) => {
    const paths = safePaths();
    const p = paths[key] ?? (key === "rootPassword" ? rootPasswordLeft() : undefined);
    if (!p || "missing" in p) throw new Error(key);
    paths[key] = { ...p, mode };
    return applied({}, { paths });
  };
  const surfaceIds = (n: NodeSecurity) => n.surfaces.map((f) => f.id);

  it("jobs writable by others or group is critical; 0755 is fine", () => {
    const f = expectFinding(withPath("jobs", "0777").surfaces, "path.jobs-writable", "critical");
    expect(f.remediation).toBe(`Run chmod go-w ${HOME}/nodes/node1/jobs.`);
    expect(f.title).toMatch(/code execution/);
    expectFinding(withPath("jobs", "0770").surfaces, "path.jobs-writable", "critical");
    expect(surfaceIds(withPath("jobs", "0755"))).toEqual([]);
  });

  it("the install root writable by group or others is critical", () => {
    expectFinding(withPath("root", "0757").surfaces, "path.root-writable", "critical");
    expect(surfaceIds(withPath("root", "0755"))).toEqual([]);
  });

  it("deliverables and tmp writable by others are warnings; group write is fine", () => {
    expectFinding(withPath("deliverables", "0757").surfaces, "path.deliverables-writable", "warning");
    expectFinding(withPath("tmp", "1777").surfaces, "path.tmp-writable", "warning");
    expect(surfaceIds(withPath("deliverables", "0775"))).toEqual([]);
    expect(surfaceIds(withPath("tmp", "0770"))).toEqual([]);
  });

  it("logs writable or readable by others are warnings", () => {
    expectFinding(withPath("logs", "0752").surfaces, "path.logs-writable", "warning");
    expect(expectFinding(withPath("logs", "0754").surfaces, "path.logs-readable", "warning").title).toMatch(/sensitive/);
    expect(surfaceIds(withPath("logs", "0750"))).toEqual([]);
  });

  it("credentials files readable by group or others are critical; 0600 is fine", () => {
    const cases = [
      ["database", "path.database-readable"],
      ["sessionSecret", "path.session-secret-readable"],
      ["rootPassword", "path.root-password-readable"],
      ["envFile", "path.env-file-readable"],
      ["tlsKey", "path.tls-key-readable"],
    ] as const;
    for (const [key, id] of cases) {
      expect(expectFinding(withPath(key, "0644").surfaces, id, "critical").remediation).toMatch(/^Run chmod 600 \//);
      expectFinding(withPath(key, "0640").surfaces, id, "critical");
      expect(surfaceIds(withPath(key, "0600")).filter((f) => f !== "path.root-password-present")).toEqual([]);
    }
    expect(withPath("envFile", "0644").surfaces[0]!.remediation).toBe("Run chmod 600 /opt/jobwarden/.env.");
  });

  it("the first root password file, while it exists, is a warning saying how it goes away", () => {
    const f = expectFinding(withPath("rootPassword", "0600").surfaces, "path.root-password-present", "warning");
    expect(f.title).toBe(`The first root password file ${HOME}/root-password of node node1 still exists: it holds root's password in clear`);
    expect(f.remediation).toMatch(/^Sign in as root and reset root's password \(Users → root → Reset password, shown once\): the file is then removed\. Or delete it: rm \/srv\/jobwarden\/root-password /);
    expect(surfaceIds(applied())).toEqual([]);
  });

  it("missing root, jobs or logs is a warning; missing optional files and unmeasured keys are not findings", () => {
    for (const [key, id] of [
      ["root", "path.root-missing"],
      ["jobs", "path.jobs-missing"],
      ["logs", "path.logs-missing"],
    ] as const) {
      const paths = safePaths();
      paths[key] = { path: `/gone/${key}`, missing: true };
      expectFinding(applied({}, { paths }).surfaces, id, "warning");
    }
    const optional = safePaths();
    for (const key of ["deliverables", "tmp", "database", "sessionSecret", "rootPassword", "envFile", "tlsKey"] as const) optional[key] = { path: `/gone/${key}`, missing: true };
    expect(applied({}, { paths: optional }).surfaces).toEqual([]);
    expect(applied({}, { paths: {} }).surfaces).toEqual([]);
  });
});

describe("console", () => {
  function baseConsole(changes: Partial<ConsoleSettings> = {}): ConsoleSettings {
    const paths = safePaths();
    return {
      host: "127.0.0.1",
      port: 3000,
      publicUrl: "http://127.0.0.1:3000",
      sessionSecretSource: "file",
      sessionSecretLength: 64,
      sessionMaxAgeSeconds: 8 * 3600,
      database: { kind: "sqlite", file: `${HOME}/jobwarden.db` },
      paths: { root: paths.root, database: paths.database, sessionSecret: paths.sessionSecret, rootPassword: paths.rootPassword, envFile: paths.envFile },
      ...changes,
    };
  }
  const consoleFindings = (c: ReturnType<typeof evaluateConsole>) => [...c.apis.flatMap((a) => a.findings), ...c.surfaces];
  const pg = (host: string, sslmode: string | null, passwordInUrl = false) => evaluateConsole(baseConsole({ database: { kind: "postgresql", host, sslmode, passwordInUrl } }));

  it("the baseline console is ok", () => {
    const c = evaluateConsole(baseConsole());
    expect(consoleFindings(c)).toEqual([]);
    expect(c.risk).toBe("ok");
    expect(c.counts).toEqual({ ok: 0, warning: 0, critical: 0 });
    expect(c.apis).toHaveLength(1);
    expect(c.apis[0]).toMatchObject({ node: "console", api: "console", enabled: true, reachableFrom: "this host only", anonymousAllowed: false, risk: "ok" });
  });

  it("on the network over plain HTTP is critical", () => {
    const c = evaluateConsole(baseConsole({ host: "0.0.0.0", publicUrl: "http://jobs.example.org:3000" }));
    expect(c.apis[0]!.reachableFrom).toBe("the network");
    const f = expectFinding(c.apis[0]!.findings, "console.cleartext", "critical");
    expect(f.remediation).toMatch(/NEXTAUTH_URL=https:\/\//);
    expect(f.remediation).toMatch(/CONSOLE_HOST=127\.0\.0\.1/);
    expect(c.risk).toBe("critical");
  });

  it("on the network behind https is ok", () => {
    const c = evaluateConsole(baseConsole({ host: "0.0.0.0", publicUrl: "https://jobs.example.org/" }));
    expect(consoleFindings(c)).toEqual([]);
    expect(c.apis[0]!.configured?.tls).toBe(true);
  });

  it("a session secret shorter than 32 characters from the environment is critical", () => {
    expectFinding(evaluateConsole(baseConsole({ sessionSecretSource: "environment", sessionSecretLength: 31 })).apis[0]!.findings, "console.session-secret-short", "critical");
    expect(consoleFindings(evaluateConsole(baseConsole({ sessionSecretSource: "environment", sessionSecretLength: 32 })))).toEqual([]);
    expect(consoleFindings(evaluateConsole(baseConsole({ sessionSecretSource: "file", sessionSecretLength: 16 })))).toEqual([]);
  });

  it("sessions that can last longer than 24 h (absolute lifetime) are a warning", () => {
    expect(expectFinding(evaluateConsole(baseConsole({ sessionMaxAgeSeconds: 86_401 })).apis[0]!.findings, "console.session-max-age", "warning").remediation).toMatch(
      /SESSION_ABSOLUTE_MAX_AGE_SECONDS=/,
    );
    expect(consoleFindings(evaluateConsole(baseConsole({ sessionMaxAgeSeconds: 86_400 })))).toEqual([]);
  });

  it("a remote PostgreSQL without TLS is critical", () => {
    for (const sslmode of [null, "disable", "allow", "prefer"]) {
      expect(expectFinding(pg("db.example.org", sslmode).surfaces, "database.cleartext", "critical").remediation).toMatch(/sslmode=verify-full/);
    }
  });

  it("sslmode=require on a remote host is a warning; verify-ca and verify-full are ok", () => {
    expectFinding(pg("db.example.org", "require").surfaces, "database.unverified-tls", "warning");
    expect(pg("db.example.org", "verify-full").surfaces).toEqual([]);
    expect(pg("db.example.org", "verify-ca").surfaces).toEqual([]);
  });

  it("a loopback or Unix-socket PostgreSQL needs no TLS", () => {
    for (const host of ["localhost", "127.0.0.1", "::1", "/var/run/postgresql"]) expect(pg(host, "disable").surfaces).toEqual([]);
  });

  it("a password in DATABASE_URL is a warning", () => {
    expect(expectFinding(pg("localhost", null, true).surfaces, "database.password-in-url", "warning").remediation).toMatch(/PGPASSFILE/);
  });

  it("the console's files follow the same path rules", () => {
    const paths = baseConsole().paths;
    const c = evaluateConsole(baseConsole({ paths: { ...paths, envFile: { path: "/opt/jobwarden/.env", mode: "0644", uid: 0, gid: 0, kind: "file" }, database: { path: `${HOME}/jobwarden.db`, mode: "0664", uid: 0, gid: 0, kind: "file" } } }));
    expectFinding(c.surfaces, "path.env-file-readable", "critical");
    expectFinding(c.surfaces, "path.database-readable", "critical");
    expect(c.counts.critical).toBe(2);
  });
});

describe("cluster", () => {
  const CONSOLE_SETTINGS: ConsoleSettings = {
    host: "127.0.0.1",
    port: 3000,
    publicUrl: "http://127.0.0.1:3000",
    sessionSecretSource: "file",
    sessionSecretLength: 64,
    sessionMaxAgeSeconds: 8 * 3600,
    database: { kind: "sqlite", file: "/x.db" },
    paths: {},
  };

  it("the cluster's risk is the worst of nodes and console, its counts their sum", () => {
    const critical = applied({ host: "0.0.0.0", loadApiClient: true, authClient: "none" });
    const warning = applied({}, { reportedAt: ago(DAY_MS) });
    const stopped = applied({}, { state: "stopped", listeners: [] });
    const consoleResult = evaluateConsole({ ...CONSOLE_SETTINGS, sessionMaxAgeSeconds: 90_000 });
    const report = evaluateCluster([critical, warning, stopped], consoleResult, NOW);
    expect(report.generatedAt).toBe(NOW);
    expect(report.nodes).toEqual([critical, warning, stopped]);
    expect(report.console).toBe(consoleResult);
    expect(report.cluster.risk).toBe("critical");
    expect(report.cluster.counts).toEqual({
      ok: critical.counts.ok + warning.counts.ok + stopped.counts.ok + consoleResult.counts.ok,
      warning: critical.counts.warning + warning.counts.warning + stopped.counts.warning + consoleResult.counts.warning,
      critical: critical.counts.critical + warning.counts.critical + stopped.counts.critical + consoleResult.counts.critical,
    });
    expect(report.cluster.counts).toEqual({ ok: 1, warning: 3, critical: 1 });
    expect(evaluateCluster([warning, stopped], consoleResult, NOW).cluster.risk).toBe("warning");
    const safeConsole = evaluateConsole({ ...CONSOLE_SETTINGS, sessionMaxAgeSeconds: 3600 });
    expect(evaluateCluster([applied()], safeConsole, NOW).cluster).toEqual({ risk: "ok", counts: { ok: 0, warning: 0, critical: 0 } });
  });

  it("a node's risk and counts cover its APIs, surfaces and drift", () => {
    const paths = safePaths();
    paths.jobs = { path: "/j", mode: "0777", uid: 0, gid: 0, kind: "dir" };
    const n = applied({ host: "0.0.0.0", authSimple: "basic" }, { paths, reportedAt: ago(DAY_MS) });
    expect(idsOf(n).sort()).toEqual(["api.cleartext-credentials", "node.stale", "path.jobs-writable"]);
    expect(n.counts).toEqual({ ok: 0, warning: 2, critical: 1 });
    expect(n.risk).toBe("critical");
  });
});

describe("previewExposure (the configured side of a change)", () => {
  it("states a dangerous change before it is made", () => {
    const p = previewExposure(baseConfig({ loadApiClient: true, host: "0.0.0.0", authClient: "none" }), "client");
    expect(p.reachableFrom).toBe("the network");
    expect(p.anonymousAllowed).toBe(true);
    expect(p.risk).toBe("critical");
    expect(p.findings.map((f) => f.id)).toEqual(["api.network-anonymous"]);
  });

  it("states a safe change as ok", () => {
    const p = previewExposure(baseConfig({ loadApiClient: true, host: "0.0.0.0", authClient: "token", tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" }), "client");
    expect(p).toEqual({ reachableFrom: "the network", anonymousAllowed: false, risk: "ok", findings: [] });
  });

  it("a disabled API is reachable by nobody; the local socket by this host only", () => {
    expect(previewExposure(baseConfig({ host: "0.0.0.0", authMgmt: "none" }), "mgmt-remote")).toEqual({ reachableFrom: "nobody", anonymousAllowed: false, risk: "ok", findings: [] });
    expect(previewExposure(baseConfig({ host: "0.0.0.0" }), "mgmt-local")).toEqual({ reachableFrom: "this host only", anonymousAllowed: false, risk: "ok", findings: [] });
  });

  it("ignores measurement and drift: a just-made change is not pending in the preview", () => {
    const p = previewExposure(baseConfig({ host: "0.0.0.0", updatedAt: NOW }), "simple");
    expect(p.findings.map((f) => f.id)).toEqual(["api.network-anonymous-refused"]);
    expect(p.risk).toBe("warning");
  });

  it("refuses the console", () => {
    expect(() => previewExposure(baseConfig(), "console")).toThrow(/console/);
  });
});

describe("helpers", () => {
  it("worst is ok for nothing and picks the highest", () => {
    expect(worst([])).toBe("ok");
    expect(worst(["ok", "warning", "ok"])).toBe("warning");
    expect(worst(["warning", "critical", "ok"])).toBe("critical");
  });

  it("summarise counts findings per risk", () => {
    const f = (risk: Risk): Finding => ({ id: "x", risk, title: "t", remediation: "r" });
    expect(summarise([f("ok"), f("critical"), f("critical"), f("warning")])).toEqual({ ok: 1, warning: 1, critical: 2 });
    expect(summarise([])).toEqual({ ok: 0, warning: 0, critical: 0 });
  });

  it("reachOf: loopback and sockets are this host only, the rest the network", () => {
    expect(reachOf(null)).toBe("this host only");
    expect(reachOf("127.0.0.1")).toBe("this host only");
    expect(reachOf("::ffff:127.0.0.1")).toBe("this host only");
    expect(reachOf("[::1]")).toBe("this host only");
    expect(reachOf("0.0.0.0")).toBe("the network");
    expect(reachOf("::")).toBe("the network");
    expect(reachOf("10.0.0.5")).toBe("the network");
  });

});

describe("payload isolation (issue 11, finding 1)", () => {
  const unisolated = baseConfig({ payloadUser: null });
  const REMEDY = /useradd --system --no-create-home --shell \/usr\/sbin\/nologin jobwarden-payload/;

  it("is critical when payloads run as the node's account and a role other than administrator can create or change job definitions", () => {
    const n = evaluateNode(unisolated, measured(unisolated), NOW, HB, ["config admin", "release managers"]);
    const f = expectFinding(n.surfaces, "payloads.not-isolated", "critical");
    expect(f.title).toMatch(/node1/);
    expect(f.title).toMatch(/config admin, release managers/);
    expect(f.title).toMatch(/administrator/);
    expect(f.remediation).toMatch(REMEDY);
    expect(n.payloads).toEqual({ isolated: false, account: null, detail: "payloads run as the node's own account" });
    expect(n.risk).toBe("critical");
  });

  it("is a warning when only administrators can create or change job definitions", () => {
    const n = evaluateNode(unisolated, measured(unisolated), NOW, HB, []);
    expect(expectFinding(n.surfaces, "payloads.not-isolated", "warning").remediation).toMatch(REMEDY);
  });

  it("reports an isolated node with its account and no finding", () => {
    const config = baseConfig();
    const n = evaluateNode(config, measured(config, { payloadIsolation: { isolated: true, user: "jobwarden-payload" } }), NOW, HB, ["config admin"]);
    expect(findingsWith(allFindings(n), "payloads.not-isolated")).toEqual([]);
    expect(n.payloads).toEqual({ isolated: true, account: "jobwarden-payload", detail: "payloads run as jobwarden-payload" });
  });

  it("says why the configured account cannot be used, as the node reported it: its runs fail", () => {
    const config = baseConfig();
    const error = 'payload account "jobwarden-payload" does not exist on this machine';
    const n = evaluateNode(config, measured(config, { payloadIsolation: { isolated: false, user: "jobwarden-payload", error } }), NOW, HB, ["config admin"]);
    const f = expectFinding(n.surfaces, "payloads.isolation-unusable", "warning");
    expect(f.title).toContain(error);
    expect(f.remediation).toMatch(REMEDY);
    expect(n.payloads).toMatchObject({ isolated: false, account: "jobwarden-payload" });
  });

  it("counts the roles that can create or change job definitions, wildcards included, except administrators", () => {
    expect(
      jobDefinitionAuthors([
        { name: "administrator", permissions: ["*:*"] },
        { name: "also everything", permissions: ["*:*"] },
        { name: "config admin", permissions: ["node:*", "jd:*"] },
        { name: "creator", permissions: ["jd:create"] },
        { name: "updater", permissions: ["jd:update"] },
        { name: "any object", permissions: ["*:update"] },
        { name: "config viewer", permissions: ["jd:read", "node:read"] },
        { name: "deleter", permissions: ["jd:delete"] },
      ]),
    ).toEqual(["any object", "config admin", "creator", "updater"]);
  });
});

describe("finding ids", () => {
  const withMode = (key: keyof MeasuredPaths, mode: string): Finding[] => {
    const paths = safePaths();
    const p = paths[key] ?? (key === "rootPassword" ? rootPasswordLeft() : undefined);
    if (!p || "missing" in p) throw new Error(key);
    paths[key] = { ...p, mode };
    return allFindings(applied({}, { paths }));
  };
  const without = (key: keyof MeasuredPaths): Finding[] => allFindings(applied({}, { paths: { ...safePaths(), [key]: { path: `/gone/${key}`, missing: true } } }));
  const tls = baseConfig({ tlsEnabled: true, tlsCertPath: "/c.pem", tlsKeyPath: "/k.pem" });
  const certificate = (notAfter: Date) => allFindings(evaluateNode(tls, measured(tls, { listeners: listenersFor(tls, notAfter) }), NOW, HB));
  const moved = (updatedAt: Date) => allFindings(evaluateNode(baseConfig({ port: 1800, updatedAt }), measured(baseConfig()), NOW, HB));
  const consoleWith = (changes: Partial<ConsoleSettings>): Finding[] => {
    const c = evaluateConsole({
      host: "127.0.0.1",
      port: 3000,
      publicUrl: "http://127.0.0.1:3000",
      sessionSecretSource: "file",
      sessionSecretLength: 64,
      sessionMaxAgeSeconds: 3600,
      database: { kind: "sqlite", file: "/x.db" },
      paths: {},
      ...changes,
    });
    return [...c.apis.flatMap((a) => a.findings), ...c.surfaces];
  };
  const postgres = (host: string, sslmode: string | null, passwordInUrl = false) => consoleWith({ database: { kind: "postgresql", host, sslmode, passwordInUrl } });

  /** For each declared id, a configuration that makes a rule produce it. */
  const SCENARIOS: [FindingId, () => Finding[]][] = [
    ["api.network-anonymous", () => allFindings(applied({ host: "0.0.0.0", loadApiClient: true, authClient: "none" }))],
    ["api.network-anonymous-refused", () => allFindings(applied({ host: "0.0.0.0" }))],
    ["api.cleartext-credentials", () => allFindings(applied({ host: "0.0.0.0", authSimple: "token" }))],
    ["api.certificate-unusable", () => allFindings(applied({ authSimple: "certificate" }))],
    ["tls.incomplete", () => allFindings(applied({ tlsEnabled: true, tlsKeyPath: "/k.pem" }))],
    ["tls.expired", () => certificate(ago(1))],
    ["tls.expiring", () => certificate(later(DAY_MS))],
    [
      "listener.error",
      () => {
        const listeners = listenersFor(baseConfig()).map((l) => (l.api === "simple" ? { ...l, error: "listen EADDRINUSE" } : l));
        return allFindings(evaluateNode(baseConfig(), measured(baseConfig(), { listeners }), NOW, HB));
      },
    ],
    ["drift.pending", () => moved(NOW)],
    ["drift.mismatch", () => moved(ago(DAY_MS))],
    ["drift.disabled-but-listening", () => allFindings(evaluateNode(baseConfig(), measured(baseConfig({ loadApiClient: true })), NOW, HB))],
    ["node.never-reported", () => allFindings(evaluateNode(baseConfig(), null, NOW, HB))],
    ["node.stale", () => allFindings(applied({}, { reportedAt: ago(DAY_MS) }))],
    ["node.stopped", () => allFindings(applied({}, { state: "stopped", listeners: [] }))],
    ["path.root-missing", () => without("root")],
    ["path.jobs-missing", () => without("jobs")],
    ["path.logs-missing", () => without("logs")],
    ["path.root-writable", () => withMode("root", "0770")],
    ["path.jobs-writable", () => withMode("jobs", "0770")],
    ["path.deliverables-writable", () => withMode("deliverables", "0752")],
    ["path.tmp-writable", () => withMode("tmp", "1777")],
    ["path.logs-writable", () => withMode("logs", "0752")],
    ["path.logs-readable", () => withMode("logs", "0754")],
    ["path.database-readable", () => withMode("database", "0640")],
    ["path.session-secret-readable", () => withMode("sessionSecret", "0640")],
    ["path.root-password-readable", () => withMode("rootPassword", "0644")],
    ["path.root-password-present", () => withMode("rootPassword", "0600")],
    ["path.env-file-readable", () => withMode("envFile", "0644")],
    ["path.tls-key-readable", () => withMode("tlsKey", "0604")],
    ["payloads.not-isolated", () => allFindings(applied({ payloadUser: null }))],
    [
      "payloads.isolation-unusable",
      () => allFindings(applied({}, { payloadIsolation: { isolated: false, user: "jobwarden-payload", error: "no such account" } })),
    ],
    ["console.cleartext", () => consoleWith({ host: "0.0.0.0", publicUrl: "http://jobs.example.org:3000" })],
    ["console.session-secret-short", () => consoleWith({ sessionSecretSource: "environment", sessionSecretLength: 16 })],
    ["console.session-max-age", () => consoleWith({ sessionMaxAgeSeconds: 7 * 86_400 })],
    ["database.cleartext", () => postgres("db.example.org", "prefer")],
    ["database.unverified-tls", () => postgres("db.example.org", "require")],
    ["database.password-in-url", () => postgres("localhost", null, true)],
  ];
  const produced = SCENARIOS.map(([id, scenario]) => ({ id, ids: scenario().map((f) => f.id) }));

  it("each scenario produces the id it is written for", () => {
    for (const { id, ids } of produced) expect(ids, `scenario for ${id}`).toContain(id);
  });

  it("every id the rules produced is declared in FINDING_IDS", () => {
    const undeclared = [...new Set(produced.flatMap((p) => p.ids))].filter((id) => !(FINDING_IDS as readonly string[]).includes(id));
    expect(undeclared).toEqual([]);
  });

  it("every declared id is produced by some configuration, and declared once", () => {
    const seen = new Set(produced.flatMap((p) => p.ids));
    expect(FINDING_IDS.filter((id) => !seen.has(id))).toEqual([]);
    expect(new Set(FINDING_IDS).size).toBe(FINDING_IDS.length);
  });
});
