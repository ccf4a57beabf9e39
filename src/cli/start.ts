import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { childProcessEnv, env } from "~/env";
import { db } from "~/server/db";
import { DEFAULT_NODE, type InitResult, initDatabase, rootPasswordFile } from "~/server/services/setup/init-database";

export function printInitResult(result: InitResult) {
  if (result.created.length === 0) console.log("Database is up to date; nothing to create.");
  else console.log(`Created: ${result.created.join(", ")}.`);
  if (result.rootPassword) {
    console.log(
      `\n  Administrator login: root\n  Password (shown once): ${result.rootPassword}\n  Also written to ${result.rootPasswordFile} (readable by you only; removed once root's password is changed).\n`,
    );
  }
  if (result.created.some((c) => c.startsWith("node "))) {
    console.log(
      "  Payloads run as this account until a node has a payload account: whoever can create job definitions\n" +
        "  can then read the database and secrets. Isolate them (README, \"Payload isolation\"):\n" +
        "    useradd --system --no-create-home --shell /usr/sbin/nologin jobwarden-payload\n" +
        "  then set the node's payload account to jobwarden-payload (console: Nodes → the node → Parameters).\n",
    );
  }
}

const jobwardenBin = fileURLToPath(new URL("../../bin/jobwarden.mjs", import.meta.url));
const nextBin = () => createRequire(import.meta.url).resolve("next/dist/bin/next");

/** `npm start`: init, `next build` when there is no build yet, then the console (`jobwarden console`) and node1. */
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
    spawn(process.execPath, [jobwardenBin, "console"], {
      stdio: "inherit",
      env: childProcessEnv({ NEXTAUTH_URL: env.NEXTAUTH_URL ?? url, NODE_ENV: "production" }),
    }),
    spawn(process.execPath, [jobwardenBin, "node", "start", "--name", DEFAULT_NODE], { stdio: "inherit" }),
  ];
  console.log(`Jobwarden console: ${url}${existsSync(rootPasswordFile()) ? ` (login root; password in ${rootPasswordFile()})` : ""}`);

  const stop = (signal: NodeJS.Signals) => children.forEach((c) => c.kill(signal));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // One of them ending ends the embedded default: stop the other too.
  await Promise.race(children.map((c) => new Promise((resolve) => c.on("exit", resolve))));
  stop("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((resolve) => c.on("exit", resolve)) : null)));
}
