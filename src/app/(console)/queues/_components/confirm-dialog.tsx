"use client";

import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "~/components/ui/alert-dialog";
import { buttonVariants } from "~/components/ui/button";

export type Confirmation = {
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  /** Why the action cannot be done now; the confirm button is then hidden. */
  blocked?: string | null;
  onConfirm: () => void;
};

export function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation | null; onClose: () => void }) {
  const c = confirmation;
  return (
    <AlertDialog open={c !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{c?.title}</AlertDialogTitle>
          <AlertDialogDescription>{c?.description}</AlertDialogDescription>
        </AlertDialogHeader>
        {c?.blocked ? (
          <p role="alert" className="text-destructive text-sm">
            {c.blocked}
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>{c?.blocked ? "Close" : "Cancel"}</AlertDialogCancel>
          {c && !c.blocked ? (
            <AlertDialogAction className={c.destructive ? buttonVariants({ variant: "destructive" }) : undefined} onClick={c.onConfirm}>
              {c.confirmLabel}
            </AlertDialogAction>
          ) : null}
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
