import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { requirePermission } from "../require-permission";
import { SecurityView } from "./_components/security-view";

export const metadata: Metadata = { title: "Security" };

export default async function SecurityPage() {
  const principal = await requirePermission("security:read");
  const canEdit = hasPermission(principal.permissions, "node:update");
  return <SecurityView canEdit={canEdit} />;
}
