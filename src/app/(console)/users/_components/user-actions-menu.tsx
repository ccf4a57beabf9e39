"use client";

import { KeyRound, Lock, LockOpen, MoreHorizontal, ShieldCheck } from "lucide-react";
import { Button } from "~/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";

export type UserActionKind = "lock" | "unlock" | "resetPassword" | "editRoles";

export function UserActionsMenu({
  login,
  locked,
  isSelf,
  onAction,
}: {
  login: string;
  locked: boolean;
  isSelf: boolean;
  onAction: (kind: UserActionKind) => void;
}) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${login}`}>
          <MoreHorizontal aria-hidden="true" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        {locked ? (
          <DropdownMenuItem onSelect={() => onAction("unlock")}>
            <LockOpen aria-hidden="true" /> Unlock
          </DropdownMenuItem>
        ) : (
          <DropdownMenuItem disabled={isSelf} onSelect={() => onAction("lock")}>
            <Lock aria-hidden="true" /> Lock
          </DropdownMenuItem>
        )}
        <DropdownMenuItem onSelect={() => onAction("resetPassword")}>
          <KeyRound aria-hidden="true" /> Reset password
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => onAction("editRoles")}>
          <ShieldCheck aria-hidden="true" /> Edit roles
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
