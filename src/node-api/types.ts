import type {} from "@fastify/static";
import type { Logger } from "pino";
import type { Db } from "~/server/db";
import type { AuthMode } from "~/server/domain/node-config";
import type { Permission } from "~/server/domain/permissions";
import type { Actor } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";

/** Who is calling: a user (basic, token, certificate), or anonymous where the API allows it. */
export type Caller = {
  /** null = anonymous (auth mode `none`): JQM's behaviour, every permission is granted. */
  principal: Principal | null;
  /** Permissions an API token is limited to; null when not a token. */
  scopes: string[] | null;
  authMode: AuthMode;
  actor: Actor;
};

/** What the engine exposes to the node APIs. */
export type EngineView = {
  name: string;
  startedAt: Date;
  counters: { ended: number; crashed: number; crashedByRecovery: number };
  running: Map<number, { id: number; applicationName: string; startedAt: Date; alertAfterSeconds: number | null }>;
  pollers: Map<
    number,
    { mapping: { id: number; queueName: string; maxThreads: number; pollingIntervalMs: number }; running: number; polling: boolean; finishedPerSecond(): number }
  >;
  acceptingWork(): boolean;
  allPollersPolling(): boolean;
  refreshConfiguration(): Promise<void>;
  stop(reason: string): Promise<void>;
  killRunLocally(id: number, by: string): boolean;
};

export type NodeApiNode = {
  id: number;
  name: string;
  deliverablesDir: string;
  logDir: string;
};

/** Handed to every API plugin. */
export type ApiOptions = {
  db: Db;
  node: () => NodeApiNode;
  engine: EngineView;
  log: Logger;
};

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    /** Checked for every authenticated caller before the handler runs (RBAC, as in the console). */
    permission?: Permission;
    /** No authentication at all (the health probe). */
    anonymous?: boolean;
  }
}
