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

/** "Are you sure?" before an action, with what it will do; or why it cannot be done now. */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  destructive = false,
  blocked = null,
  onOpenChange,
  onConfirm,
}: Confirmation & { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {blocked ? (
          <p role="alert" className="text-destructive text-sm">
            {blocked}
          </p>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>{blocked ? "Close" : "Cancel"}</AlertDialogCancel>
          {blocked ? null : (
            <AlertDialogAction className={destructive ? buttonVariants({ variant: "destructive" }) : undefined} onClick={onConfirm}>
              {confirmLabel}
            </AlertDialogAction>
          )}
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** The dialog for a pending confirmation held in state (null: closed). */
export function ConfirmationDialog({ confirmation, onClose }: { confirmation: Confirmation | null; onClose: () => void }) {
  return (
    <ConfirmDialog
      title=""
      description=""
      confirmLabel=""
      onConfirm={() => undefined}
      {...confirmation}
      open={confirmation !== null}
      onOpenChange={(open) => !open && onClose()}
    />
  );
}
