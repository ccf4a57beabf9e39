"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { z } from "zod";
import { type FormErrorsState, useFormErrors } from "~/components/form-errors";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Textarea } from "~/components/ui/textarea";
import { ZParameterKeySchema, ZParameterValueSchema } from "~/server/domain/parameter-schemas";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type ParameterRow = RouterOutputs["parameter"]["find"][number];

/** What the dialog edits: a new free key, a known key not set yet, or an existing value. */
export type ParameterEdit = { kind: "new" } | { kind: "set"; row: ParameterRow } | { kind: "edit"; row: ParameterRow };

const FIELDS = ["key", "value"] as const;
const ZNewParameterSchema = z.object({ key: ZParameterKeySchema, value: ZParameterValueSchema });
const ZParameterValueFormSchema = z.object({ value: ZParameterValueSchema });

function ParameterForm({ edit, pending, form, onSubmit }: { edit: ParameterEdit; pending: boolean; form: FormErrorsState<(typeof FIELDS)[number]>; onSubmit: (key: string, value: string) => void }) {
  const row = edit.kind === "new" ? null : edit.row;
  const [key, setKey] = useState("");
  const [value, setValue] = useState(row?.value ?? row?.defaultValue ?? "");
  const errors = form.errors.fields;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (row) {
      const checked = form.check(ZParameterValueFormSchema, { value });
      if (checked) onSubmit(row.key, checked.value);
    } else {
      const checked = form.check(ZNewParameterSchema, { key, value });
      if (checked) onSubmit(checked.key, checked.value);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5">
      {row ? null : (
        <FormField label="Key" description="1 to 50 letters, digits, dots, dashes or underscores." error={errors.key}>
          <FormControl>
            <Input value={key} onChange={(e) => setKey(e.target.value)} maxLength={50} autoComplete="off" spellCheck={false} className="font-mono" />
          </FormControl>
        </FormField>
      )}
      <FormField
        label="Value"
        description={
          row?.known
            ? `Accepts ${row.accepts}. ${row.defaultValue === null ? "Unset: off." : `Default: ${row.defaultValue}.`} Applies ${row.appliesWhen}.`
            : "At most 1000 characters."
        }
        error={errors.value}
      >
        <FormControl>
          {row?.known ? (
            <Input value={value} onChange={(e) => setValue(e.target.value)} maxLength={1000} autoComplete="off" className="font-mono" />
          ) : (
            <Textarea value={value} onChange={(e) => setValue(e.target.value)} maxLength={1000} rows={3} className="font-mono" />
          )}
        </FormControl>
      </FormField>
      <FormDialogFooter error={form.errors.form} pending={pending} submitLabel={edit.kind === "edit" ? "Save" : edit.kind === "set" ? "Set" : "Create"} />
    </form>
  );
}

export function ParameterDialog({ edit, onClose }: { edit: ParameterEdit | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useFormErrors(FIELDS);
  const done = (message: string) => {
    toast.success(message);
    form.clear();
    onClose();
    void queryClient.invalidateQueries(trpc.parameter.find.pathFilter());
  };
  const create = useMutation(trpc.parameter.create.mutationOptions({ onSuccess: (p) => done(`${p.key} saved`), onError: form.showServerError }));
  const update = useMutation(trpc.parameter.update.mutationOptions({ onSuccess: (p) => done(`${p.key} saved`), onError: form.showServerError }));
  const title = edit === null ? "" : edit.kind === "new" ? "New parameter" : `${edit.kind === "set" ? "Set" : "Edit"} ${edit.row.key}`;

  return (
    <Dialog
      open={edit !== null}
      onOpenChange={(o) => {
        if (o) return;
        form.clear();
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
            form={form}
            onSubmit={(key, value) => {
              if (edit.kind === "edit") update.mutate({ key, value });
              else create.mutate({ key, value });
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
