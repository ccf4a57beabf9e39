"use client";

import { type FormEvent, useState } from "react";
import type { z } from "zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { toast } from "sonner";
import { type FormErrorsState, useFormErrors } from "~/components/form-errors";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Textarea } from "~/components/ui/textarea";
import { ZCreateQueueSchema } from "~/server/domain/queue-schemas";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type QueueRow = RouterOutputs["queue"]["find"][number];
type QueueInput = z.output<typeof ZCreateQueueSchema>;

const FIELDS = ["name", "description", "isDefault"] as const;

function QueueForm({
  queue,
  currentDefault,
  pending,
  form,
  onSubmit,
}: {
  queue: QueueRow | null;
  currentDefault: string | null;
  pending: boolean;
  form: FormErrorsState<(typeof FIELDS)[number]>;
  onSubmit: (input: QueueInput) => void;
}) {
  const [isDefault, setIsDefault] = useState(queue?.isDefault ?? false);
  const lockedDefault = queue?.isDefault ?? false;
  const errors = form.errors.fields;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const input = form.check(ZCreateQueueSchema, { name: String(data.get("name") ?? ""), description: String(data.get("description") ?? ""), isDefault });
    if (input) onSubmit(input);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5">
      <FormField label="Name" description={queue ? "Clients that enqueue into this queue by name must use the new name." : undefined} error={errors.name}>
        <FormControl>
          <Input name="name" maxLength={50} defaultValue={queue?.name} autoComplete="off" spellCheck={false} />
        </FormControl>
      </FormField>
      <FormField
        label={
          <>
            Description <span className="text-muted-foreground font-normal">(optional)</span>
          </>
        }
        error={errors.description}
      >
        <FormControl>
          <Textarea name="description" maxLength={1000} rows={2} defaultValue={queue?.description} />
        </FormControl>
      </FormField>
      <FormField
        inline
        label="Default queue"
        description={
          lockedDefault
            ? "This is the default queue. To change that, make another queue the default."
            : isDefault && currentDefault
              ? `${currentDefault} stops being the default queue. New nodes poll the default queue.`
              : "New nodes poll the default queue; there is always exactly one."
        }
        error={errors.isDefault}
      >
        <FormControl>
          <Checkbox checked={isDefault} disabled={lockedDefault} onCheckedChange={(v) => setIsDefault(v === true)} />
        </FormControl>
      </FormField>
      <FormDialogFooter error={form.errors.form} pending={pending} submitLabel={queue ? "Save" : "Create"} />
    </form>
  );
}

function useCurrentDefault() {
  const trpc = useTRPC();
  const queues = useQuery(trpc.queue.find.queryOptions());
  return queues.data?.find((q) => q.isDefault)?.name ?? null;
}

/** "New queue" (with its trigger button) or "Edit queue" (opened by the table). */
export function QueueFormDialog(
  props: { mode: "create" } | { mode: "edit"; queue: QueueRow | null; open: boolean; onOpenChange: (open: boolean) => void },
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [createOpen, setCreateOpen] = useState(false);
  const form = useFormErrors(FIELDS);
  const currentDefault = useCurrentDefault();
  const open = props.mode === "create" ? createOpen : props.open;
  const setOpen = (o: boolean) => {
    form.clear();
    if (props.mode === "create") setCreateOpen(o);
    else props.onOpenChange(o);
  };
  const invalidate = () => void queryClient.invalidateQueries(trpc.queue.find.pathFilter());
  const create = useMutation(
    trpc.queue.create.mutationOptions({
      onSuccess: (q) => {
        toast.success(`Queue ${q.name} created`);
        setOpen(false);
        invalidate();
      },
      onError: form.showServerError,
    }),
  );
  const update = useMutation(
    trpc.queue.update.mutationOptions({
      onSuccess: (q) => {
        toast.success(`Queue ${q.name} saved`);
        setOpen(false);
        invalidate();
      },
      onError: form.showServerError,
    }),
  );
  const queue = props.mode === "edit" ? props.queue : null;

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      {props.mode === "create" ? (
        <DialogTrigger asChild>
          <Button>
            <Plus aria-hidden="true" />
            New queue
          </Button>
        </DialogTrigger>
      ) : null}
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{queue ? `Edit queue ${queue.name}` : "New queue"}</DialogTitle>
          <DialogDescription>
            {queue ? "Name, description and whether this is the default queue." : "A new queue has no mapping: map it to a node so that its runs start."}
          </DialogDescription>
        </DialogHeader>
        {open ? (
          <QueueForm
            key={queue?.id ?? "new"}
            queue={queue}
            currentDefault={currentDefault}
            pending={create.isPending || update.isPending}
            form={form}
            onSubmit={(input) => {
              if (!queue) return create.mutate(input);
              const changes = {
                ...(input.name !== queue.name ? { name: input.name } : {}),
                ...(input.description !== queue.description ? { description: input.description } : {}),
                ...(input.isDefault && !queue.isDefault ? { isDefault: true } : {}),
              };
              if (Object.keys(changes).length === 0) return setOpen(false);
              update.mutate({ id: queue.id, ...changes });
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
