"use client";

import { Loader2 } from "lucide-react";
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
import { FormError } from "~/components/ui/form-field";
import { cn } from "~/lib/utils";

export type Confirmation = {
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  /** Why the action cannot be done now; the confirm button is then hidden. */
  blocked?: string | null;
  onConfirm: () => void;
};

/**
 * "Are you sure?" before an action, with what it will do; or why it cannot be done now. `children`
 * go between the description and the buttons (a value the action needs, a preview of its effect).
 */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  destructive = false,
  blocked = null,
  confirmDisabled = false,
  pending,
  className,
  children,
  onOpenChange,
  onConfirm,
}: Confirmation & {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The confirm button is shown but cannot be pressed (a value is missing, a preview is loading). */
  confirmDisabled?: boolean;
  /**
   * Given (true or false), the dialog stays open while the action runs (confirm spins and is disabled)
   * and the caller closes it when the action ends. Not given, confirming closes the dialog at once.
   */
  pending?: boolean;
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      <AlertDialogContent className={className}>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {children}
        <FormError>{blocked}</FormError>
        <AlertDialogFooter>
          <AlertDialogCancel>{blocked ? "Close" : "Cancel"}</AlertDialogCancel>
          {blocked ? null : (
            <AlertDialogAction
              className={cn(destructive && buttonVariants({ variant: "destructive" }))}
              disabled={confirmDisabled || pending === true}
              onClick={(event) => {
                if (pending !== undefined) event.preventDefault();
                onConfirm();
              }}
            >
              {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
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
