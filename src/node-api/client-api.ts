import type {} from "@fastify/swagger";
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Db } from "~/server/db";
import type { Actor } from "~/server/services/audit/create-audit-event";
import { APP_ERROR_STATUS, AppError, isDatabaseUnavailable } from "~/server/services/errors";
import { ZJqmJobDefSchema, findJqmJobDefs, getJqmJobDef } from "~/server/services/jobdefs/jqm-mapping";
import { ZJqmQueueSchema, ZQueueStatusSchema, findQueues, getQueueEnabledCapacity, getQueueStatus } from "~/server/services/queues/jqm-mapping";
import { clearQueue, moveRunToPosition, moveRunToQueue, pauseQueue, resumeQueue } from "~/server/services/queues/queue-actions";
import { PARAMETER_NAME_MAX, PARAMETER_VALUE_MAX, ZRunParametersSchema, enqueueRun } from "~/server/services/runs/enqueue-run";
import {
  cancelRun,
  killRun,
  pauseRun,
  relaunchRun,
  restartRun,
  resumeRun,
  setRunAfter,
  setRunPriority,
} from "~/server/services/runs/instruct-run";
import {
  MAX_PAGE_SIZE,
  ZDateInputSchema,
  ZDeliverableDtoSchema,
  ZQueryRunsSchema,
  ZRunDtoSchema,
  ZRunPageSchema,
  findActiveRuns,
  findRunDeliverables,
  getRun,
  getRunMessages,
  queryRuns,
  type TQueryRuns,
} from "~/server/services/runs/jqm-mapping";
import { sendDeliverable, sendRunLog } from "./files";
import { jsonSchemaOf, plainJsonSchemaOf } from "./json-schema";
import type { ApiOptions } from "./types";

const tag = z.string().max(200).nullish();

/** JQM's `[{ key, value }]` parameter list as `{ key: value }`; a key given twice is refused. */
function fromParameterList(value: unknown, ctx: z.RefinementCtx) {
  if (!Array.isArray(value)) return value;
  const problem = (message: string) => ctx.addIssue({ code: "custom", message });
  const parameters: Record<string, unknown> = {};
  if (value.length > 1000) {
    problem("At most 1000 parameters");
    return parameters;
  }
  for (const item of value as unknown[]) {
    const { key, value: v } = (item ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== "string" || typeof v !== "string") {
      problem("Each parameter is { key, value } with two strings");
      continue;
    }
    if (Object.hasOwn(parameters, key)) problem(`Parameter ${key} is given twice`);
    // defineProperty: `__proto__` stays a key, for the parameters check to refuse.
    Object.defineProperty(parameters, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return parameters;
}

/** JQM's JobRequest. `parameters` is `{ key: value }` (JQM's `[{ key, value }]` list is accepted too). */
export const ZJobRequestSchema = z
  .looseObject({
    applicationName: z.string().trim().min(1, "applicationName is required").max(200),
    user: tag,
    sessionID: tag,
    module: tag,
    keyword1: tag,
    keyword2: tag,
    keyword3: tag,
    email: tag,
    parentID: z.number().int().positive().max(2_147_483_647).nullish(),
    queueName: tag,
    runAfter: ZDateInputSchema.nullish(),
    priority: z.number().int().min(-1000).max(1000).nullish(),
    parameters: z.preprocess(fromParameterList, ZRunParametersSchema.nullish()),
    startState: z.enum(["SUBMITTED", "HOLDED"]).nullish(),
  })
  .superRefine((r, ctx) => {
    if (r.recurrence != null && r.recurrence !== "") {
      ctx.addIssue({ code: "custom", path: ["recurrence"], message: "recurrence is not supported: add a schedule to the job definition" });
    }
  });

/** JQM's JobRequest.enqueue; `startState: "HOLDED"` creates the run paused. */
async function submitJobRequest(db: Db, body: unknown, actor: Actor) {
  const r = ZJobRequestSchema.parse(body);
  const { id, existing } = await enqueueRun(
    db,
    {
      applicationName: r.applicationName,
      parameters: r.parameters ?? {},
      user: r.user,
      sessionId: r.sessionID,
      email: r.email,
      module: r.module,
      keyword1: r.keyword1,
      keyword2: r.keyword2,
      keyword3: r.keyword3,
      parentId: r.parentID,
      queueName: r.queueName,
      priority: r.priority,
      runAfter: r.runAfter,
      held: r.startState === "HOLDED",
    },
    actor,
  );
  return { run: await getRun(db, id), existing };
}

const MAX_ID = 2_147_483_647;

/** A path parameter holding an id: digits (checked by Fastify), then 1 to `max` (checked by the handler's parse). */
const idParam = (description: string, max = MAX_ID) =>
  z
    .string()
    .regex(/^[0-9]{1,10}$/)
    .meta({ description })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be an integer between 1 and ${max}`);
const nameParam = z.string().min(1).max(200);

const ZRunParamsSchema = z.object({ id: idParam("Run (job instance) id") });
const ZPositionParamsSchema = z.object({ id: idParam("Run id"), position: idParam("1 = next to start") });
const ZPriorityParamsSchema = z.object({
  id: idParam("Run id"),
  priority: z
    .string()
    .regex(/^-?[0-9]{1,4}$/)
    .meta({ description: "-1000 to 1000" })
    .transform(Number)
    .refine((p) => Math.abs(p) <= 1000, "must be between -1000 and 1000"),
});
const ZDelayParamsSchema = z.object({
  id: idParam("Run id"),
  epochMs: z
    .string()
    .regex(/^[0-9]{1,15}$/)
    .transform(Number)
    .refine((at) => at <= 253_402_214_400_000, "is after year 9999"),
});
const ZDeliverableParamsSchema = z.object({ delivId: idParam("Deliverable id") });
const ZUserParamsSchema = z.object({ username: nameParam });
const ZQueueParamsSchema = z.object({ qId: idParam("Queue id") });
const ZQueueRunParamsSchema = z.object({ qId: idParam("Queue id"), jiId: idParam("Run id") });
const ZApplicationParamsSchema = z.object({ application: nameParam });
const ZNameParamsSchema = z.object({ name: nameParam });

/** A page of live runs; Fastify turns the query's strings into numbers first. */
const ZPageQuerySchema = z.object({
  afterId: z.number().int().min(0).max(MAX_ID).optional().meta({ description: "Return runs with a greater id (the X-Next-After-Id header of the previous page)" }),
  pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE).default(MAX_PAGE_SIZE),
});

/** What Fastify checks and documents for `parameters` (the zod check runs after it): either form. */
const PARAMETERS_JSON_SCHEMA = {
  anyOf: [
    { type: "object", additionalProperties: { type: "string", maxLength: PARAMETER_VALUE_MAX } },
    {
      type: "array",
      maxItems: 1000,
      items: {
        type: "object",
        required: ["key", "value"],
        properties: { key: { type: "string", maxLength: PARAMETER_NAME_MAX }, value: { type: "string", maxLength: PARAMETER_VALUE_MAX } },
      },
    },
  ],
};

/** A request body's JSON Schema; ZRunParametersSchema is a custom type, described just above. */
const bodySchemaOf = (schema: z.ZodType) => jsonSchemaOf(schema, { custom: new Map([[ZRunParametersSchema, PARAMETERS_JSON_SCHEMA]]) });
const paramsOf = (schema: z.ZodType) => plainJsonSchemaOf(schema, "input");
const answerOf = (schema: z.ZodType) => plainJsonSchemaOf(schema, "output");

const errorBody = (status: number, message: string) => ({ error: STATUS_CODES[status] ?? "Error", message });

const ZErrorSchema = z
  .object({ error: z.string(), message: z.string() })
  .meta({ description: "Error: 400 bad input, 401 unauthenticated, 403 permission missing, 404 unknown object, 409 wrong state, 429 throttled" });

const errors = { "4xx": answerOf(ZErrorSchema), "5xx": answerOf(ZErrorSchema) };
const done = { 204: answerOf(z.null().meta({ description: "Done" })), ...errors };
const answers = (byStatus: Record<number, z.ZodType>) => ({ ...Object.fromEntries(Object.entries(byStatus).map(([status, schema]) => [status, answerOf(schema)])), ...errors });
const fileResponse = (description: string, mime: string) => ({ 200: { description, content: { [mime]: { schema: { type: "string", format: "binary" } } } }, ...errors });

const NEXT_AFTER_ID = "x-next-after-id";

/**
 * JQM's client API (JQM documentation, "client API"), JSON only, under /ws/client. Permissions follow JQM's shiro.ini.
 * Differences: `parameters` is a { key: value } object; /ji/query pages by id (`afterId`,
 * `nextAfterId`) and returns no `resultSize`; DELETE /ji/waiting/{id} cancels (the run is kept in
 * History as CANCELLED).
 */
export const clientApi: FastifyPluginAsync<ApiOptions> = async (app, opts) => {
  const { db } = opts;

  app.removeContentTypeParser("application/json");
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === "") return done(null, undefined);
    void jsonParser(req, text, done);
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof AppError) {
      const status = APP_ERROR_STATUS[error.code];
      return reply.code(status).send(errorBody(status, error.message));
    }
    if (error instanceof z.ZodError) {
      const message = error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
      return reply.code(400).send(errorBody(400, message));
    }
    const status = error.statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(errorBody(status, error.message));
    if (isDatabaseUnavailable(error)) {
      req.log.warn({ err: error }, "client API request failed: the database is unavailable");
      return reply.code(503).header("retry-after", "1").send(errorBody(503, "The database is unavailable right now; try again."));
    }
    req.log.error({ err: error }, "client API request failed");
    return reply.code(500).send(errorBody(500, "Internal error: see the node's log"));
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(404, `No route ${req.method} ${req.url.split("?")[0]}`)));

  const actor = (req: { caller: { actor: Actor } }) => req.caller.actor;
  const ji = ["job instances"];
  const queues = ["queues"];

  app.get(
    "/ji/active",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Waiting and running runs, oldest first (paged: see the X-Next-After-Id header)",
        querystring: paramsOf(ZPageQuerySchema),
        response: answers({ 200: z.array(ZRunDtoSchema) }),
      },
    },
    async (req, reply) => {
      const page = await findActiveRuns(db, ZPageQuerySchema.parse(req.query));
      if (page.nextAfterId) reply.header(NEXT_AFTER_ID, String(page.nextAfterId));
      return page.instances;
    },
  );

  app.post(
    "/ji/query",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "JQM's Query: History by default (queryLiveInstances for live runs), newest first, keyset-paged by id",
        description:
          "String filters accept % wildcards. Pass nextAfterId back as afterId for the next page; firstRow (an offset) is accepted up to 10,000. No total count is returned.",
        body: bodySchemaOf(ZQueryRunsSchema),
        response: answers({ 200: ZRunPageSchema }),
      },
    },
    async (req) => queryRuns(db, req.body as TQueryRuns),
  );

  app.get(
    "/ji/:id",
    {
      config: { permission: "job_instance:read" },
      schema: { tags: ji, summary: "A live or ended run, with its messages", params: paramsOf(ZRunParamsSchema), response: answers({ 200: ZRunDtoSchema }) },
    },
    async (req) => getRun(db, ZRunParamsSchema.parse(req.params).id),
  );

  app.post(
    "/ji",
    {
      config: { permission: "job_instance:create" },
      schema: {
        tags: ji,
        summary: "Enqueue a JobRequest",
        description:
          "runAfter: epoch milliseconds or ISO-8601. startState HOLDED creates the run paused. parameters: { key: value } (or JQM's [{key, value}]). 201 with the new run; 200 with the waiting run a highlander definition already had.",
        body: bodySchemaOf(ZJobRequestSchema),
        response: answers({ 200: ZRunDtoSchema, 201: ZRunDtoSchema }),
      },
    },
    async (req, reply) => {
      const { run, existing } = await submitJobRequest(db, req.body, actor(req));
      return reply.code(existing ? 200 : 201).send(run);
    },
  );

  app.post(
    "/ji/:id",
    {
      config: { permission: "job_instance:create" },
      schema: {
        tags: ji,
        summary: "Relaunch an ended run with the same parameters (JQM's enqueueFromHistory)",
        params: paramsOf(ZRunParamsSchema),
        response: answers({ 201: z.object({ id: z.number().int() }) }),
      },
    },
    async (req, reply) => reply.code(201).send(await relaunchRun(db, { actor: actor(req), id: ZRunParamsSchema.parse(req.params).id })),
  );

  const instruction = (
    method: "POST" | "DELETE",
    url: string,
    summary: string,
    run: (db: Db, change: { actor: Actor; id: number }) => Promise<unknown>,
  ) =>
    app.route({
      method,
      url,
      config: { permission: method === "POST" ? "job_instance:create" : "job_instance:delete" },
      schema: { tags: ji, summary, params: paramsOf(ZRunParamsSchema), response: done },
      handler: async (req, reply) => {
        await run(db, { actor: actor(req), id: ZRunParamsSchema.parse(req.params).id });
        return reply.code(204).send();
      },
    });

  instruction("POST", "/ji/cancelled/:id", "Cancel a waiting run (it moves to History as CANCELLED)", cancelRun);
  instruction("DELETE", "/ji/waiting/:id", "Delete a waiting run: same as cancel, the run is kept in History as CANCELLED", cancelRun);
  instruction("POST", "/ji/killed/:id", "Kill a running (or attributed) run: its node stops it and it ends CRASHED", killRun);
  instruction("POST", "/ji/paused/:id", "Pause (hold) a waiting run", pauseRun);
  instruction("DELETE", "/ji/paused/:id", "Resume a paused run", resumeRun);

  app.delete(
    "/ji/crashed/:id",
    {
      config: { permission: "job_instance:delete" },
      schema: {
        tags: ji,
        summary: "Restart a crashed run: enqueues a new run with the same parameters",
        params: paramsOf(ZRunParamsSchema),
        response: answers({ 201: ZRunDtoSchema }),
      },
    },
    async (req, reply) => {
      const { id } = await restartRun(db, { actor: actor(req), id: ZRunParamsSchema.parse(req.params).id });
      return reply.code(201).send(await getRun(db, id));
    },
  );

  app.post(
    "/ji/:id/position/:position",
    {
      config: { permission: "queue_position:create" },
      schema: {
        tags: ji,
        summary: "Move a waiting run to a 1-based position among the waiting runs of its queue and priority",
        params: paramsOf(ZPositionParamsSchema),
        response: done,
      },
    },
    async (req, reply) => {
      await moveRunToPosition(db, { actor: actor(req), ...ZPositionParamsSchema.parse(req.params) });
      return reply.code(204).send();
    },
  );

  app.post(
    "/ji/:id/priority/:priority",
    {
      config: { permission: "job_instance:create" },
      schema: { tags: ji, summary: "Change the priority of a waiting run (higher starts first)", params: paramsOf(ZPriorityParamsSchema), response: done },
    },
    async (req, reply) => {
      await setRunPriority(db, { actor: actor(req), ...ZPriorityParamsSchema.parse(req.params) });
      return reply.code(204).send();
    },
  );

  app.post(
    "/ji/:id/delay/:epochMs",
    {
      config: { permission: "job_instance:create" },
      schema: { tags: ji, summary: "Do not start a waiting run before this time (epoch milliseconds)", params: paramsOf(ZDelayParamsSchema), response: done },
    },
    async (req, reply) => {
      const { id, epochMs } = ZDelayParamsSchema.parse(req.params);
      await setRunAfter(db, { actor: actor(req), id, runAfter: new Date(epochMs) });
      return reply.code(204).send();
    },
  );

  app.get(
    "/ji/:id/messages",
    {
      config: { permission: "job_instance:read" },
      schema: { tags: ji, summary: "Messages of a run", params: paramsOf(ZRunParamsSchema), response: answers({ 200: z.array(z.string()) }) },
    },
    async (req) => getRunMessages(db, ZRunParamsSchema.parse(req.params).id),
  );

  app.get(
    "/ji/:id/files",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Files (deliverables) a run produced; download them from the node named by nodeName",
        params: paramsOf(ZRunParamsSchema),
        response: answers({ 200: z.array(ZDeliverableDtoSchema) }),
      },
    },
    async (req) => findRunDeliverables(db, ZRunParamsSchema.parse(req.params).id),
  );

  app.get(
    "/ji/files/:delivId",
    {
      config: { permission: "files:read" },
      schema: {
        tags: ji,
        summary: "Download a deliverable stored on this node (HTTP Range supported)",
        params: paramsOf(ZDeliverableParamsSchema),
        response: fileResponse("The file", "application/octet-stream"),
      },
    },
    async (req, reply) => sendDeliverable(db, opts.node(), req, reply, { id: ZDeliverableParamsSchema.parse(req.params).delivId }),
  );

  for (const stream of ["stdout", "stderr"] as const) {
    app.get(
      `/ji/:id/${stream}`,
      {
        config: { permission: "logs:read" },
        schema: { tags: ji, summary: `The ${stream} of a run that ran on this node`, params: paramsOf(ZRunParamsSchema), response: fileResponse(`The ${stream} log`, "text/plain") },
      },
      async (req, reply) => sendRunLog(db, opts.node(), req, reply, ZRunParamsSchema.parse(req.params).id, stream),
    );
  }

  app.get(
    "/user/:username/ji",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Waiting and running runs of a user, oldest first (paged: see the X-Next-After-Id header)",
        params: paramsOf(ZUserParamsSchema),
        querystring: paramsOf(ZPageQuerySchema),
        response: answers({ 200: z.array(ZRunDtoSchema) }),
      },
    },
    async (req, reply) => {
      const page = await findActiveRuns(db, { ...ZPageQuerySchema.parse(req.query), user: ZUserParamsSchema.parse(req.params).username });
      if (page.nextAfterId) reply.header(NEXT_AFTER_ID, String(page.nextAfterId));
      return page.instances;
    },
  );

  app.get(
    "/q",
    { config: { permission: "queue:read" }, schema: { tags: queues, summary: "Queues", response: answers({ 200: z.array(ZJqmQueueSchema) }) } },
    async () => findQueues(db),
  );

  app.post(
    "/q/:qId/:jiId",
    {
      config: { permission: "queue_position:create" },
      schema: { tags: queues, summary: "Move a waiting run to this queue", params: paramsOf(ZQueueRunParamsSchema), response: done },
    },
    async (req, reply) => {
      const { qId, jiId } = ZQueueRunParamsSchema.parse(req.params);
      await moveRunToQueue(db, { actor: actor(req), id: jiId, queueId: qId });
      return reply.code(204).send();
    },
  );

  const queueAction = (method: "POST" | "DELETE", url: string, summary: string, run: (db: Db, change: { actor: Actor; queueId: number }) => Promise<unknown>) =>
    app.route({
      method,
      url,
      config: { permission: method === "POST" ? "queue:create" : "queue:delete" },
      schema: { tags: queues, summary, params: paramsOf(ZQueueParamsSchema), response: done },
      handler: async (req, reply) => {
        await run(db, { actor: actor(req), queueId: ZQueueParamsSchema.parse(req.params).qId });
        return reply.code(204).send();
      },
    });

  queueAction("POST", "/q/:qId/pause", "Pause a queue: disables all its node mappings (running runs go on)", pauseQueue);
  queueAction("DELETE", "/q/:qId/pause", "Resume a queue: enables all its node mappings", resumeQueue);

  app.post(
    "/q/:qId/clear",
    {
      config: { permission: "queue:create" },
      schema: {
        tags: queues,
        summary: "Cancel every waiting run of a queue (they move to History as CANCELLED)",
        params: paramsOf(ZQueueParamsSchema),
        response: answers({ 200: z.object({ cancelled: z.number().int() }) }),
      },
    },
    async (req) => {
      const { cancelled } = await clearQueue(db, { actor: actor(req), queueId: ZQueueParamsSchema.parse(req.params).qId });
      return { cancelled };
    },
  );

  app.get(
    "/q/:qId/status",
    {
      config: { permission: "queue:read" },
      schema: {
        tags: queues,
        summary: "RUNNING (all mappings enabled), PAUSED (none, or no mapping) or PARTIALLY_RUNNING",
        params: paramsOf(ZQueueParamsSchema),
        response: answers({ 200: ZQueueStatusSchema }),
      },
    },
    async (req, reply) => {
      const status = await getQueueStatus(db, ZQueueParamsSchema.parse(req.params).qId);
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(status));
    },
  );

  app.get(
    "/q/:qId/enabled-capacity",
    {
      config: { permission: "queue:read" },
      schema: {
        tags: queues,
        summary: "Sum of the threads of the queue's enabled mappings",
        params: paramsOf(ZQueueParamsSchema),
        response: answers({ 200: z.number().int() }),
      },
    },
    async (req) => getQueueEnabledCapacity(db, ZQueueParamsSchema.parse(req.params).qId),
  );

  const jd = ["job definitions"];
  app.get(
    "/jd",
    { config: { permission: "jd:read" }, schema: { tags: jd, summary: "Job definitions", response: answers({ 200: z.array(ZJqmJobDefSchema) }) } },
    async () => findJqmJobDefs(db),
  );

  app.get(
    "/jd/:application",
    {
      config: { permission: "jd:read" },
      schema: {
        tags: jd,
        summary: "Job definitions of one application tag",
        params: paramsOf(ZApplicationParamsSchema),
        response: answers({ 200: z.array(ZJqmJobDefSchema) }),
      },
    },
    async (req) => findJqmJobDefs(db, { application: ZApplicationParamsSchema.parse(req.params).application }),
  );

  app.get(
    "/jd/name/:name",
    {
      config: { permission: "jd:read" },
      schema: { tags: jd, summary: "A job definition by name", params: paramsOf(ZNameParamsSchema), response: answers({ 200: ZJqmJobDefSchema }) },
    },
    async (req) => getJqmJobDef(db, ZNameParamsSchema.parse(req.params).name),
  );

  app.get("/openapi.json", { schema: { hide: true } }, async () => {
    if (!app.hasDecorator("swagger")) throw new AppError("NOT_FOUND", "No OpenAPI document on this node");
    const doc = app.swagger() as { paths?: Record<string, unknown> };
    const prefix = app.prefix;
    const paths = Object.fromEntries(Object.entries(doc.paths ?? {}).filter(([p]) => p.startsWith(`${prefix}/`) && !p.endsWith("/openapi.json")));
    return { ...doc, paths };
  });
};
