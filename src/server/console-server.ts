import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { env } from "~/env";
import { type RequestGuardOptions, createRequestGuard } from "~/server/auth/request-guard";
import { logger } from "~/server/logger";

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What the console needs of Next.js's custom-server API (`next()` from "next"). */
export type NextApp = { prepare(): Promise<void>; getRequestHandler(): Handle; close(): Promise<void> };
export type CreateNextApp = (options: { dev: false; dir: string; hostname: string; port: number }) => NextApp;

/** The console's HTTP server: every request passes the request guard before Next.js sees it. */
export function createConsoleServer(handle: Handle, guardOptions: RequestGuardOptions): Server {
  const guard = createRequestGuard(guardOptions);
  return createServer((req, res) => {
    guard(req, res, () => {
      handle(req, res).catch((e: unknown) => {
        logger.error({ err: e, url: req.url }, "console request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error");
      });
    });
  });
}

export type ConsoleServerOptions = { host: string; port: number; dir: string; trustedProxies: string };

/**
 * Next.js's custom server (instead of `next start`, which owns its HTTP server): prepares the built
 * app, then listens, so that no request reaches Next.js before the guard is in place.
 */
export async function startConsoleServer(options: ConsoleServerOptions, createApp?: CreateNextApp) {
  const create = createApp ?? ((await import("next")).default as unknown as CreateNextApp);
  const app = create({ dev: false, dir: options.dir, hostname: options.host, port: options.port });
  await app.prepare();
  const server = createConsoleServer(app.getRequestHandler(), { trustedProxies: options.trustedProxies });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  };
  return { server, close };
}

/** `jobwarden console`: the built console on CONSOLE_HOST:PORT until SIGTERM/SIGINT. */
export async function runConsoleServer() {
  if (env.NODE_ENV !== "production") {
    console.error("jobwarden console: runs the production build (next build): set NODE_ENV=production. For development: npm run dev.");
    process.exitCode = 1;
    return;
  }
  const { close } = await startConsoleServer({ host: env.CONSOLE_HOST, port: env.PORT, dir: process.cwd(), trustedProxies: env.TRUSTED_PROXIES });
  const host = env.CONSOLE_HOST.includes(":") ? `[${env.CONSOLE_HOST}]` : env.CONSOLE_HOST;
  console.log(`Console listening on http://${host}:${env.PORT}`);
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      // Requests in progress finish; idle keep-alive connections do not hold the stop.
      void close().then(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}
