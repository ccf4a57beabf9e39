import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { childProcessEnv, env } from "~/env";
import { db } from "~/server/db";
import { type InitResult, initDatabase } from "~/server/services/setup/init-database";

export function printInitResult(result: InitResult) {
  if (result.created.length === 0) console.log("Database is up to date; nothing to create.");
  else console.log(`Created: ${result.created.join(", ")}.`);
  if (result.rootPassword) {
    console.log(
      `\n  Administrator login: root\n  Password (shown once): ${result.rootPassword}\n  Also written to ${result.rootPasswordFile} (readable by you only).\n`,
    );
  }
}

const nextBin = () => createRequire(import.meta.url).resolve("next/dist/bin/next");

/** `npm start`: init, `next build` when there is no build yet, then the console (and, later, node1). */
export async function startEmbedded() {
  printInitResult(await initDatabase(db));
  await db.$disconnect();

  if (!existsSync(".next/BUILD_ID")) {
    console.log("Building the console (first start only)…");
    const build = spawnSync(process.execPath, [nextBin(), "build"], { stdio: "inherit" });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }

  const url = `http://${env.CONSOLE_HOST.includes(":") ? `[${env.CONSOLE_HOST}]` : env.CONSOLE_HOST}:${env.PORT}`;
  const children: ChildProcess[] = [
    spawn(process.execPath, [nextBin(), "start", "-H", env.CONSOLE_HOST, "-p", String(env.PORT)], {
      stdio: "inherit",
      env: childProcessEnv({ NEXTAUTH_URL: env.NEXTAUTH_URL ?? url, NODE_ENV: "production" }),
    }),
  ];
  console.log(`Jobwarden console: ${url} (login root; password in ${env.JOBWARDEN_HOME}/root-password.txt)`);

  const stop = (signal: NodeJS.Signals) => children.forEach((c) => c.kill(signal));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  await Promise.all(children.map((c) => new Promise((resolve) => c.on("exit", resolve))));
}
