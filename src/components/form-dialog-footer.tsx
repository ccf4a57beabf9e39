"use client";

import { Loader2 } from "lucide-react";
import { Button } from "~/components/ui/button";
import { DialogClose, DialogFooter } from "~/components/ui/dialog";

/** The end of a dialog's form: its error, Cancel, and the submit button (spinning while `pending`). */
export function FormDialogFooter({ error, pending, submitLabel }: { error?: string | null; pending: boolean; submitLabel: React.ReactNode }) {
  return (
    <>
      {error ? (
        <p role="alert" className="text-destructive text-sm">
          {error}
        </p>
      ) : null}
      <DialogFooter>
        <DialogClose asChild>
          <Button type="button" variant="outline">
            Cancel
          </Button>
        </DialogClose>
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
          {submitLabel}
        </Button>
      </DialogFooter>
    </>
  );
}
