import type {} from "@fastify/swagger";
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Db } from "~/server/db";
import type { Actor } from "~/server/services/audit/create-audit-event";
import { APP_ERROR_STATUS, AppError, isDatabaseUnavailable } from "~/server/services/errors";
import { findJqmJobDefs, getJqmJobDef } from "~/server/services/jobdefs/jqm-mapping";
import { findQueues, getQueueEnabledCapacity, getQueueStatus } from "~/server/services/queues/jqm-mapping";
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
  ZQueryRunsSchema,
  findActiveRuns,
  findRunDeliverables,
  getRun,
  getRunMessages,
  queryRuns,
  type TQueryRuns,
} from "~/server/services/runs/jqm-mapping";
import { sendDeliverable, sendRunLog } from "./files";
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

function positive(value: string, name: string, max = MAX_ID) {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new AppError("BAD_REQUEST", `${name} must be an integer between 1 and ${max}`);
  return n;
}

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

function jsonSchemaOf(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-07",
    // Only ZRunParametersSchema is a custom type: it gets its JSON Schema just below.
    unrepresentable: "any",
    override: (ctx) => {
      if (ctx.zodSchema === ZRunParametersSchema) Object.assign(ctx.jsonSchema, PARAMETERS_JSON_SCHEMA);
    },
  }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const errorBody = (status: number, message: string) => ({ error: STATUS_CODES[status] ?? "Error", message });

const str = { type: "string" } as const;
const nstr = { type: ["string", "null"] } as const;
const nint = { type: ["integer", "null"] } as const;
const ndate = { type: ["string", "null"], format: "date-time" } as const;
const stringMap = { type: "object", additionalProperties: { type: "string" } } as const;

const errorSchema = {
  type: "object",
  description: "Error: 400 bad input, 401 unauthenticated, 403 permission missing, 404 unknown object, 409 wrong state, 429 throttled",
  properties: { error: str, message: str },
  required: ["error", "message"],
} as const;

const runSchema = {
  type: "object",
  description: "JQM's JobInstance. `parameters` is a plain { key: value } object (not JQM's list of {key, value}).",
  properties: {
    id: { type: "integer" },
    applicationName: str,
    parent: nint,
    user: nstr,
    sessionID: nstr,
    state: { type: "string", enum: ["SUBMITTED", "SCHEDULED", "HOLDED", "ATTRIBUTED", "RUNNING", "ENDED", "CRASHED", "CANCELLED"] },
    position: { type: ["number", "null"] },
    priority: { type: "integer" },
    queueName: str,
    keyword1: nstr,
    keyword2: nstr,
    keyword3: nstr,
    module: nstr,
    email: nstr,
    application: nstr,
    parameters: stringMap,
    progress: nint,
    enqueueDate: { type: "string", format: "date-time" },
    beganRunningDate: ndate,
    endDate: ndate,
    runAfter: ndate,
    nodeName: nstr,
    fromSchedule: { type: "boolean" },
    messages: { type: "array", items: str },
  },
} as const;

const deliverableSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    fileFamily: nstr,
    originalName: str,
    size: { type: "integer" },
    sha256: str,
    downloadId: str,
    nodeName: str,
  },
} as const;

const queueSchema = {
  type: "object",
  properties: { id: { type: "integer" }, name: str, description: str, defaultQueue: { type: "boolean" } },
} as const;

const jobDefSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    applicationName: str,
    description: str,
    canBeRestarted: { type: "boolean" },
    enabled: { type: "boolean" },
    queueName: str,
    application: nstr,
    module: nstr,
    keyword1: nstr,
    keyword2: nstr,
    keyword3: nstr,
    highlander: { type: "boolean" },
    parameters: stringMap,
    schedules: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "integer" },
          cronExpression: str,
          queueName: { ...nstr, description: "null: the job definition's queue" },
          priority: nint,
          enabled: { type: "boolean" },
        },
      },
    },
  },
} as const;

const idString = (description: string) => ({ type: "string", pattern: "^[0-9]{1,10}$", description }) as const;

function params(properties: Record<string, object>) {
  return { type: "object", properties, required: Object.keys(properties) } as const;
}

const errors = { "4xx": errorSchema, "5xx": errorSchema } as const;
const done = { 204: { type: "null", description: "Done" }, ...errors } as const;
const fileResponse = (description: string, mime: string) =>
  ({ 200: { description, content: { [mime]: { schema: { type: "string", format: "binary" } } } }, ...errors }) as const;

const pageQuery = {
  type: "object",
  properties: {
    afterId: { type: "integer", minimum: 0, maximum: MAX_ID, description: "Return runs with a greater id (the X-Next-After-Id header of the previous page)" },
    pageSize: { type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE },
  },
} as const;

const NEXT_AFTER_ID = "x-next-after-id";

/**
 * JQM's client API (jqm.md §4.1), JSON only, under /ws/client. Permissions follow JQM's shiro.ini.
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
  const idParams = params({ id: idString("Run (job instance) id") });
  const ji = ["job instances"];
  const queues = ["queues"];


  app.get(
    "/ji/active",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Waiting and running runs, oldest first (paged: see the X-Next-After-Id header)",
        querystring: pageQuery,
        response: { 200: { type: "array", items: runSchema }, ...errors },
      },
    },
    async (req, reply) => {
      const q = req.query as { afterId?: number; pageSize?: number };
      const page = await findActiveRuns(db, q);
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
        body: jsonSchemaOf(ZQueryRunsSchema),
        response: {
          200: { type: "object", properties: { instances: { type: "array", items: runSchema }, nextAfterId: { type: "integer" } } },
          ...errors,
        },
      },
    },
    async (req) => queryRuns(db, req.body as TQueryRuns),
  );

  app.get<{ Params: { id: string } }>(
    "/ji/:id",
    {
      config: { permission: "job_instance:read" },
      schema: { tags: ji, summary: "A live or ended run, with its messages", params: idParams, response: { 200: runSchema, ...errors } },
    },
    async (req) => getRun(db, positive(req.params.id, "id")),
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
        body: jsonSchemaOf(ZJobRequestSchema),
        response: { 200: runSchema, 201: runSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { run, existing } = await submitJobRequest(db, req.body, actor(req));
      return reply.code(existing ? 200 : 201).send(run);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/ji/:id",
    {
      config: { permission: "job_instance:create" },
      schema: {
        tags: ji,
        summary: "Relaunch an ended run with the same parameters (JQM's enqueueFromHistory)",
        params: idParams,
        response: { 201: { type: "object", properties: { id: { type: "integer" } } }, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await relaunchRun(db, { actor: actor(req), id: positive(req.params.id, "id") })),
  );

  const instruction = (
    method: "POST" | "DELETE",
    url: string,
    summary: string,
    run: (db: Db, change: { actor: Actor; id: number }) => Promise<unknown>,
  ) =>
    app.route<{ Params: { id: string } }>({
      method,
      url,
      config: { permission: method === "POST" ? "job_instance:create" : "job_instance:delete" },
      schema: { tags: ji, summary, params: idParams, response: done },
      handler: async (req, reply) => {
        await run(db, { actor: actor(req), id: positive(req.params.id, "id") });
        return reply.code(204).send();
      },
    });

  instruction("POST", "/ji/cancelled/:id", "Cancel a waiting run (it moves to History as CANCELLED)", cancelRun);
  instruction("DELETE", "/ji/waiting/:id", "Delete a waiting run: same as cancel, the run is kept in History as CANCELLED", cancelRun);
  instruction("POST", "/ji/killed/:id", "Kill a running (or attributed) run: its node stops it and it ends CRASHED", killRun);
  instruction("POST", "/ji/paused/:id", "Pause (hold) a waiting run", pauseRun);
  instruction("DELETE", "/ji/paused/:id", "Resume a paused run", resumeRun);

  app.delete<{ Params: { id: string } }>(
    "/ji/crashed/:id",
    {
      config: { permission: "job_instance:delete" },
      schema: { tags: ji, summary: "Restart a crashed run: enqueues a new run with the same parameters", params: idParams, response: { 201: runSchema, ...errors } },
    },
    async (req, reply) => {
      const { id } = await restartRun(db, { actor: actor(req), id: positive(req.params.id, "id") });
      return reply.code(201).send(await getRun(db, id));
    },
  );

  app.post<{ Params: { id: string; position: string } }>(
    "/ji/:id/position/:position",
    {
      config: { permission: "queue_position:create" },
      schema: {
        tags: ji,
        summary: "Move a waiting run to a 1-based position among the waiting runs of its queue and priority",
        params: params({ id: idString("Run id"), position: idString("1 = next to start") }),
        response: done,
      },
    },
    async (req, reply) => {
      await moveRunToPosition(db, { actor: actor(req), id: positive(req.params.id, "id"), position: positive(req.params.position, "position") });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string; priority: string } }>(
    "/ji/:id/priority/:priority",
    {
      config: { permission: "job_instance:create" },
      schema: {
        tags: ji,
        summary: "Change the priority of a waiting run (higher starts first)",
        params: params({ id: idString("Run id"), priority: { type: "string", pattern: "^-?[0-9]{1,4}$", description: "-1000 to 1000" } }),
        response: done,
      },
    },
    async (req, reply) => {
      const priority = Number(req.params.priority);
      if (Math.abs(priority) > 1000) throw new AppError("BAD_REQUEST", "priority must be between -1000 and 1000");
      await setRunPriority(db, { actor: actor(req), id: positive(req.params.id, "id"), priority });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string; epochMs: string } }>(
    "/ji/:id/delay/:epochMs",
    {
      config: { permission: "job_instance:create" },
      schema: {
        tags: ji,
        summary: "Do not start a waiting run before this time (epoch milliseconds)",
        params: params({ id: idString("Run id"), epochMs: { type: "string", pattern: "^[0-9]{1,15}$" } }),
        response: done,
      },
    },
    async (req, reply) => {
      const at = Number(req.params.epochMs);
      if (at > 253_402_214_400_000) throw new AppError("BAD_REQUEST", "epochMs is after year 9999");
      await setRunAfter(db, { actor: actor(req), id: positive(req.params.id, "id"), runAfter: new Date(at) });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    "/ji/:id/messages",
    {
      config: { permission: "job_instance:read" },
      schema: { tags: ji, summary: "Messages of a run", params: idParams, response: { 200: { type: "array", items: str }, ...errors } },
    },
    async (req) => getRunMessages(db, positive(req.params.id, "id")),
  );

  app.get<{ Params: { id: string } }>(
    "/ji/:id/files",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Files (deliverables) a run produced; download them from the node named by nodeName",
        params: idParams,
        response: { 200: { type: "array", items: deliverableSchema }, ...errors },
      },
    },
    async (req) => findRunDeliverables(db, positive(req.params.id, "id")),
  );

  app.get<{ Params: { delivId: string } }>(
    "/ji/files/:delivId",
    {
      config: { permission: "files:read" },
      schema: {
        tags: ji,
        summary: "Download a deliverable stored on this node (HTTP Range supported)",
        params: params({ delivId: idString("Deliverable id") }),
        response: fileResponse("The file", "application/octet-stream"),
      },
    },
    async (req, reply) => sendDeliverable(db, opts.node(), req, reply, { id: positive(req.params.delivId, "delivId") }),
  );

  for (const stream of ["stdout", "stderr"] as const) {
    app.get<{ Params: { id: string } }>(
      `/ji/:id/${stream}`,
      {
        config: { permission: "logs:read" },
        schema: { tags: ji, summary: `The ${stream} of a run that ran on this node`, params: idParams, response: fileResponse(`The ${stream} log`, "text/plain") },
      },
      async (req, reply) => sendRunLog(db, opts.node(), req, reply, positive(req.params.id, "id"), stream),
    );
  }

  app.get<{ Params: { username: string } }>(
    "/user/:username/ji",
    {
      config: { permission: "job_instance:read" },
      schema: {
        tags: ji,
        summary: "Waiting and running runs of a user, oldest first (paged: see the X-Next-After-Id header)",
        params: params({ username: { type: "string", minLength: 1, maxLength: 200 } }),
        querystring: pageQuery,
        response: { 200: { type: "array", items: runSchema }, ...errors },
      },
    },
    async (req, reply) => {
      const page = await findActiveRuns(db, { ...(req.query as { afterId?: number; pageSize?: number }), user: req.params.username });
      if (page.nextAfterId) reply.header(NEXT_AFTER_ID, String(page.nextAfterId));
      return page.instances;
    },
  );


  const qParams = params({ qId: idString("Queue id") });

  app.get(
    "/q",
    { config: { permission: "queue:read" }, schema: { tags: queues, summary: "Queues", response: { 200: { type: "array", items: queueSchema }, ...errors } } },
    async () => findQueues(db),
  );

  app.post<{ Params: { qId: string; jiId: string } }>(
    "/q/:qId/:jiId",
    {
      config: { permission: "queue_position:create" },
      schema: { tags: queues, summary: "Move a waiting run to this queue", params: params({ qId: idString("Queue id"), jiId: idString("Run id") }), response: done },
    },
    async (req, reply) => {
      await moveRunToQueue(db, { actor: actor(req), id: positive(req.params.jiId, "jiId"), queueId: positive(req.params.qId, "qId") });
      return reply.code(204).send();
    },
  );

  const queueAction = (method: "POST" | "DELETE", url: string, summary: string, run: (db: Db, change: { actor: Actor; queueId: number }) => Promise<unknown>) =>
    app.route<{ Params: { qId: string } }>({
      method,
      url,
      config: { permission: method === "POST" ? "queue:create" : "queue:delete" },
      schema: { tags: queues, summary, params: qParams, response: done },
      handler: async (req, reply) => {
        await run(db, { actor: actor(req), queueId: positive(req.params.qId, "qId") });
        return reply.code(204).send();
      },
    });

  queueAction("POST", "/q/:qId/pause", "Pause a queue: disables all its node mappings (running runs go on)", pauseQueue);
  queueAction("DELETE", "/q/:qId/pause", "Resume a queue: enables all its node mappings", resumeQueue);

  app.post<{ Params: { qId: string } }>(
    "/q/:qId/clear",
    {
      config: { permission: "queue:create" },
      schema: {
        tags: queues,
        summary: "Cancel every waiting run of a queue (they move to History as CANCELLED)",
        params: qParams,
        response: { 200: { type: "object", properties: { cancelled: { type: "integer" } } }, ...errors },
      },
    },
    async (req) => {
      const { cancelled } = await clearQueue(db, { actor: actor(req), queueId: positive(req.params.qId, "qId") });
      return { cancelled };
    },
  );

  app.get<{ Params: { qId: string } }>(
    "/q/:qId/status",
    {
      config: { permission: "queue:read" },
      schema: {
        tags: queues,
        summary: "RUNNING (all mappings enabled), PAUSED (none, or no mapping) or PARTIALLY_RUNNING",
        params: qParams,
        response: { 200: { type: "string", enum: ["RUNNING", "PARTIALLY_RUNNING", "PAUSED"] }, ...errors },
      },
    },
    async (req, reply) => {
      const status = await getQueueStatus(db, positive(req.params.qId, "qId"));
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(status));
    },
  );

  app.get<{ Params: { qId: string } }>(
    "/q/:qId/enabled-capacity",
    {
      config: { permission: "queue:read" },
      schema: { tags: queues, summary: "Sum of the threads of the queue's enabled mappings", params: qParams, response: { 200: { type: "integer" }, ...errors } },
    },
    async (req) => getQueueEnabledCapacity(db, positive(req.params.qId, "qId")),
  );


  const jd = ["job definitions"];
  app.get(
    "/jd",
    { config: { permission: "jd:read" }, schema: { tags: jd, summary: "Job definitions", response: { 200: { type: "array", items: jobDefSchema }, ...errors } } },
    async () => findJqmJobDefs(db),
  );

  app.get<{ Params: { application: string } }>(
    "/jd/:application",
    {
      config: { permission: "jd:read" },
      schema: {
        tags: jd,
        summary: "Job definitions of one application tag",
        params: params({ application: { type: "string", minLength: 1, maxLength: 200 } }),
        response: { 200: { type: "array", items: jobDefSchema }, ...errors },
      },
    },
    async (req) => findJqmJobDefs(db, { application: req.params.application }),
  );

  app.get<{ Params: { name: string } }>(
    "/jd/name/:name",
    {
      config: { permission: "jd:read" },
      schema: { tags: jd, summary: "A job definition by name", params: params({ name: { type: "string", minLength: 1, maxLength: 200 } }), response: { 200: jobDefSchema, ...errors } },
    },
    async (req) => getJqmJobDef(db, req.params.name),
  );


  app.get("/openapi.json", { schema: { hide: true } }, async () => {
    if (!app.hasDecorator("swagger")) throw new AppError("NOT_FOUND", "No OpenAPI document on this node");
    const doc = app.swagger() as { paths?: Record<string, unknown> };
    const prefix = app.prefix;
    const paths = Object.fromEntries(Object.entries(doc.paths ?? {}).filter(([p]) => p.startsWith(`${prefix}/`) && !p.endsWith("/openapi.json")));
    return { ...doc, paths };
  });
};
