"use client";

import { useState } from "react";
import { Copy } from "lucide-react";
import { toast } from "sonner";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";

export type RevealedPassword = { login: string; password: string };

/** Shows a generated password once; the dialog only closes on purpose (not on an outside click). */
export function PasswordDialog({ revealed, onClose }: { revealed: RevealedPassword | null; onClose: () => void }) {
  // Keeps showing the last password while the dialog animates closed.
  const [shown, setShown] = useState(revealed);
  if (revealed && revealed !== shown) setShown(revealed);

  async function copy() {
    if (!shown) return;
    try {
      await navigator.clipboard.writeText(shown.password);
      toast.success("Password copied");
    } catch {
      toast.error("Could not copy: select the password and copy it by hand");
    }
  }

  return (
    <Dialog open={revealed !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent onInteractOutside={(e) => e.preventDefault()}>
        <DialogHeader>
          <DialogTitle>Password for {shown?.login}</DialogTitle>
          <DialogDescription>
            Give this password to {shown?.login} through a safe channel. It will not be shown again.
          </DialogDescription>
        </DialogHeader>
        <FormField label="Password">
          <div className="flex gap-2">
            <FormControl>
              <Input
                readOnly
                value={shown?.password ?? ""}
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
                onFocus={(e) => e.currentTarget.select()}
              />
            </FormControl>
            <Button type="button" variant="outline" size="icon" aria-label="Copy password" onClick={() => void copy()}>
              <Copy aria-hidden="true" />
            </Button>
          </div>
        </FormField>
        <DialogFooter>
          <DialogClose asChild>
            <Button>Done</Button>
          </DialogClose>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
