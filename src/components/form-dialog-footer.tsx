"use client";

import { Loader2 } from "lucide-react";
import { Button } from "~/components/ui/button";
import { DialogClose, DialogFooter } from "~/components/ui/dialog";
import { FormError } from "~/components/ui/form-field";

/** The end of a dialog's form: its error, Cancel, and the submit button (spinning while `pending`). */
export function FormDialogFooter({ error, pending, submitLabel }: { error?: string | null; pending: boolean; submitLabel: React.ReactNode }) {
  return (
    <>
      <FormError>{error}</FormError>
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
