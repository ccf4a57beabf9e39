import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { env } from "~/env";
import type { Db } from "~/server/db";
import { ensureSessionSecret } from "~/server/auth/session-secret";
import { generatePassword, hashPassword } from "~/server/auth/password";
import { BUILT_IN_ROLES } from "~/server/domain/permissions";
import { SYSTEM_ACTOR, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { migrateDatabase } from "./migrate-database";
import { removeStaleRootPasswordFile, rootPasswordFile } from "./root-password-file";

export const DEFAULT_QUEUE = "DEFAULT";
export const DEFAULT_NODE = "node1";

/** Sample job definitions: real payloads a fresh install can run at once. */
const SAMPLE_JOB_DEFS = [
  {
    applicationName: "DemoEcho",
    description: "Prints a greeting with the run id and its parameters.",
    payloadType: "shell" as const,
    path: 'echo "Hello from run $JQM_JI_ID of $JQM_JD_APPLICATION_NAME on $JQM_NODE_NAME"',
    parameters: {},
  },
  {
    applicationName: "DemoSleep",
    description: "Sleeps for a while: useful to watch a running job, pause it or kill it.",
    payloadType: "exec" as const,
    path: "/bin/sleep",
    parameters: { "1_seconds": "60" },
  },
  {
    applicationName: "DemoReport",
    description: "Writes a small CSV report into its delivery directory: it becomes a downloadable file.",
    payloadType: "shell" as const,
    path: 'printf "run,node\\n%s,%s\\n" "$JQM_JI_ID" "$JQM_NODE_NAME" > "$JQM_JI_DELIVERY_DIR/report.csv"',
    parameters: {},
  },
];

export type InitResult = { rootPassword: string | null; rootPasswordFile: string | null; created: string[] };

/** The SQLite file holds every credential hash: only the service account may read it. */
function restrictSqliteFile() {
  if (!env.DATABASE_URL.startsWith("file:")) return;
  const file = env.DATABASE_URL.slice("file:".length);
  if (existsSync(file)) chmodSync(file, 0o600);
}

export { rootPasswordFile } from "./root-password-file";

/** Creates and migrates the database and seeds defaults. Idempotent: a second run changes nothing. */
export async function initDatabase(db: Db, { migrate = true } = {}): Promise<InitResult> {
  mkdirSync(env.JOBWARDEN_HOME, { recursive: true, mode: 0o700 });
  if (migrate) migrateDatabase();
  restrictSqliteFile();
  const created: string[] = [];
  if (ensureSessionSecret()) created.push("session secret");

  for (const role of BUILT_IN_ROLES) {
    const existing = await db.role.findUnique({ where: { name: role.name }, select: { id: true } });
    if (existing) continue;
    await db.$transaction(async (tx) => {
      const r = await tx.role.create({
        data: {
          name: role.name,
          description: role.description,
          builtIn: true,
          permissions: { create: role.permissions.map((permission) => ({ permission })) },
        },
      });
      await createAuditEvent(tx, { actor: SYSTEM_ACTOR, action: "role.create", objectType: "role", objectId: r.id, after: role });
    });
    created.push(`role ${role.name}`);
  }

  let queue = await db.queue.findFirst({ where: { isDefault: true } });
  if (!queue) {
    queue = await db.$transaction(async (tx) => {
      const q = await tx.queue.create({ data: { name: DEFAULT_QUEUE, description: "Default queue", isDefault: true } });
      await createAuditEvent(tx, { actor: SYSTEM_ACTOR, action: "queue.create", objectType: "queue", objectId: q.id, after: q });
      return q;
    });
    created.push(`queue ${DEFAULT_QUEUE}`);
  }

  if ((await db.node.count()) === 0) {
    await createNode(db, { actor: SYSTEM_ACTOR, name: DEFAULT_NODE });
    created.push(`node ${DEFAULT_NODE}`);
  }

  if ((await db.jobDef.count()) === 0) {
    for (const def of SAMPLE_JOB_DEFS) {
      await db.$transaction(async (tx) => {
        const jd = await tx.jobDef.create({ data: { ...def, queueId: queue.id, application: "Demo" } });
        await createAuditEvent(tx, { actor: SYSTEM_ACTOR, action: "jd.create", objectType: "jd", objectId: jd.id, after: jd });
      });
      created.push(`job definition ${def.applicationName}`);
    }
  }

  let rootPassword: string | null = null;
  if (!(await db.user.findUnique({ where: { login: "root" }, select: { id: true } }))) {
    rootPassword = generatePassword();
    const passwordHash = await hashPassword(rootPassword);
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { login: "root", passwordHash, freeText: "Created by jobwarden init", roles: { connect: { name: "administrator" } } },
        select: { id: true, login: true },
      });
      await createAuditEvent(tx, { actor: SYSTEM_ACTOR, action: "user.create", objectType: "user", objectId: user.id, after: user });
    });
    const file = rootPasswordFile();
    writeFileSync(file, `${rootPassword}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    created.push("user root");
  } else await removeStaleRootPasswordFile(db, { actor: SYSTEM_ACTOR });
  return { rootPassword, rootPasswordFile: rootPassword ? rootPasswordFile() : null, created };
}
