import { Badge } from "~/components/ui/badge";

export type UserStatus = "Active" | "Locked" | "Expired";

export function userStatus(user: { locked: boolean; expiresAt: Date | null }, now = new Date()): UserStatus {
  if (user.locked) return "Locked";
  if (user.expiresAt && user.expiresAt <= now) return "Expired";
  return "Active";
}

const VARIANTS = { Active: "ok", Locked: "critical", Expired: "warning" } as const;

export function UserStatusBadge({ status }: { status: UserStatus }) {
  return <Badge variant={VARIANTS[status]}>{status}</Badge>;
}
