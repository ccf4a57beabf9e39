import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { type JobDefDetail, getJobDefByName, listJobDefs } from "./read-model";

/** The JQM client API's job definitions (/ws/client/jd), mapped from the read model (read-model.ts). */

const text = z.string().nullable();

/** JQM's JobDef JSON, as the client API sends and documents it. */
export const ZJqmJobDefSchema = z.object({
  id: z.number().int(),
  applicationName: z.string(),
  description: z.string(),
  canBeRestarted: z.boolean(),
  enabled: z.boolean(),
  queueName: z.string(),
  application: text,
  module: text,
  keyword1: text,
  keyword2: text,
  keyword3: text,
  highlander: z.boolean(),
  parameters: z.record(z.string(), z.string()),
  schedules: z.array(
    z.object({
      id: z.number().int(),
      cronExpression: z.string(),
      queueName: text.meta({ description: "null: the job definition's queue" }),
      priority: z.number().int().nullable(),
      enabled: z.boolean(),
    }),
  ),
});
export type JqmJobDef = z.infer<typeof ZJqmJobDefSchema>;

function toJqmJobDef(jd: JobDefDetail): JqmJobDef {
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

/** Every job definition, optionally only those of one `application` tag (JQM's getJobDefinitions). */
export async function findJqmJobDefs(db: DbOrTx, { application }: { application?: string } = {}): Promise<JqmJobDef[]> {
  return (await listJobDefs(db, { application })).map(toJqmJobDef);
}

export async function getJqmJobDef(db: DbOrTx, name: string): Promise<JqmJobDef> {
  return toJqmJobDef(await getJobDefByName(db, name));
}
