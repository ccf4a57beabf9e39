import { execFile, spawn } from "node:child_process";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The unprivileged OS account a node's payloads run as (Node.payloadUser). A node running as root
 * switches to it directly (spawn uid/gid, supplementary groups dropped); any other node goes
 * through `sudo -n -u <user>`, which needs a sudoers line (see README, "Payload isolation").
 */
export type PayloadAccount = {
  name: string;
  uid: number;
  gid: number;
  via: "direct" | "sudo";
};

export class PayloadAccountError extends Error {}

const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/i;

/** Sudo needs no terminal or password (-n) and keeps nothing of the node's environment. */
const SUDO = "/usr/bin/sudo";
const ENV = "/usr/bin/env";
const TOOL_PATH: Record<string, string> = { PATH: "/usr/bin:/bin" };
const TOOL_ENV = TOOL_PATH as NodeJS.ProcessEnv;

/** Looks the account up; refuses root and the node's own account, which would isolate nothing. */
export async function findPayloadAccount(name: string): Promise<PayloadAccount> {
  if (!ACCOUNT_NAME.test(name)) throw new PayloadAccountError(`payload account "${name}" is not a valid account name`);
  const line = await run("getent", ["passwd", name], { env: TOOL_ENV }).then(
    (r) => r.stdout.trim(),
    () => "",
  );
  const [, , uid, gid] = line.split(":");
  if (!line || uid === undefined || gid === undefined) {
    throw new PayloadAccountError(
      `payload account "${name}" does not exist on this machine: create it with \`useradd --system --no-create-home --shell /usr/sbin/nologin ${name}\``,
    );
  }
  const account: PayloadAccount = { name, uid: Number(uid), gid: Number(gid), via: process.getuid?.() === 0 ? "direct" : "sudo" };
  if (account.uid === 0) throw new PayloadAccountError(`payload account "${name}" is root: payloads must run as an unprivileged account`);
  if (account.uid === process.getuid?.()) throw new PayloadAccountError(`payload account "${name}" is the node's own account: that isolates nothing`);
  if (account.via === "sudo") {
    await run(SUDO, ["-n", "-u", name, "--", "/bin/true"], { env: TOOL_ENV }).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
      const why = err.code === "ENOENT" ? `${SUDO} is not installed` : (err.stderr ?? "").trim().split("\n")[0] || err.message;
      throw new PayloadAccountError(`cannot run as payload account ${name} through sudo (${why}): ${SUDOERS_HINT(name)}`);
    });
  }
  return account;
}

const SUDOERS_HINT = (name: string) =>
  `a node that does not run as root needs the sudoers line "<node account> ALL=(${name}) NOPASSWD: ALL" (README, "Payload isolation")`;

/** The command that starts `file argv` as the payload account with exactly `env`. */
export function payloadCommand(account: PayloadAccount | null, file: string, argv: string[], env: Record<string, string>) {
  if (!account || account.via === "direct") {
    return { file, argv, env, ...(account ? { uid: account.uid, gid: account.gid } : {}) };
  }
  // sudo resets the environment: env(1) sets the payload's own after the switch.
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return { file: SUDO, argv: ["-n", "-u", account.name, "--", ENV, "-i", ...assignments, file, ...argv], env: { PATH: "/usr/bin:/bin" } };
}

/** What sudo prints when the sudoers line is missing or asks for a password. */
export function sudoRefusal(account: PayloadAccount, stderr: string): string | null {
  if (account.via !== "sudo") return null;
  const m = /^(sudo: .*(a password is required|not in the sudoers file|unknown user|not allowed).*|Sorry, user .* is not allowed to execute .*)$/m.exec(stderr);
  return m ? `cannot run as payload account ${account.name}: ${m[0]}; ${SUDOERS_HINT(account.name)}` : null;
}

/**
 * Sends `signal` to a payload's process group. A sudo node cannot signal another account's
 * processes itself: it asks sudo to do it as that account.
 */
export function signalPayloadGroup(account: PayloadAccount | null, group: number, signal: NodeJS.Signals) {
  try {
    process.kill(-group, signal);
  } catch {
    // gone, or (sudo) not ours to signal
  }
  if (account?.via === "sudo") {
    const child = spawn(SUDO, ["-n", "-u", account.name, "--", "/bin/kill", "-s", signal.replace(/^SIG/, ""), "--", `-${group}`], {
      stdio: "ignore",
      env: TOOL_ENV,
    });
    child.on("error", () => undefined);
  }
}

/**
 * The run's work and delivery directories, writable by the payload account only (and its node).
 * Direct: owned by the account, 0700. Sudo: owned by the node, group of the account, 2770 (the node
 * account must be a member of that group to hand it over, and reads deliverables through it).
 */
export async function preparePayloadDirs(account: PayloadAccount | null, workDir: string, deliveryDir: string) {
  if (!account) {
    await mkdir(deliveryDir, { recursive: true, mode: 0o750 });
    return;
  }
  // A work dir of this run id left by the account (an earlier install's run) could hold links: the
  // node creates both dirs afresh, and hands the delivery dir over before the work dir around it.
  await removePayloadDirs(account, workDir);
  await mkdir(dirname(workDir), { recursive: true });
  for (const dir of [workDir, deliveryDir]) {
    await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      throw new PayloadAccountError(`the run's work directory ${workDir} is left from an earlier run and could not be removed (${err.code})`);
    });
  }
  for (const dir of [deliveryDir, workDir]) {
    const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      if (account.via === "direct") {
        await handle.chown(account.uid, account.gid);
        await handle.chmod(0o700);
      } else {
        await handle.chown(-1, account.gid).catch((err: NodeJS.ErrnoException) => {
          throw new PayloadAccountError(
            `cannot give the run's work directory to payload account ${account.name} (${err.code}): the node's account must be a member of its group (usermod -aG ${account.gid} <node account>)`,
          );
        });
        await handle.chmod(0o2770);
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * Payloads run the node's own runtime (the Node.js binary, the isolated payload process, tsx): the
 * account must be able to reach the install, as any program installed for several users. Refuses
 * with the first directory it cannot cross or the file it cannot use.
 */
export async function checkInstallReachable(account: PayloadAccount, files: { exec: string[]; read: string[] }) {
  const can = (flag: "-x" | "-r", path: string) => runAsAccount(account, "/usr/bin/test", [flag, path]).then(() => true, () => false);
  const tests = [...files.exec.map((f) => ["-x", f] as const), ...files.read.map((f) => ["-r", f] as const)];
  for (const [flag, file] of tests) {
    if (await can(flag, file)) continue;
    const parents: string[] = [];
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      parents.unshift(dir);
      if (dir === dirname(dir)) break;
    }
    for (const dir of parents) {
      if (!(await can("-x", dir))) {
        throw new PayloadAccountError(`payload account ${account.name} cannot reach the Jobwarden install: it cannot enter ${dir} (for ${file}); let it through with \`chmod o+x ${dir}\` or install Jobwarden in a directory every account can read`);
      }
    }
    throw new PayloadAccountError(`payload account ${account.name} cannot ${flag === "-x" ? "run" : "read"} ${file}: make the Jobwarden install readable by every account (chmod o+r)`);
  }
}

/** Runs a tool as the payload account (a root node switches itself, any other goes through sudo). */
function runAsAccount(account: PayloadAccount, file: string, args: string[]) {
  return account.via === "sudo"
    ? run(SUDO, ["-n", "-u", account.name, "--", file, ...args], { env: TOOL_ENV })
    : run(file, args, { env: TOOL_ENV, uid: account.uid, gid: account.gid, cwd: "/" });
}

/**
 * Removes a run's work dir. What an isolated payload left in it is removed as the payload account:
 * the node walking a tree that account can change meanwhile (a directory swapped for a link between
 * two steps) could be led to delete its own files. The node itself then removes only the empty work
 * dir; what the account could not remove stays (README, "Payload isolation").
 */
export async function removePayloadDirs(account: PayloadAccount | null, workDir: string) {
  const dir = await lstat(workDir).catch(() => null);
  if (!dir) return;
  // A work dir only the node could write to (a run from before the account was set) is the node's.
  if (!account || (dir.uid === process.getuid?.() && (dir.mode & 0o022) === 0)) {
    await rm(workDir, { recursive: true, force: true });
    return;
  }
  const entries = (await readdir(workDir).catch(() => [])).map((e) => join(workDir, e));
  if (entries.length) {
    // Its own directories it made read-only would stop rm.
    await runAsAccount(account, "/bin/chmod", ["-R", "u+rwX", "--", ...entries]).catch(() => undefined);
    await runAsAccount(account, "/bin/rm", ["-rf", "--", ...entries]).catch(() => undefined);
  }
  await rmdir(workDir).catch(() => undefined);
}

/**
 * The node's install as an isolated payload must find it: JOBWARDEN_HOME and the node directories
 * it must cross are traverse-only (0711: no listing), the job code is readable (0755), the logs and
 * deliverables are the node's only (0700), and every other entry of JOBWARDEN_HOME (database,
 * secrets, root password, keys) loses its group and other bits. The SQLite file and its journals
 * are made 0600 wherever they are.
 */
export async function secureInstall(opts: {
  home: string;
  sqliteFile: string | null;
  node: { jobsDir: string; tmpDir: string; logDir: string; deliverablesDir: string };
}): Promise<void> {
  const { home, node } = opts;
  const keep = new Set([join(home, "nodes")]);
  await mkdir(home, { recursive: true, mode: 0o711 });
  await chmod(home, 0o711);
  for (const entry of await readdir(home)) {
    const path = join(home, entry);
    if (keep.has(path)) {
      await chmod(path, 0o711);
      continue;
    }
    const s = await lstat(path).catch(() => null);
    if (!s || s.isSymbolicLink()) continue;
    await chmod(path, s.mode & 0o700);
  }
  if (opts.sqliteFile) {
    for (const f of [opts.sqliteFile, `${opts.sqliteFile}-wal`, `${opts.sqliteFile}-shm`, `${opts.sqliteFile}-journal`]) {
      await chmod(f, 0o600).catch(() => undefined);
    }
  }
  for (const dir of [node.logDir, node.deliverablesDir]) await chmod(dir, 0o700).catch(() => undefined);
  await chmod(node.tmpDir, 0o711).catch(() => undefined);
  await chmod(node.jobsDir, 0o755).catch(() => undefined);
  // The node directory itself (JOBWARDEN_HOME/nodes/<name>) when the defaults are in use.
  const nodeRoot = join(node.tmpDir, "..");
  if (nodeRoot.startsWith(join(home, "nodes"))) await chmod(nodeRoot, 0o711).catch(() => undefined);
}
