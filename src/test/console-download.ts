/**
 * A console process for one download: serves a deliverable through the console's own service path
 * (serveDeliverable, as GET /api/files/<downloadId> does) for a user, on the DATABASE_URL of its
 * environment, and writes the body to a file. Its environment is the console's (NODE_EXTRA_CA_CERTS:
 * the CA it trusts for nodes' TLS), which a test cannot change inside its own process.
 *
 * Usage: node --import tsx src/test/console-download.ts <userId> <downloadId> <bodyFile>
 * Prints one JSON line: { status, headers }.
 */
import { writeFileSync } from "node:fs";
import { db } from "~/server/db";
import { getPrincipal } from "~/server/services/auth/get-principal";
import { serveDeliverable } from "~/app/api/_lib/downloads";

const [userId, downloadId, bodyFile] = process.argv.slice(2);
if (!userId || !downloadId || !bodyFile) throw new Error("usage: console-download.ts <userId> <downloadId> <bodyFile>");
const principal = await getPrincipal(db, Number(userId));
const res = await serveDeliverable(db, { principal, fromAddress: "127.0.0.1", userAgent: "console-download test" }, downloadId);
writeFileSync(bodyFile, Buffer.from(await res.arrayBuffer()));
console.log(JSON.stringify({ status: res.status, headers: Object.fromEntries(res.headers) }));
await db.$disconnect();
