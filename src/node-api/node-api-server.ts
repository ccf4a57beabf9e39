import { X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import { env } from "~/env";
import type { Db } from "~/server/db";
import { isLoopbackAddress } from "~/server/domain/addresses";
import type { ApiName, AuthMode, ListenerReport, NodeListenerConfig } from "~/server/domain/node-config";
import { registerAuth } from "./auth";
import { clientApi } from "./client-api";
import { registerErrorHandling } from "./errors";
import { managementApi } from "./management-api";
import { registerRequestGuard } from "./request-guard";
import { simpleApi } from "./simple-api";
import type { ApiOptions, EngineView, NodeApiNode } from "./types";

/** The node parameters that shape its listeners. */
export type NodeApiConfig = NodeApiNode & NodeListenerConfig;

type ListenerKind = "main" | "mgmt-remote" | "mgmt-local";
type Spec = { kind: ListenerKind; key: string; host?: string; port?: number; socketPath?: string; tls: TlsFiles | null; apis: { api: ApiName; auth: AuthMode }[] };
type TlsFiles = { cert: string; key: string; ca: string | null; mtimes: number[] };
type Listener = { spec: Spec; app: FastifyInstance | null; report: ListenerReport[] };

export function managementSocketPath(nodeName: string) {
  return join(env.JOBWARDEN_HOME, "run", nodeName, "mgmt.sock");
}

async function tlsFiles(node: NodeApiConfig): Promise<TlsFiles | null> {
  if (!node.tlsEnabled || !node.tlsCertPath || !node.tlsKeyPath) return null;
  const files = [node.tlsCertPath, node.tlsKeyPath, ...(node.tlsCaPath ? [node.tlsCaPath] : [])];
  const mtimes = await Promise.all(files.map((f) => stat(f).then((s) => s.mtimeMs, () => -1)));
  return { cert: node.tlsCertPath, key: node.tlsKeyPath, ca: node.tlsCaPath, mtimes };
}

/**
 * Hosts a node's APIs: the main listener (simple API, and the client REST API when enabled) on
 * host:port, the remote management listener on host:mgmtRemotePort, and the local management API on
 * a 0600 Unix socket. `apply` is called every heartbeat: a listener whose parameters changed is
 * closed and reopened, so the node always reports what it really listens on.
 */
export class NodeApiServer {
  private readonly listeners = new Map<ListenerKind, Listener>();
  private config!: NodeApiConfig;

  constructor(
    private readonly db: Db,
    private readonly engine: EngineView,
    private readonly log: Logger,
  ) {}

  report(): ListenerReport[] {
    return [...this.listeners.values()].flatMap((l) => l.report);
  }

  /** Base URL of the simple API for payloads on this machine (JQM_API_LOCAL_URL). */
  localUrl(): string | null {
    const main = this.listeners.get("main");
    const r = main?.report[0];
    if (!main?.app || !r?.port || !r.address) return null;
    const host = r.address === "0.0.0.0" ? "127.0.0.1" : r.address === "::" ? "[::1]" : r.address.includes(":") ? `[${r.address}]` : r.address;
    return `${r.tls ? "https" : "http"}://${host}:${r.port}`;
  }

  async apply(config: NodeApiConfig) {
    this.config = config;
    const tls = await tlsFiles(config);
    const specs: Spec[] = [
      this.spec({ kind: "main", host: config.host, port: config.port, tls, apis: [{ api: "simple", auth: config.authSimple }, ...(config.loadApiClient ? [{ api: "client" as const, auth: config.authClient }] : [])] }),
      this.spec({ kind: "mgmt-local", socketPath: managementSocketPath(config.name), tls: null, apis: [{ api: "mgmt", auth: "none" }] }),
    ];
    if (config.mgmtRemotePort !== null) {
      specs.push(this.spec({ kind: "mgmt-remote", host: config.host, port: config.mgmtRemotePort, tls, apis: [{ api: "mgmt", auth: config.authMgmt }] }));
    }
    for (const [kind, listener] of this.listeners) {
      if (!specs.some((s) => s.kind === kind)) await this.close(kind, listener);
    }
    for (const spec of specs) {
      const current = this.listeners.get(spec.kind);
      if (current && current.spec.key === spec.key && current.app) continue;
      if (current) await this.close(spec.kind, current);
      await this.open(spec);
    }
  }

  async close(kind: ListenerKind, listener = this.listeners.get(kind)) {
    this.listeners.delete(kind);
    await listener?.app?.close().catch((err: unknown) => this.log.warn({ err, kind }, "closing a listener failed"));
  }

  async closeAll() {
    for (const kind of [...this.listeners.keys()]) await this.close(kind);
  }

  private spec(s: Omit<Spec, "key">): Spec {
    return { ...s, key: JSON.stringify({ ...s, anonymous: this.config.anonymousConfirmed }) };
  }

  private async open(spec: Spec) {
    const reports = (extra: Partial<ListenerReport>): ListenerReport[] =>
      spec.apis.map(({ api, auth }) => ({
        api: spec.kind === "mgmt-local" ? "mgmt-local" : api,
        address: spec.host ?? null,
        port: spec.port ?? null,
        ...(spec.socketPath ? { socketPath: spec.socketPath } : {}),
        tls: !!spec.tls,
        auth: spec.kind === "mgmt-local" ? "socket-permissions" : auth,
        anonymousFromNetwork: spec.kind !== "mgmt-local" && auth === "none" && this.config.anonymousConfirmed && !isLoopbackAddress(spec.host),
        ...extra,
      }));
    try {
      const https = spec.tls ? await this.httpsOptions(spec.tls) : null;
      const app = await this.build(spec, https?.options ?? null);
      if (spec.socketPath) {
        const dir = join(spec.socketPath, "..");
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await chmod(dir, 0o700);
        await rm(spec.socketPath, { force: true });
        await app.listen({ path: spec.socketPath });
        await chmod(spec.socketPath, 0o600);
        this.listeners.set(spec.kind, { spec, app, report: reports({}) });
      } else {
        await app.listen({ host: spec.host, port: spec.port });
        const address = app.server.address();
        const actualPort = typeof address === "object" && address ? address.port : spec.port;
        let kept = spec;
        if (spec.port === 0 && actualPort) {
          // Port 0 = any free port: write the chosen one back so that clients can find it.
          const field = spec.kind === "main" ? { port: actualPort } : { mgmtRemotePort: actualPort };
          await this.db.node.update({ where: { id: this.config.id }, data: field });
          const { key: _previousKey, ...requested } = spec;
          kept = this.spec({ ...requested, port: actualPort });
        }
        this.listeners.set(spec.kind, { spec: kept, app, report: reports({ port: actualPort ?? null, ...https?.describe }) });
      }
      this.log.info({ listener: spec.kind, host: spec.host, port: spec.port, socket: spec.socketPath, tls: !!spec.tls, apis: spec.apis }, "listening");
    } catch (err) {
      this.log.error({ err, listener: spec.kind, host: spec.host, port: spec.port }, "cannot open listener; retrying at the next heartbeat");
      this.listeners.set(spec.kind, { spec, app: null, report: reports({ error: (err as Error).message }) });
    }
  }

  private async httpsOptions(tls: TlsFiles) {
    const [cert, key, ca] = await Promise.all([readFile(tls.cert), readFile(tls.key), tls.ca ? readFile(tls.ca) : null]);
    const x509 = new X509Certificate(cert);
    return {
      options: { cert, key, ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}), minVersion: "TLSv1.2" as const },
      describe: { tlsSubject: x509.subject.replaceAll("\n", ", "), tlsNotAfter: new Date(x509.validTo).toISOString(), clientCertificates: !!ca },
    };
  }

  private async build(spec: Spec, https: object | null) {
    const app = Fastify({
      ...(https ? { https } : {}),
      loggerInstance: this.log.child({ api: spec.apis.map((a) => a.api).join("+") }),
      disableRequestLogging: true,
      bodyLimit: 1024 * 1024,
    }) as unknown as FastifyInstance;
    registerErrorHandling(app);
    if (spec.host !== undefined) {
      const host = spec.host;
      registerRequestGuard(app, () => ({ nodeName: this.config.name, bindAddress: host, allowedHosts: this.config.allowedHosts, tls: !!spec.tls }));
    }
    await app.register(formbody, { bodyLimit: 1024 * 1024 });
    await app.register(fastifyStatic, { root: "/", serve: false });
    const options: ApiOptions = { db: this.db, node: () => this.config, engine: this.engine, log: this.log };
    for (const { api, auth } of spec.apis) {
      const plugin: FastifyPluginAsync<ApiOptions> = api === "simple" ? simpleApi : api === "client" ? clientApi : managementApi;
      const prefix = api === "simple" ? "/ws/simple" : api === "client" ? "/ws/client" : "";
      await app.register(
        async (scope) => {
          registerAuth(scope, this.db, () => ({ mode: auth, anonymousOnNetwork: this.config.anonymousConfirmed, localSocket: spec.kind === "mgmt-local" }));
          if (api === "client") await scope.register(swagger, { openapi: { info: { title: "Jobwarden client API (JQM /ws/client)", version: "1" } } });
          await scope.register(plugin, { ...options, prefix });
        },
        { prefix: "" },
      );
    }
    return app;
  }
}
