"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { toast } from "sonner";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { useTRPC } from "~/trpc/react";
import { PasswordDialog, type RevealedPassword } from "./password-dialog";
import { RoleCheckboxes } from "./role-checkboxes";
import { FormDialogFooter } from "~/components/form-dialog-footer";

type NewUser = { login: string; email?: string; roles: string[] };

function NewUserForm({ pending, onSubmit }: { pending: boolean; onSubmit: (user: NewUser) => void }) {
  const [roles, setRoles] = useState<string[]>([]);
  const id = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    onSubmit({ login: String(form.get("login") ?? "").trim(), email: email || undefined, roles });
  }

  return (
    <form onSubmit={submit} className="grid gap-5">
      <div className="grid gap-2">
        <Label htmlFor={`${id}-login`}>Login</Label>
        <Input id={`${id}-login`} name="login" required maxLength={64} autoComplete="off" spellCheck={false} />
      </div>
      <div className="grid gap-2">
        <Label htmlFor={`${id}-email`}>
          Email <span className="text-muted-foreground font-normal">(optional)</span>
        </Label>
        <Input id={`${id}-email`} name="email" type="email" autoComplete="off" />
      </div>
      <fieldset className="grid gap-3">
        <legend className="mb-3 text-sm font-medium">Roles</legend>
        <RoleCheckboxes value={roles} onChange={setRoles} />
      </fieldset>
      <p className="text-muted-foreground text-sm">A password is generated and shown to you once.</p>
      <FormDialogFooter pending={pending} submitLabel="Create" />
    </form>
  );
}

export function NewUserDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [revealed, setRevealed] = useState<RevealedPassword | null>(null);
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: ({ user, password }) => {
        toast.success(`User ${user.login} created`);
        setOpen(false);
        setRevealed({ login: user.login, password });
        void queryClient.invalidateQueries(trpc.user.find.pathFilter());
        void queryClient.invalidateQueries(trpc.role.find.pathFilter());
      },
      onError: (error) => toast.error(error.message),
    }),
  );

  return (
    <>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogTrigger asChild>
          <Button>
            <UserPlus aria-hidden="true" />
            New user
          </Button>
        </DialogTrigger>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>New user</DialogTitle>
            <DialogDescription>Console and API account. Roles decide what the user may do.</DialogDescription>
          </DialogHeader>
          <NewUserForm pending={create.isPending} onSubmit={(user) => create.mutate(user)} />
        </DialogContent>
      </Dialog>
      <PasswordDialog revealed={revealed} onClose={() => setRevealed(null)} />
    </>
  );
}
