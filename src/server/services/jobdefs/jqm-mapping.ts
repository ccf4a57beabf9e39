import type { DbOrTx } from "~/server/db";
import { type JobDefDetail, getJobDefByName, listJobDefs } from "./read-model";

/** The JQM client API's job definitions (/ws/client/jd), mapped from the read model (read-model.ts). */

/** JQM's JobDef JSON; a schedule's `queueName` is null when it uses the definition's queue. */
function toJqmJobDef(jd: JobDefDetail) {
  return {
    id: jd.id,
    applicationName: jd.applicationName,
    description: jd.description,
    canBeRestarted: jd.canBeRestarted,
    enabled: jd.enabled,
    queueName: jd.queueName,
    application: jd.application,
    module: jd.module,
    keyword1: jd.keyword1,
    keyword2: jd.keyword2,
    keyword3: jd.keyword3,
    highlander: jd.highlander,
    parameters: jd.parameters,
    schedules: jd.schedules.map((s) => ({ id: s.id, cronExpression: s.cronExpression, queueName: s.queueName, priority: s.priority, enabled: s.enabled })),
  };
}

export type JqmJobDef = ReturnType<typeof toJqmJobDef>;

/** Every job definition, optionally only those of one `application` tag (JQM's getJobDefinitions). */
export async function findJqmJobDefs(db: DbOrTx, { application }: { application?: string } = {}): Promise<JqmJobDef[]> {
  return (await listJobDefs(db, { application })).map(toJqmJobDef);
}

export async function getJqmJobDef(db: DbOrTx, name: string): Promise<JqmJobDef> {
  return toJqmJobDef(await getJobDefByName(db, name));
}
