import { readFileSync } from "node:fs";
import { Agent, fetch } from "undici";
import { env } from "~/env";

export type ApiClientOptions = {
  url: string;
  user?: string;
  password?: string;
  token?: string;
  cert?: string;
  key?: string;
  ca?: string;
};

/** Calls a node's simple API like curl would, with the node APIs' auth modes. */
export function createApiClient(opts: ApiClientOptions) {
  const headers: Record<string, string> = {};
  const user = opts.user ?? env.JOBWARDEN_USER;
  const password = opts.password ?? env.JOBWARDEN_PASSWORD;
  const token = opts.token ?? env.JOBWARDEN_TOKEN;
  if (token) headers.authorization = `Bearer ${token}`;
  else if (user) headers.authorization = `Basic ${Buffer.from(`${user}:${password ?? ""}`).toString("base64")}`;
  const dispatcher =
    opts.ca || opts.cert
      ? new Agent({
          connect: {
            ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}),
            ...(opts.cert ? { cert: readFileSync(opts.cert) } : {}),
            ...(opts.key ? { key: readFileSync(opts.key) } : {}),
          },
        })
      : undefined;
  const base = opts.url.replace(/\/+$/, "");

  async function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    const res = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...init.headers }, dispatcher });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // plain text answer
      }
      throw new Error(`${res.status}: ${message}`);
    }
    return text;
  }

  return {
    async enqueue(applicationName: string, parameters: Record<string, string>) {
      const body = new URLSearchParams([["applicationname", applicationName]]);
      for (const [k, v] of Object.entries(parameters)) {
        body.append("parameterNames", k);
        body.append("parameterValues", v);
      }
      return Number(await call("/ws/simple/ji", { method: "POST", body: body.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } }));
    },
    status: (id: number) => call(`/ws/simple/status?id=${id}`),
  };
}
