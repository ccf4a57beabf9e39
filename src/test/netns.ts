import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./faults";

/**
 * Two test "hosts" on this machine, as Linux network namespaces linked by veth pairs on private
 * addresses that no other run uses:
 *
 *   this machine (the console, PostgreSQL) ─ 10.213.N.1/30 ─── 10.213.N.2/30 ─ server host
 *   server host ─ 10.213.N.5/30 ─── 10.213.N.6/30 ─ client host
 *
 * The server host reaches the console's PostgreSQL; the client host sees only the server host.
 * Needs root (ip netns).
 */
export type TestHosts = {
  /** The server host's namespace and its address facing the client host. */
  server: { ns: string; address: string; consoleFacing: string };
  client: { ns: string; address: string };
  /** This machine's address on the link to the server host. */
  console: { address: string };
  /** The /30 of the console ↔ server link (for pg_hba). */
  consoleLink: string;
  remove: () => void;
};

export type Ran = { code: number; stdout: string; stderr: string };

/** Runs a command to its end (stdin closed) and returns its exit code and output; never throws on a non-zero exit. */
export function run(command: string, args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}\n(killed by ${signal} after ${timeoutMs} ms)` : stderr });
    });
  });
}

/** Runs a command inside a network namespace. */
export function runIn(ns: string, command: string, args: string[], timeoutMs?: number): Promise<Ran> {
  return run("ip", ["netns", "exec", ns, command, ...args], timeoutMs);
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

function commandExists(command: string) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why this machine cannot host the namespaces (null when it can). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "creating network namespaces (ip netns) needs root; CI runs as root";
  return null;
}

/** The commands the exposure test needs that are missing, with the package to install. */
export function missingTools(): string[] {
  const tools: [string, string][] = [
    ["ip", "iproute2"],
    ["nmap", "nmap"],
    ["openssl", "openssl"],
    ["curl", "curl"],
  ];
  const missing = tools.filter(([c]) => !commandExists(c)).map(([c, pkg]) => `${c} (apt-get install -y ${pkg})`);
  if (!pgBin()) missing.push("PostgreSQL (apt-get install -y postgresql)");
  return missing;
}

/** A 10.213.N.0/29 block that no address or route of this machine uses yet. */
function freeBlock(): number {
  const used = `${ip("-4", "-o", "addr", "show")}\n${ip("-4", "route", "show", "table", "all")}`;
  for (let tries = 0; tries < 200; tries++) {
    const n = randomInt(0, 256);
    if (!used.includes(`10.213.${n}.`)) return n;
  }
  throw new Error("no free 10.213.N.0/29 test block: delete leftover test namespaces (ip netns list)");
}

export function createTestHosts(): TestHosts {
  const id = randomBytes(3).toString("hex");
  const n = freeBlock();
  const net = (host: number) => `10.213.${n}.${host}`;
  const server = `jw-srv-${id}`;
  const client = `jw-cli-${id}`;
  // Interface names: at most 15 characters.
  const consoleEnd = `jwc${id}`;
  const serverEnd = `jws${id}`;
  const serverToClient = `jwsc${id}`;
  const clientEnd = `jwcl${id}`;

  const remove = () => {
    for (const ns of [server, client]) {
      try {
        ip("netns", "del", ns);
      } catch {
        // not created, or already gone
      }
    }
    try {
      ip("link", "del", consoleEnd);
    } catch {
      // gone with the server namespace
    }
  };
  try {
    ip("netns", "add", server);
    ip("netns", "add", client);
    ip("-n", server, "link", "set", "lo", "up");
    ip("-n", client, "link", "set", "lo", "up");
    ip("link", "add", consoleEnd, "type", "veth", "peer", "name", serverEnd, "netns", server);
    ip("addr", "add", `${net(1)}/30`, "dev", consoleEnd);
    ip("link", "set", consoleEnd, "up");
    ip("-n", server, "addr", "add", `${net(2)}/30`, "dev", serverEnd);
    ip("-n", server, "link", "set", serverEnd, "up");
    ip("-n", server, "link", "add", serverToClient, "type", "veth", "peer", "name", clientEnd, "netns", client);
    ip("-n", server, "addr", "add", `${net(5)}/30`, "dev", serverToClient);
    ip("-n", server, "link", "set", serverToClient, "up");
    ip("-n", client, "addr", "add", `${net(6)}/30`, "dev", clientEnd);
    ip("-n", client, "link", "set", clientEnd, "up");
  } catch (err) {
    remove();
    throw err;
  }
  return {
    server: { ns: server, address: net(5), consoleFacing: net(2) },
    client: { ns: client, address: net(6) },
    console: { address: net(1) },
    consoleLink: `${net(0)}/30`,
    remove,
  };
}

function pgBin(): string | null {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(base, versions.at(-1)!, "bin") : null;
}

/**
 * A PostgreSQL server of its own (like startPgServer in faults.ts) that listens on 127.0.0.1 and on
 * `address`, trusting connections from `trustedNetwork` (a test link nothing else is on).
 */
export async function startPgServerOn(address: string, trustedNetwork: string) {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql)");
  const root = mkdtempSync(join(tmpdir(), "jobwarden-netns-pg-"));
  const port = await freePort();
  const data = join(root, "data");
  const asPostgres = (script: string) => execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  const stop = () => {
    if (existsSync(join(data, "postmaster.pid"))) asPostgres(`${bin}/pg_ctl -D ${data} stop -m immediate >/dev/null`);
  };
  try {
    execFileSync("chown", ["postgres:postgres", root]);
    asPostgres(`${bin}/initdb -D ${data} -U postgres --auth=trust -E UTF8 >/dev/null`);
    appendFileSync(join(data, "pg_hba.conf"), `host all all ${trustedNetwork} trust\n`);
    asPostgres(
      `${bin}/pg_ctl -D ${data} -o "-c listen_addresses='127.0.0.1,${address}' -p ${port} -k ${root} -c fsync=off" -l ${root}/pg.log -w start >/dev/null`,
    );
  } catch (err) {
    try {
      stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    throw err;
  }
  return {
    /** The server's URL from this machine (127.0.0.1) or from `host`. */
    url: (host = "127.0.0.1") => `postgresql://postgres@${host}:${port}/postgres`,
    remove: () => {
      try {
        stop();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
