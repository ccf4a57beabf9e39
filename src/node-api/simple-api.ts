import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { tailEngineLog } from "~/server/services/nodes/engine-log-tail";
import { auditLogRead } from "~/server/services/runs/audit-log-read";
import { findRunAnywhere } from "~/server/services/runs/read-model";
import { sendDeliverable, sendRunLog } from "./files";
import type { ApiOptions } from "./types";

const positiveInt = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^[1-9]\d{0,9}$/, `${name} must be a positive integer`)
    .transform(Number);
const ZIdSchema = z.object({ id: positiveInt("id") });
const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const optional = z.string().max(200).optional();

/** JQM's form-encoded enqueue: repeated parameterNames / parameterValues pair up in order. */
export const ZSimpleEnqueueSchema = z
  .object({
    applicationname: z.string({ error: "applicationname is required" }).trim().min(1, "applicationname is required").max(200),
    user: optional,
    module: optional,
    mail: optional,
    keyword1: optional,
    keyword2: optional,
    keyword3: optional,
    sessionid: optional,
    parentid: positiveInt("parentid").optional(),
    parameterNames: z.preprocess(asList, z.array(z.string().min(1).max(200)).max(200)),
    parameterValues: z.preprocess(asList, z.array(z.string().max(10_000)).max(200)),
  })
  .refine((f) => f.parameterNames.length === f.parameterValues.length, "parameterNames and parameterValues must come in pairs")
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const name of f.parameterNames) {
      if (seen.has(name)) ctx.addIssue({ code: "custom", path: ["parameterNames"], message: `${name} is given twice` });
      seen.add(name);
    }
  });

/** The JQM servlet API (`/ws/simple`): always on, made for curl and schedulers. */
export const simpleApi: FastifyPluginAsync<ApiOptions> = async (app, { db, node, engine }) => {
  app.post("/ji", { config: { permission: "job_instance:create" } }, async (req, reply) => {
    const f = ZSimpleEnqueueSchema.parse(req.body ?? {});
    const { id } = await enqueueRun(
      db,
      {
        applicationName: f.applicationname,
        parameters: Object.fromEntries(f.parameterNames.map((k, i) => [k, f.parameterValues[i]!])),
        user: f.user ?? req.caller.principal?.login,
        module: f.module,
        email: f.mail,
        keyword1: f.keyword1,
        keyword2: f.keyword2,
        keyword3: f.keyword3,
        sessionId: f.sessionid,
        parentId: f.parentid,
      },
      req.caller.actor,
    );
    return reply.type("text/plain").send(String(id));
  });

  app.get("/status", { config: { permission: "job_instance:read" } }, async (req, reply) => {
    const { id } = ZIdSchema.parse(req.query);
    const found = await findRunAnywhere(db, id, { live: { state: true }, history: { state: true } });
    if (!found) return reply.code(404).send({ error: "NOT_FOUND", message: `No run with id ${id}` });
    return reply.type("text/plain").send(found.run.state);
  });

  for (const stream of ["stdout", "stderr"] as const) {
    app.get(`/${stream}`, { config: { permission: "logs:read" } }, async (req, reply) => {
      const { id } = ZIdSchema.parse(req.query);
      return sendRunLog(db, node(), req, reply, id, stream);
    });
  }

  app.get("/file", { config: { permission: "files:read" } }, async (req, reply) => {
    const { id } = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/i, "id must be a file's 32-character download id") }).parse(req.query);
    return sendDeliverable(db, node(), req, reply, { downloadId: id.toLowerCase() });
  });

  app.get("/enginelog", { config: { permission: "node:read" } }, async (req, reply) => {
    const { latest } = z.object({ latest: z.coerce.number().int().min(1).max(10_000).default(100) }).parse(req.query);
    const text = await tailEngineLog(node().logDir, latest);
    await auditLogRead(db, { actor: req.caller.actor, node: node().name, log: "engine", lines: latest });
    return reply.type("text/plain; charset=utf-8").send(text);
  });

  app.get("/localnode/health", { config: { anonymous: true } }, async (_req, reply) => {
    if (engine.allPollersPolling()) return reply.type("text/plain").send("Pollers are polling");
    return reply.code(503).type("text/plain").send("Not all pollers are polling");
  });
};
