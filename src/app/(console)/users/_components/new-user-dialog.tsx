"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { toast } from "sonner";
import { z } from "zod";
import { type FormErrorsState, useFormErrors } from "~/components/form-errors";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { FormControl, FormError, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { ZLoginSchema } from "~/server/domain/user-schemas";
import { useTRPC } from "~/trpc/react";
import { PasswordDialog, type RevealedPassword } from "./password-dialog";
import { RoleCheckboxes } from "./role-checkboxes";
import { FormDialogFooter } from "~/components/form-dialog-footer";

const ZNewUserSchema = z.object({
  login: ZLoginSchema,
  email: z.email("Email: an address like ada@example.com").optional(),
  roles: z.array(z.string()),
});
type NewUser = z.output<typeof ZNewUserSchema>;
const FIELDS = ["login", "email", "roles"] as const;

function NewUserForm({ pending, form, onSubmit }: { pending: boolean; form: FormErrorsState<(typeof FIELDS)[number]>; onSubmit: (user: NewUser) => void }) {
  const [roles, setRoles] = useState<string[]>([]);
  const errors = form.errors.fields;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    const user = form.check(ZNewUserSchema, { login: String(data.get("login") ?? ""), email: email || undefined, roles });
    if (user) onSubmit(user);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5">
      <FormField label="Login" error={errors.login}>
        <FormControl>
          <Input name="login" maxLength={64} autoComplete="off" spellCheck={false} />
        </FormControl>
      </FormField>
      <FormField
        label={
          <>
            Email <span className="text-muted-foreground font-normal">(optional)</span>
          </>
        }
        error={errors.email}
      >
        <FormControl>
          <Input name="email" type="email" autoComplete="off" />
        </FormControl>
      </FormField>
      <fieldset className="grid gap-3">
        <legend className="mb-3 text-sm font-medium">Roles</legend>
        <RoleCheckboxes value={roles} onChange={setRoles} />
        <FormError className="text-xs">{errors.roles}</FormError>
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
  const form = useFormErrors(FIELDS, { onFormError: toast.error });
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: ({ user, password }) => {
        toast.success(`User ${user.login} created`);
        setOpen(false);
        setRevealed({ login: user.login, password });
        void queryClient.invalidateQueries(trpc.user.find.pathFilter());
        void queryClient.invalidateQueries(trpc.role.find.pathFilter());
      },
      onError: form.showServerError,
    }),
  );

  return (
    <>
      <Dialog
        open={open}
        onOpenChange={(o) => {
          form.clear();
          setOpen(o);
        }}
      >
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
          <NewUserForm pending={create.isPending} form={form} onSubmit={(user) => create.mutate(user)} />
        </DialogContent>
      </Dialog>
      <PasswordDialog revealed={revealed} onClose={() => setRevealed(null)} />
    </>
  );
}
