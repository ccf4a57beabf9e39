import { readFileSync, statSync, writeFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { BUILT_IN_ROLES } from "~/server/domain/permissions";
import { db } from "~/server/db";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { ZNodeNameSchema } from "~/server/domain/node-parameters";
import { isEndedState } from "~/server/domain/run-states";
import { createNode } from "~/server/services/nodes/create-node";
import { findNodes } from "~/server/services/nodes/find-nodes";
import { findRoles } from "~/server/services/roles/find-roles";
import { XML_MAX_BYTES, exportJobDefsXml, importJobDefsXml } from "~/server/services/jobdefs/jobdef-xml";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { findUsers } from "~/server/services/users/find-users";
import { resetUserPassword } from "~/server/services/users/reset-user-password";
import { ZLoginSchema } from "~/server/services/users/user-select";
import { EngineNode, NodeStartError } from "~/engine/engine-node";
import { env } from "~/env";
import { createApiToken } from "~/server/services/auth/api-tokens";
import { runConsoleServer } from "~/server/console-server";
import { type ApiClientOptions, createApiClient } from "./api-client";
import { pkiCommand } from "./pki";
import { printInitResult, startEmbedded } from "./start";

const program = new Command("jobwarden").description("Jobwarden job queue manager").showHelpAfterError();

function port(value: string) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port number from 0 to 65535");
  return n;
}

function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }) {
  return (value: string) => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(r.error.issues.map((i) => i.message).join("; "));
    return r.data;
  };
}

function collect(value: string, previous: string[]) {
  return [...previous, value];
}

program
  .command("init")
  .description("create and migrate the database and seed defaults (idempotent)")
  .action(async () => printInitResult(await initDatabase(db)));

program
  .command("start")
  .description("run the embedded default: init, build the console if needed, start it")
  .action(() => startEmbedded());

program
  .command("console")
  .description("run the built console (next build) on CONSOLE_HOST:PORT behind the request guard (NODE_ENV=production)")
  .action(() => runConsoleServer());

const user = program.command("user").description("manage console and API users");
user
  .command("add")
  .argument("<login>", "login name", parsed(ZLoginSchema))
  .option("-r, --role <role>", `role (repeatable): ${BUILT_IN_ROLES.map((r) => r.name).join(", ")}`, collect, [])
  .description("create a user; prints a generated password once")
  .action(async (login: string, opts: { role: string[] }) => {
    const { password } = await createUser(db, { actor: SYSTEM_ACTOR, login, roles: opts.role });
    console.log(`Created ${login} with roles: ${opts.role.join(", ") || "(none)"}\nPassword (shown once): ${password}`);
  });
user
  .command("reset-password")
  .argument("<login>", "login name", parsed(ZLoginSchema))
  .description("set a new generated password; prints it once")
  .action(async (login: string) => {
    const { password } = await resetUserPassword(db, { actor: SYSTEM_ACTOR, login });
    console.log(`New password for ${login} (shown once): ${password}`);
  });
user
  .command("list")
  .description("list users")
  .action(async () => {
    const { items } = await findUsers(db, { limit: 1000 });
    console.table(
      items.map((u) => ({ login: u.login, roles: u.roles.map((r) => r.name).join(", "), locked: u.locked, expires: u.expiresAt?.toISOString() ?? "" })),
    );
  });

const node = program.command("node").description("manage engine nodes");
node
  .command("create")
  .requiredOption("-n, --name <name>", "node name", parsed(ZNodeNameSchema))
  .option("-i, --interface <host>", "interface the node APIs bind to", "127.0.0.1")
  .option("-p, --port <port>", "port of the node APIs (0 = any free port)", port, 1789)
  .description("create a node mapped to the default queue")
  .action(async (opts: { name: string; interface: string; port: number }) => {
    const n = await createNode(db, { actor: SYSTEM_ACTOR, name: opts.name, host: opts.interface, port: opts.port });
    console.log(`Created node ${n.name} listening on ${n.host}:${n.port}; directories under ${n.jobsDir.replace(/\/jobs$/, "")}`);
  });
node
  .command("list")
  .description("list nodes with their health")
  .action(async () => {
    console.table(
      (await findNodes(db)).map((n) => ({ name: n.name, listens: `${n.host}:${n.port}`, health: n.health, running: n.running, rest: n.loadApiClient })),
    );
  });

node
  .command("start")
  .requiredOption("-n, --name <name>", "node name", parsed(ZNodeNameSchema))
  .description("run an engine node until SIGTERM/SIGINT or a stop request (running jobs may finish)")
  .action(async (opts: { name: string }) => {
    let stopped!: () => void;
    const done = new Promise<void>((resolve) => (stopped = resolve));
    const engine = new EngineNode(db, opts.name, stopped);
    try {
      await engine.start();
    } catch (e) {
      if (!(e instanceof NodeStartError)) throw e;
      console.error(`jobwarden: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void engine.stop(signal));
    await done;
    engine.log.flush();
  });

function apiOptions(cmd: Command) {
  return cmd
    .option("--url <url>", "node URL (JOBWARDEN_URL)", env.JOBWARDEN_URL)
    .option("--user <login>", "basic auth login (JOBWARDEN_USER; password in JOBWARDEN_PASSWORD)")
    .option("--token <token>", "bearer API token (JOBWARDEN_TOKEN)")
    .option("--cert <file>", "client certificate (PEM)")
    .option("--key <file>", "client certificate key (PEM)")
    .option("--ca <file>", "CA certificate to trust (PEM)");
}

function keyValue(value: string, previous: Record<string, string>) {
  const eq = value.indexOf("=");
  if (eq < 1) throw new InvalidArgumentError("expected key=value");
  const key = value.slice(0, eq);
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`parameter ${key} is given twice`);
  return { ...previous, [key]: value.slice(eq + 1) };
}

apiOptions(program.command("enqueue"))
  .argument("<applicationName>", "job definition to run")
  .option("-p, --param <key=value>", "run parameter (repeatable)", keyValue, {})
  .option("-w, --wait", "wait for the run to end; exit 0 only if it ENDED")
  .description("enqueue a run through a node's simple API; prints its id")
  .action(async (applicationName: string, opts: ApiClientOptions & { param: Record<string, string>; wait?: boolean }) => {
    const client = createApiClient(opts);
    const id = await client.enqueue(applicationName, opts.param);
    console.log(id);
    if (!opts.wait) return;
    let state = await client.status(id);
    while (!isEndedState(state)) {
      await new Promise((r) => setTimeout(r, 500));
      state = await client.status(id);
    }
    console.error(state);
    if (state !== "ENDED") process.exitCode = 2;
  });

apiOptions(program.command("status"))
  .argument("<id>", "run id", (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError("a run id");
    return Number(v);
  })
  .description("print a run's state through a node's simple API")
  .action(async (id: number, opts: ApiClientOptions) => {
    console.log(await createApiClient(opts).status(id));
  });

const token = program.command("token").description("API tokens for the node APIs");
token
  .command("create")
  .requiredOption("-u, --user <login>", "the user the token acts as", parsed(ZLoginSchema))
  .requiredOption("-s, --scope <permission>", "permission the token is limited to (repeatable), e.g. job_instance:create", collect, [])
  .option("-n, --name <name>", "a label", "cli")
  .option("-d, --days <days>", "validity in days", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError("1 to 3650 days");
    return n;
  }, 90)
  .description("create a bearer token; prints it once")
  .action(async (opts: { user: string; scope: string[]; name: string; days: number }) => {
    const t = await createApiToken(db, { actor: SYSTEM_ACTOR, login: opts.user, name: opts.name, scopes: opts.scope, expiresAt: new Date(Date.now() + opts.days * 86_400_000) });
    console.log(`Token for ${opts.user} (${opts.scope.join(", ")}), expires ${t.expiresAt.toISOString()} — shown once:\n${t.token}`);
  });

const jobdef = program.command("jobdef").description("job definitions as JQM XML deployment descriptors");
jobdef
  .command("import")
  .argument("<file>", "deployment descriptor (JQM res.xsd format, at most 1 MB)")
  .description("create or update the job definitions of a file (all or nothing; queues created if missing)")
  .action(async (file: string) => {
    let xml: string;
    try {
      if (statSync(file).size > XML_MAX_BYTES) throw new AppError("BAD_REQUEST", `${file} is larger than 1 MB`);
      xml = readFileSync(file, "utf8");
    } catch (e) {
      throw e instanceof AppError ? e : new AppError("BAD_REQUEST", `Cannot read ${file}: ${(e as Error).message}`);
    }
    const r = await importJobDefsXml(db, { actor: SYSTEM_ACTOR, xml });
    console.log(`Imported ${file}: ${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged`);
    for (const [what, names] of [["created", r.created], ["updated", r.updated], ["queue created", r.queuesCreated]] as const) {
      for (const name of names) console.log(`  ${what}: ${name}`);
    }
  });
jobdef
  .command("export")
  .option("-n, --name <name>", "only this job definition")
  .option("-o, --output <file>", "write to this file instead of standard output")
  .description("write job definitions as a deployment descriptor")
  .action(async (opts: { name?: string; output?: string }) => {
    const { xml, count } = await exportJobDefsXml(db, { name: opts.name });
    if (!opts.output) return void process.stdout.write(xml);
    writeFileSync(opts.output, xml);
    console.error(`Exported ${count} job definition${count === 1 ? "" : "s"} to ${opts.output}`);
  });

program.addCommand(pkiCommand());

program
  .command("role")
  .description("list roles and their permissions")
  .action(async () => {
    for (const r of await findRoles(db)) console.log(`${r.name.padEnd(18)} ${r.permissions.join(" ")}`);
  });

try {
  await program.parseAsync();
} catch (e) {
  // Expected failures (bad input, refused calls) get a message, not a stack trace.
  if (e instanceof AppError || (e instanceof Error && /^\d{3}: /.test(e.message)) || (e as { code?: string }).code === "ECONNREFUSED") {
    console.error(`jobwarden: ${(e as Error).message}`);
    process.exitCode = 1;
  } else throw e;
} finally {
  await db.$disconnect();
}
