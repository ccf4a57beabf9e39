import { access, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { env } from "~/env";
import {
  createCa,
  createClientCertificate,
  createServerCertificate,
  describeCertificate,
  PkiError,
  subjectAltNameOf,
  writePem,
  type PemPair,
} from "~/security/pki";

const DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"];

function defaultDir() {
  return join(env.JOBWARDEN_HOME, "pki");
}

function name(what: string) {
  return (value: string) => {
    const v = value.trim();
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(v) || /^\.+$/.test(v)) {
      throw new InvalidArgumentError(`${what}: 1 to 64 letters, digits, dots, dashes, underscores or @`);
    }
    return v;
  };
}

function host(value: string, previous: string[]) {
  try {
    subjectAltNameOf(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return [...previous, value.trim()];
}

function days(value: string) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 36_500) throw new InvalidArgumentError("a whole number of days from 1 to 36500");
  return n;
}

/** Expected failures (bad CA, unwritable directory…) end with a message and exit code 1, not a stack trace. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (!(e instanceof PkiError) && !(e instanceof Error && "code" in e && "syscall" in e)) throw e;
      console.error(`jobwarden: ${e.message}`);
      process.exitCode = 1;
    }
  };
}

async function exists(path: string) {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readCa(dir: string): Promise<PemPair> {
  const certPath = join(dir, "ca.crt");
  const keyPath = join(dir, "ca.key");
  for (const path of [certPath, keyPath]) {
    if (!(await exists(path))) throw new PkiError(`No CA in ${dir} (${path} is missing): run \`jobwarden pki init --dir ${dir}\` first`);
  }
  return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
}

async function printWritten(what: string, paths: { certPath: string; keyPath: string }, certPem: string) {
  const d = await describeCertificate(certPem);
  const sans = d.sans.length ? ` for ${d.sans.join(", ")}` : "";
  console.log(`Created ${what} ${d.subject}${sans}, valid until ${d.notAfter.toISOString()}`);
  console.log(`  certificate: ${paths.certPath}`);
  console.log(`  private key: ${paths.keyPath}`);
}

type DirOptions = { dir: string; days?: number };

export function pkiCommand(): Command {
  const pki = new Command("pki").description("internal PKI: a CA, node TLS certificates and client certificates (CN = login)");

  pki
    .command("init")
    .description("create the CA (ca.crt, ca.key) that signs node and client certificates")
    .option("-d, --dir <dir>", "PKI directory", defaultDir())
    .option("--days <days>", "validity in days", days, 3650)
    .option("-f, --force", "replace an existing CA (every certificate it signed stops being trusted)")
    .action(
      run(async (opts: DirOptions & { force?: boolean }) => {
        const dir = resolve(opts.dir);
        const existing = [join(dir, "ca.crt"), join(dir, "ca.key")];
        const found = (await Promise.all(existing.map(exists))).some(Boolean);
        if (found && !opts.force) {
          throw new PkiError(`A CA already exists in ${dir}; replacing it invalidates every certificate it signed. Use --force to replace it.`);
        }
        const ca = await createCa({ days: opts.days });
        const paths = await writePem(dir, "ca", ca);
        await printWritten("CA", paths, ca.certPem);
        console.log("Keep ca.key secret: whoever holds it can sign certificates for any node or user.");
        if (found) console.log("The previous CA was replaced: re-issue node and client certificates (jobwarden pki node|client).");
      }),
    );

  pki
    .command("node")
    .description(`create nodes/<name>.crt/.key, a TLS server certificate signed by the CA (hosts ${DEFAULT_HOSTS.join(", ")} and any --host)`)
    .argument("<name>", "node name", name("Node name"))
    .addOption(new Option("-H, --host <host>", "another DNS name or IP address the node is reached at (repeatable)").argParser(host).default([], "none"))
    .option("-d, --dir <dir>", "PKI directory", defaultDir())
    .option("--days <days>", "validity in days", days, 825)
    .action(
      run(async (nodeName: string, opts: DirOptions & { host: string[] }) => {
        const dir = resolve(opts.dir);
        const ca = await readCa(dir);
        const pair = await createServerCertificate({ ca, commonName: nodeName, hosts: [...DEFAULT_HOSTS, ...opts.host], days: opts.days });
        const paths = await writePem(join(dir, "nodes"), nodeName, pair);
        await printWritten("node certificate", paths, pair.certPem);
        console.log(
          `Set tlsCertPath/tlsKeyPath of node ${nodeName} (console or jobwarden node set) to these files; set tlsCaPath to ${join(dir, "ca.crt")} to accept client certificates`,
        );
      }),
    );

  pki
    .command("client")
    .description("create clients/<login>.crt/.key, a client certificate that authenticates as user <login>")
    .argument("<login>", "login of the user the certificate authenticates", name("Login"))
    .option("-d, --dir <dir>", "PKI directory", defaultDir())
    .option("--days <days>", "validity in days", days, 365)
    .action(
      run(async (login: string, opts: DirOptions) => {
        const dir = resolve(opts.dir);
        const ca = await readCa(dir);
        const pair = await createClientCertificate({ ca, login, days: opts.days });
        const paths = await writePem(join(dir, "clients"), login, pair);
        await printWritten("client certificate", paths, pair.certPem);
        console.log(
          `Nodes whose tlsCaPath is ${join(dir, "ca.crt")} accept it as user ${login}, e.g. curl --cacert ${join(dir, "ca.crt")} --cert ${paths.certPath} --key ${paths.keyPath} https://…`,
        );
      }),
    );

  return pki;
}
