"use client";

import { useId, useState } from "react";
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
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";

export type RevealedPassword = { login: string; password: string };

/** Shows a generated password once; the dialog only closes on purpose (not on an outside click). */
export function PasswordDialog({ revealed, onClose }: { revealed: RevealedPassword | null; onClose: () => void }) {
  // Keeps showing the last password while the dialog animates closed.
  const [shown, setShown] = useState(revealed);
  if (revealed && revealed !== shown) setShown(revealed);
  const id = useId();

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
        <div className="grid gap-2">
          <Label htmlFor={id}>Password</Label>
          <div className="flex gap-2">
            <Input
              id={id}
              readOnly
              value={shown?.password ?? ""}
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
              onFocus={(e) => e.currentTarget.select()}
            />
            <Button type="button" variant="outline" size="icon" aria-label="Copy password" onClick={() => void copy()}>
              <Copy aria-hidden="true" />
            </Button>
          </div>
        </div>
        <DialogFooter>
          <DialogClose asChild>
            <Button>Done</Button>
          </DialogClose>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
