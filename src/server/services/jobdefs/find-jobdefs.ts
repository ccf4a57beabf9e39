import type { Prisma } from "~/generated/sqlite/client";
import type { DbOrTx } from "~/server/db";
import { AppError } from "~/server/services/errors";

const jobDefSelect = {
  id: true,
  applicationName: true,
  description: true,
  canBeRestarted: true,
  enabled: true,
  highlander: true,
  application: true,
  module: true,
  keyword1: true,
  keyword2: true,
  keyword3: true,
  parameters: true,
  queue: { select: { name: true } },
  schedules: {
    orderBy: { id: "asc" },
    select: { id: true, cronExpression: true, priority: true, enabled: true, queue: { select: { name: true } } },
  },
} as const satisfies Prisma.JobDefSelect;

type JobDefRow = Prisma.JobDefGetPayload<{ select: typeof jobDefSelect }>;

export type JobDefDto = ReturnType<typeof toJobDefDto>;

/** JQM's JobDef JSON; a schedule's `queueName` is null when it uses the definition's queue. */
function toJobDefDto(jd: JobDefRow) {
  const parameters = jd.parameters && typeof jd.parameters === "object" && !Array.isArray(jd.parameters) ? jd.parameters : {};
  return {
    id: jd.id,
    applicationName: jd.applicationName,
    description: jd.description,
    canBeRestarted: jd.canBeRestarted,
    enabled: jd.enabled,
    queueName: jd.queue.name,
    application: jd.application,
    module: jd.module,
    keyword1: jd.keyword1,
    keyword2: jd.keyword2,
    keyword3: jd.keyword3,
    highlander: jd.highlander,
    parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    schedules: jd.schedules.map((s) => ({
      id: s.id,
      cronExpression: s.cronExpression,
      queueName: s.queue?.name ?? null,
      priority: s.priority,
      enabled: s.enabled,
    })),
  };
}

/** Every job definition, optionally only those of one `application` tag (JQM's getJobDefinitions). */
export async function findJobDefs(db: DbOrTx, { application }: { application?: string } = {}) {
  const rows = await db.jobDef.findMany({
    where: application === undefined ? undefined : { application },
    orderBy: { applicationName: "asc" },
    select: jobDefSelect,
  });
  return rows.map(toJobDefDto);
}

export async function getJobDefByName(db: DbOrTx, name: string) {
  const jd = await db.jobDef.findUnique({ where: { applicationName: name }, select: jobDefSelect });
  if (!jd) throw new AppError("NOT_FOUND", `No job definition named ${name}`);
  return toJobDefDto(jd);
}
