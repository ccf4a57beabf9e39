"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { toast } from "sonner";

import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Textarea } from "~/components/ui/textarea";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type ParameterRow = RouterOutputs["parameter"]["find"][number];

/** What the dialog edits: a new free key, a known key not set yet, or an existing value. */
export type ParameterEdit = { kind: "new" } | { kind: "set"; row: ParameterRow } | { kind: "edit"; row: ParameterRow };

function ParameterForm({ edit, pending, error, onSubmit }: { edit: ParameterEdit; pending: boolean; error: string | null; onSubmit: (key: string, value: string) => void }) {
  const id = useId();
  const row = edit.kind === "new" ? null : edit.row;
  const [value, setValue] = useState(row?.value ?? row?.defaultValue ?? "");

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onSubmit(row ? row.key : String(form.get("key") ?? "").trim(), value);
  }

  return (
    <form onSubmit={submit} className="grid gap-5">
      {row ? null : (
        <div className="grid gap-2">
          <Label htmlFor={`${id}-key`}>Key</Label>
          <Input
            id={`${id}-key`}
            name="key"
            required
            maxLength={50}
            pattern="[A-Za-z0-9_.\-]+"
            title="Letters, digits, dots, dashes or underscores"
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
          />
          <p className="text-muted-foreground text-xs">1 to 50 letters, digits, dots, dashes or underscores.</p>
        </div>
      )}
      <div className="grid gap-2">
        <Label htmlFor={`${id}-value`}>Value</Label>
        {row?.known ? (
          <Input id={`${id}-value`} value={value} onChange={(e) => setValue(e.target.value)} required maxLength={1000} autoComplete="off" className="font-mono" />
        ) : (
          <Textarea id={`${id}-value`} value={value} onChange={(e) => setValue(e.target.value)} maxLength={1000} rows={3} className="font-mono" />
        )}
        {row?.known ? (
          <p className="text-muted-foreground text-xs">
            Accepts {row.accepts}. {row.defaultValue === null ? "Unset: off." : `Default: ${row.defaultValue}.`} Applies {row.appliesWhen}.
          </p>
        ) : (
          <p className="text-muted-foreground text-xs">At most 1000 characters.</p>
        )}
      </div>
      <FormDialogFooter error={error} pending={pending} submitLabel={edit.kind === "edit" ? "Save" : edit.kind === "set" ? "Set" : "Create"} />
    </form>
  );
}

export function ParameterDialog({ edit, onClose }: { edit: ParameterEdit | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const done = (message: string) => {
    toast.success(message);
    setError(null);
    onClose();
    void queryClient.invalidateQueries(trpc.parameter.find.pathFilter());
  };
  const create = useMutation(trpc.parameter.create.mutationOptions({ onSuccess: (p) => done(`${p.key} saved`), onError: (e) => setError(e.message) }));
  const update = useMutation(trpc.parameter.update.mutationOptions({ onSuccess: (p) => done(`${p.key} saved`), onError: (e) => setError(e.message) }));
  const title = edit === null ? "" : edit.kind === "new" ? "New parameter" : `${edit.kind === "set" ? "Set" : "Edit"} ${edit.row.key}`;

  return (
    <Dialog
      open={edit !== null}
      onOpenChange={(o) => {
        if (o) return;
        setError(null);
        onClose();
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>
            {edit && edit.kind !== "new" && edit.row.known ? edit.row.description : "A free parameter: Jobwarden does not read it, your jobs and tools may."}
          </DialogDescription>
        </DialogHeader>
        {edit ? (
          <ParameterForm
            key={edit.kind === "new" ? "new" : edit.row.key}
            edit={edit}
            pending={create.isPending || update.isPending}
            error={error}
            onSubmit={(key, value) => {
              setError(null);
              if (edit.kind === "edit") update.mutate({ key, value });
              else create.mutate({ key, value });
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
