#!/usr/bin/env node
// The `jobwarden` command: runs the TypeScript CLI through tsx (installed as a dependency).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/index.ts");
