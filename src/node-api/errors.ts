import type { FastifyError, FastifyInstance } from "fastify";
import { ZodError } from "zod";
import { APP_ERROR_STATUS, AppError, isDatabaseUnavailable } from "~/server/services/errors";

/** Bad input gets a 4xx with a short JSON message; only real bugs answer 500 (and are logged). */
export function registerErrorHandling(app: FastifyInstance) {
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: "Not Found", message: `No route ${req.method} ${req.url.split("?")[0]}` }));
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof AppError) return reply.code(APP_ERROR_STATUS[err.code]).send({ error: err.code, message: err.message });
    if (err instanceof ZodError) {
      return reply.code(400).send({ error: "BAD_REQUEST", message: err.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: (err as FastifyError).code ?? "BAD_REQUEST", message: err.message });
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err }, "node API request failed: the database is unavailable");
      return reply.code(503).header("retry-after", "1").send({ error: "UNAVAILABLE", message: "The database is unavailable right now; try again." });
    }
    req.log.error({ err }, "node API request failed");
    return reply.code(500).send({ error: "INTERNAL", message: "Internal error; see the node's engine log" });
  });
}
