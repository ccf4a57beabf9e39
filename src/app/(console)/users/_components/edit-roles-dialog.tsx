"use client";

import { useState } from "react";

import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { RoleCheckboxes } from "./role-checkboxes";
import { FormDialogFooter } from "~/components/form-dialog-footer";

function EditRolesForm({
  initialRoles,
  pending,
  onSave,
}: {
  initialRoles: string[];
  pending: boolean;
  onSave: (roles: string[]) => void;
}) {
  const [roles, setRoles] = useState(initialRoles);
  return (
    <form
      className="grid gap-5"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(roles);
      }}
    >
      <fieldset>
        <legend className="sr-only">Roles</legend>
        <RoleCheckboxes value={roles} onChange={setRoles} />
      </fieldset>
      <FormDialogFooter pending={pending} submitLabel="Save" />
    </form>
  );
}

export function EditRolesDialog({
  open,
  user,
  pending,
  onOpenChange,
  onSave,
}: {
  open: boolean;
  user: { id: number; login: string; roles: { name: string }[] } | null;
  pending: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (roles: string[]) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Roles of {user?.login}</DialogTitle>
          <DialogDescription>The user gets the union of the permissions of these roles.</DialogDescription>
        </DialogHeader>
        {user ? (
          <EditRolesForm key={user.id} initialRoles={user.roles.map((r) => r.name)} pending={pending} onSave={onSave} />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
