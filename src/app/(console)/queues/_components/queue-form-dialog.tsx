"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { toast } from "sonner";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Textarea } from "~/components/ui/textarea";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type QueueRow = RouterOutputs["queue"]["find"][number];
type QueueInput = { name: string; description: string; isDefault: boolean };

function QueueForm({
  queue,
  currentDefault,
  pending,
  error,
  onSubmit,
}: {
  queue: QueueRow | null;
  currentDefault: string | null;
  pending: boolean;
  error: string | null;
  onSubmit: (input: QueueInput) => void;
}) {
  const id = useId();
  const [isDefault, setIsDefault] = useState(queue?.isDefault ?? false);
  const lockedDefault = queue?.isDefault ?? false;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onSubmit({ name: String(form.get("name") ?? "").trim(), description: String(form.get("description") ?? "").trim(), isDefault });
  }

  return (
    <form onSubmit={submit} className="grid gap-5">
      <div className="grid gap-2">
        <Label htmlFor={`${id}-name`}>Name</Label>
        <Input
          id={`${id}-name`}
          name="name"
          required
          maxLength={50}
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          title="Letters, digits, dots, dashes or underscores"
          defaultValue={queue?.name}
          autoComplete="off"
          spellCheck={false}
        />
        {queue ? <p className="text-muted-foreground text-xs">Clients that enqueue into this queue by name must use the new name.</p> : null}
      </div>
      <div className="grid gap-2">
        <Label htmlFor={`${id}-description`}>
          Description <span className="text-muted-foreground font-normal">(optional)</span>
        </Label>
        <Textarea id={`${id}-description`} name="description" maxLength={1000} rows={2} defaultValue={queue?.description} />
      </div>
      <div className="grid gap-1.5">
        <div className="flex items-center gap-2">
          <Checkbox id={`${id}-default`} checked={isDefault} disabled={lockedDefault} onCheckedChange={(v) => setIsDefault(v === true)} />
          <Label htmlFor={`${id}-default`}>Default queue</Label>
        </div>
        <p className="text-muted-foreground text-xs">
          {lockedDefault
            ? "This is the default queue. To change that, make another queue the default."
            : isDefault && currentDefault
              ? `${currentDefault} stops being the default queue. New nodes poll the default queue.`
              : "New nodes poll the default queue; there is always exactly one."}
        </p>
      </div>
      <FormDialogFooter error={error} pending={pending} submitLabel={queue ? "Save" : "Create"} />
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
  const [error, setError] = useState<string | null>(null);
  const currentDefault = useCurrentDefault();
  const open = props.mode === "create" ? createOpen : props.open;
  const setOpen = (o: boolean) => {
    setError(null);
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
      onError: (e) => setError(e.message),
    }),
  );
  const update = useMutation(
    trpc.queue.update.mutationOptions({
      onSuccess: (q) => {
        toast.success(`Queue ${q.name} saved`);
        setOpen(false);
        invalidate();
      },
      onError: (e) => setError(e.message),
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
            error={error}
            onSubmit={(input) => {
              setError(null);
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
