import type { Prisma } from "~/generated/sqlite/client";
import type { DbOrTx } from "~/server/db";
import type { PayloadTypeName } from "~/server/domain/jobdef-schemas";
import { AppError } from "~/server/services/errors";
import { createCron } from "./cron";

/**
 * The job definitions read model: one query and one shape (JobDefDetail, with its schedules), which
 * the console and the audit trail use as is and the JQM client API maps to JQM's JSON (jqm-mapping.ts).
 */


export const jobDefDetailSelect = {
  id: true,
  applicationName: true,
  description: true,
  payloadType: true,
  path: true,
  parameters: true,
  enabled: true,
  highlander: true,
  canBeRestarted: true,
  priority: true,
  alertAfterSeconds: true,
  application: true,
  module: true,
  keyword1: true,
  keyword2: true,
  keyword3: true,
  createdAt: true,
  updatedAt: true,
  queue: { select: { name: true } },
  schedules: {
    orderBy: { id: "asc" },
    select: {
      id: true,
      cronExpression: true,
      priority: true,
      parameters: true,
      enabled: true,
      lastFiredAt: true,
      queue: { select: { name: true } },
    },
  },
} as const satisfies Prisma.JobDefSelect;

type JobDefDetailRow = Prisma.JobDefGetPayload<{ select: typeof jobDefDetailSelect }>;
type JobScheduleRow = JobDefDetailRow["schedules"][number];

/** A Json column holding { key: value } as a plain string map. */
export function toStringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function nextRunOf(expression: string): Date | null {
  try {
    return createCron(expression).nextRun() ?? null;
  } catch {
    return null;
  }
}

export function toJobScheduleDetail(s: JobScheduleRow) {
  return {
    id: s.id,
    cronExpression: s.cronExpression,
    queueName: s.queue?.name ?? null,
    priority: s.priority,
    parameters: toStringMap(s.parameters),
    enabled: s.enabled,
    lastFiredAt: s.lastFiredAt,
    nextRunAt: nextRunOf(s.cronExpression),
  };
}

export type JobScheduleDetail = ReturnType<typeof toJobScheduleDetail>;

/** A job definition with every field, its queue's name and its schedules (console, audit, XML). */
export function toJobDefDetail(jd: JobDefDetailRow) {
  return {
    id: jd.id,
    applicationName: jd.applicationName,
    description: jd.description,
    queueName: jd.queue.name,
    payloadType: jd.payloadType as PayloadTypeName,
    path: jd.path,
    parameters: toStringMap(jd.parameters),
    enabled: jd.enabled,
    highlander: jd.highlander,
    canBeRestarted: jd.canBeRestarted,
    priority: jd.priority,
    alertAfterSeconds: jd.alertAfterSeconds,
    application: jd.application,
    module: jd.module,
    keyword1: jd.keyword1,
    keyword2: jd.keyword2,
    keyword3: jd.keyword3,
    createdAt: jd.createdAt,
    updatedAt: jd.updatedAt,
    schedules: jd.schedules.map(toJobScheduleDetail),
  };
}

export type JobDefDetail = ReturnType<typeof toJobDefDetail>;

/** The audited view of a definition: its fields without timestamps or computed values. */
export function auditView(jd: JobDefDetail) {
  return { ...omit(jd, "createdAt", "updatedAt", "schedules"), schedules: jd.schedules.map(auditScheduleView) };
}

export function auditScheduleView(s: JobScheduleDetail) {
  return omit(s, "nextRunAt", "lastFiredAt");
}

function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}

/** One job definition with all its fields and schedules. */
export async function getJobDef(db: DbOrTx, id: number) {
  const jd = await db.jobDef.findUnique({ where: { id }, select: jobDefDetailSelect });
  if (!jd) throw new AppError("NOT_FOUND", `No job definition with id ${id}`);
  return toJobDefDetail(jd);
}

export async function getJobDefByName(db: DbOrTx, name: string) {
  const jd = await db.jobDef.findUnique({ where: { applicationName: name }, select: jobDefDetailSelect });
  if (!jd) throw new AppError("NOT_FOUND", `No job definition named ${name}`);
  return toJobDefDetail(jd);
}

/** Job definitions with all their fields and schedules, by name: every one, those `names`, or those of one `application` tag. */
export async function listJobDefs(db: DbOrTx, { names, application }: { names?: string[]; application?: string } = {}) {
  const rows = await db.jobDef.findMany({
    where: { ...(names ? { applicationName: { in: names } } : {}), ...(application !== undefined ? { application } : {}) },
    orderBy: { applicationName: "asc" },
    select: jobDefDetailSelect,
  });
  return rows.map(toJobDefDetail);
}

/** Names of the definitions, for the runs page's filter and launch dialog. */
export function listJobDefNames(db: DbOrTx) {
  return db.jobDef.findMany({ orderBy: { applicationName: "asc" }, select: { applicationName: true, description: true, enabled: true } });
}

export async function queueIdByName(db: DbOrTx, name: string): Promise<number> {
  const q = await db.queue.findUnique({ where: { name }, select: { id: true } });
  if (!q) throw new AppError("BAD_REQUEST", `Unknown queue: ${name}`);
  return q.id;
}

/** Queue names for the definition and schedule forms (the default queue first). */
export async function listQueueNames(db: DbOrTx) {
  return db.queue.findMany({ orderBy: [{ isDefault: "desc" }, { name: "asc" }], select: { name: true, isDefault: true } });
}
