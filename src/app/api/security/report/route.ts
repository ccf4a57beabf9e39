import { getCurrentPrincipal } from "~/server/auth/config";
import { hasPermission } from "~/server/domain/permissions";
import { db } from "~/server/db";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { getSecurityReport } from "~/server/services/security/get-security-report";
import { clientAddress } from "~/server/auth/client-address";
import { renderSecurityReport } from "~/security/report-markdown";

export const dynamic = "force-dynamic";

/** The security page's findings for auditors: `?format=json` (default) or `?format=markdown`. */
export async function GET(req: Request) {
  const principal = await getCurrentPrincipal();
  if (!principal) return Response.json({ error: "UNAUTHORIZED", message: "Sign in first" }, { status: 401 });
  if (!hasPermission(principal.permissions, "security:read")) {
    return Response.json({ error: "FORBIDDEN", message: "Permission security:read is required" }, { status: 403 });
  }
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "markdown") {
    return Response.json({ error: "BAD_REQUEST", message: "format must be json or markdown" }, { status: 400 });
  }
  const { report } = await getSecurityReport(db);
  await createAuditEvent(db, {
    actor: { userId: principal.id, login: principal.login, fromAddress: clientAddress(req.headers) },
    action: "security.export",
    objectType: "security",
    after: { format },
  });
  const stamp = report.generatedAt.toISOString().slice(0, 19).replaceAll(":", "-");
  const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
  if (format === "markdown") {
    return new Response(renderSecurityReport(report), {
      headers: { ...headers, "content-type": "text/markdown; charset=utf-8", "content-disposition": `attachment; filename="jobwarden-security-${stamp}.md"` },
    });
  }
  return new Response(JSON.stringify(report, null, 2), {
    headers: { ...headers, "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="jobwarden-security-${stamp}.json"` },
  });
}
