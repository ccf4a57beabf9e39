import { redirect } from "next/navigation";
import { getCurrentPrincipal } from "~/server/auth/config";
import { type Permission, hasPermission } from "~/server/domain/permissions";
import type { Principal } from "~/server/services/auth/get-principal";

/**
 * First call of every console area page: the server refuses the page itself (not only its data)
 * to a user without `permission`, even when the URL is typed by hand.
 */
export async function requirePermission(permission: Permission): Promise<Principal> {
  const principal = await getCurrentPrincipal();
  if (!principal) redirect("/login");
  if (!hasPermission(principal.permissions, permission)) redirect(`/?denied=${permission}`);
  return principal;
}
