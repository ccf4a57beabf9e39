import type { FastifyPluginAsync } from "fastify";
import { Counter, Gauge, Registry } from "prom-client";
import { z } from "zod";
import { JOBWARDEN_VERSION } from "~/version";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { killRun } from "~/server/services/runs/instruct-run";
import { updateNode } from "~/server/services/nodes/update-node";
import { setMappingEnabled } from "~/server/services/queues/mappings";
import type { ApiOptions, EngineView } from "./types";

function lateJobs(engine: EngineView, now = Date.now()) {
  return [...engine.running.values()].filter((r) => r.alertAfterSeconds != null && now - r.startedAt.getTime() > r.alertAfterSeconds * 1000).length;
}

function nodeAttributes(engine: EngineView) {
  const pollers = [...engine.pollers.values()];
  return {
    name: engine.name,
    version: JOBWARDEN_VERSION,
    uptimeSeconds: Math.round((Date.now() - engine.startedAt.getTime()) / 1000),
    cumulativeJobInstancesCount: engine.counters.ended + engine.counters.crashed,
    endedCount: engine.counters.ended,
    crashedCount: engine.counters.crashed,
    currentlyRunningJobCount: engine.running.size,
    allPollersPolling: engine.allPollersPolling(),
    full: pollers.length > 0 && pollers.every((p) => p.running >= p.mapping.maxThreads),
    acceptingWork: engine.acceptingWork(),
    lateJobs: lateJobs(engine),
  };
}

function pollerAttributes(engine: EngineView) {
  return [...engine.pollers.values()].map((p) => ({
    mappingId: p.mapping.id,
    queue: p.mapping.queueName,
    maxConcurrentJobInstanceCount: p.mapping.maxThreads,
    pollingIntervalMilliseconds: p.mapping.pollingIntervalMs,
    currentActiveThreadCount: p.running,
    jobsFinishedPerSecondLastMinute: p.finishedPerSecond(),
    actuallyPolling: p.polling,
    full: p.running >= p.mapping.maxThreads,
  }));
}

/** Prometheus metrics of one node, read from the engine at scrape time. */
function createMetrics(engine: EngineView) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: engine.name });
  new Gauge({ name: "jobwarden_running_jobs", help: "Runs currently running on this node", registers: [registry], collect() { this.set(engine.running.size); } });
  new Gauge({ name: "jobwarden_late_jobs", help: "Running longer than their job definition's alertAfterSeconds", registers: [registry], collect() { this.set(lateJobs(engine)); } });
  new Gauge({ name: "jobwarden_all_pollers_polling", help: "1 when every poller reached the database at its last poll", registers: [registry], collect() { this.set(engine.allPollersPolling() ? 1 : 0); } });
  new Gauge({ name: "jobwarden_uptime_seconds", help: "Seconds since the node started", registers: [registry], collect() { this.set((Date.now() - engine.startedAt.getTime()) / 1000); } });
  const ended = new Counter({ name: "jobwarden_runs_ended_total", help: "Runs ended on this node since it started", labelNames: ["state"], registers: [registry] });
  let reported = { ended: 0, crashed: 0 };
  const syncCounters = () => {
    ended.inc({ state: "ENDED" }, engine.counters.ended - reported.ended);
    ended.inc({ state: "CRASHED" }, engine.counters.crashed - reported.crashed);
    reported = { ended: engine.counters.ended, crashed: engine.counters.crashed };
  };
  const perQueue = (name: string, help: string, value: (p: ReturnType<typeof pollerAttributes>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of pollerAttributes(engine)) this.set({ queue: p.queue }, value(p));
      },
    });
  perQueue("jobwarden_poller_active_threads", "Runs of this queue running on this node", (p) => p.currentActiveThreadCount);
  perQueue("jobwarden_poller_max_threads", "maxThreads of the queue mapping", (p) => p.maxConcurrentJobInstanceCount);
  perQueue("jobwarden_poller_polling", "1 when the poller reached the database at its last poll", (p) => (p.actuallyPolling ? 1 : 0));
  perQueue("jobwarden_poller_finished_per_second", "Runs finished per second over the last minute", (p) => p.jobsFinishedPerSecondLastMinute);
  return { registry, syncCounters };
}

const ZIdParamSchema = z.object({ id: z.coerce.number().int().positive() });

/** The management API (JMX equivalent): node and poller attributes and operations, running jobs, metrics. */
export const managementApi: FastifyPluginAsync<ApiOptions> = async (app, { db, node, engine }) => {
  const metrics = createMetrics(engine);

  app.get("/mgmt/node", { config: { permission: "node:read" } }, async () => nodeAttributes(engine));
  app.get("/mgmt/pollers", { config: { permission: "node:read" } }, async () => pollerAttributes(engine));
  app.get("/mgmt/running", { config: { permission: "job_instance:read" } }, async () =>
    [...engine.running.values()].map((r) => ({
      id: r.id,
      applicationName: r.applicationName,
      startedAt: r.startedAt,
      runTimeSeconds: Math.round((Date.now() - r.startedAt.getTime()) / 1000),
    })),
  );

  app.post("/mgmt/node/stop", { config: { permission: "node:update" } }, async (req, reply) => {
    await createAuditEvent(db, { actor: req.caller.actor, action: "node.stop", objectType: "node", objectId: node().id });
    void engine.stop(`requested by ${req.caller.actor.login} through the management API`);
    return reply.code(202).send({ stopping: true });
  });
  for (const [path, enabled] of [["pause", false], ["resume", true]] as const) {
    app.post(`/mgmt/node/${path}`, { config: { permission: "node:update" } }, async (req) => {
      await updateNode(db, { actor: req.caller.actor, id: node().id, changes: { enabled } });
      await engine.refreshConfiguration();
      return nodeAttributes(engine);
    });
  }
  app.post("/mgmt/node/refresh", { config: { permission: "node:update" } }, async () => {
    await engine.refreshConfiguration();
    return nodeAttributes(engine);
  });
  app.post("/mgmt/pollers/:id/stop", { config: { permission: "qmapping:update" } }, async (req, reply) => {
    const { id } = ZIdParamSchema.parse(req.params);
    if (![...engine.pollers.values()].some((p) => p.mapping.id === id)) return reply.code(404).send({ error: "NOT_FOUND", message: `No running poller for mapping ${id}` });
    await setMappingEnabled(db, { actor: req.caller.actor, id, enabled: false });
    await engine.refreshConfiguration();
    return pollerAttributes(engine);
  });
  app.post("/mgmt/running/:id/kill", { config: { permission: "job_instance:create" } }, async (req, reply) => {
    const { id } = ZIdParamSchema.parse(req.params);
    if (!engine.running.has(id)) return reply.code(404).send({ error: "NOT_FOUND", message: `Run ${id} is not running on this node` });
    await killRun(db, { actor: req.caller.actor, id });
    engine.killRunLocally(id, req.caller.actor.login);
    return reply.code(202).send({ killing: id });
  });

  app.get("/metrics", { config: { permission: "node:read" } }, async (_req, reply) => {
    metrics.syncCounters();
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
