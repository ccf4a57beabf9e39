// DATABASE_URL picks the provider: file:... -> SQLite, postgres(ql)://... -> PostgreSQL.
// The patches below make Prisma 6.19's CLI work offline with the JS engine: docs/database.md, "Patches",
// numbers 3 to 7, says what each works around and how to remove it.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

process.env.DATABASE_URL ??= "file:./data/jobwarden.db";
const url = process.env.DATABASE_URL;
const isPg = /^postgres(ql)?:\/\//.test(url);

// The wasm schema engine leaves long timers behind; unref them so commands exit when done.
const setTimeout0 = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
  const t = setTimeout0(fn, ms, ...rest);
  if ((ms ?? 0) >= 5000) t.unref();
  return t;
}) as typeof setTimeout;

function sqliteFactory(url: string) {
  const file = url.replace(/^file:/, "");
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const inner = new PrismaBetterSQLite3({ url });
  return {
    provider: "sqlite" as const,
    adapterName: inner.adapterName,
    connect: () => inner.connect(),
    async connectToShadowDb() {
      // The shadow replays migration.sql files; better-sqlite3's prepare() takes one statement.
      const shadow = await inner.connectToShadowDb();
      const executeRaw = shadow.executeRaw.bind(shadow);
      shadow.executeRaw = async (q) =>
        q.args.length === 0 ? (await shadow.executeScript(q.sql), 0) : executeRaw(q);
      return shadow;
    },
  };
}

if (isPg) {
  // adapter-pg rejects the catalog types name/"char" (prisma/orm#27403); report them as text.
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  const fix = (res: unknown) => {
    for (const f of (res as { fields?: { dataTypeID: number }[] } | undefined)?.fields ?? [])
      if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = 25;
    return res;
  };
  (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const cb = args.at(-1);
    if (typeof cb === "function")
      args[args.length - 1] = (e: unknown, r: unknown) => (cb as (e: unknown, r: unknown) => void)(e, fix(r));
    const r = query.apply(this, args);
    return r instanceof Promise ? r.then(fix) : r;
  };
}

function pgConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    allowExitOnIdle: true,
  };
}

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
// Send a migration in one simple-protocol query: the adapter splits on every ';'.
function wholeScript(a: PgAdapter): PgAdapter {
  a.executeScript = async (script: string) => {
    try {
      await a.underlyingDriver().query(script);
    } catch (e) {
      (a as unknown as { onError(e: unknown): never }).onError(e);
    }
  };
  return a;
}

function pgFactory(url: string) {
  const cfg = pgConfig(url);
  const inner = new PrismaPg(cfg);
  return {
    provider: "postgres" as const,
    adapterName: inner.adapterName,
    connect: async () => wholeScript(await inner.connect()),
    async connectToShadowDb() {
      const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
      const admin = new pg.Client(cfg);
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const shadow = wholeScript(await new PrismaPg({ ...cfg, database: name }).connect());
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      };
      return shadow;
    },
  };
}

export default defineConfig({
  experimental: { adapter: true },
  schema: isPg ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: isPg ? "prisma/postgres/migrations" : "prisma/migrations" },
  engine: "js",
  adapter: async () => (isPg ? pgFactory(url) : sqliteFactory(url)),
});
