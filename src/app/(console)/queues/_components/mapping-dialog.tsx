"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { TriangleAlert } from "lucide-react";
import { toast } from "sonner";
import { type FormErrorsState, parseWhole, useFormErrors } from "~/components/form-errors";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { RECOMMENDED_MIN_POLLING_MS, ZCreateMappingSchema } from "~/server/domain/queue-schemas";
import { useTRPC } from "~/trpc/react";
import type { QueueRow } from "./queue-form-dialog";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type MappingRow = NonNullable<QueueRow["mappings"]>[number];

/** JQM's advice: "Never go below 1000ms". Faster is allowed (down to 100 ms) but costs database queries. */
function PollingHint({ ms }: { ms: number }) {
  if (!(ms < RECOMMENDED_MIN_POLLING_MS)) return null;
  return (
    <Alert variant="warning">
      <TriangleAlert aria-hidden="true" />
      <AlertDescription>
        Below 1000 ms, which JQM advises against: every poll is a database query, from every node mapped to this queue.
      </AlertDescription>
    </Alert>
  );
}

const FIELDS = ["nodeId", "maxThreads", "pollingIntervalMs"] as const;

function MappingForm({
  queue,
  mapping,
  pending,
  form,
  onSubmit,
}: {
  queue: QueueRow;
  mapping: MappingRow | null;
  pending: boolean;
  form: FormErrorsState<(typeof FIELDS)[number]>;
  onSubmit: (input: { nodeId: number; maxThreads: number; pollingIntervalMs: number }) => void;
}) {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.find.queryOptions(), enabled: mapping === null });
  const mapped = new Set((queue.mappings ?? []).map((m) => m.nodeId));
  const free = (nodes.data ?? []).filter((n) => !mapped.has(n.id));
  const [nodeId, setNodeId] = useState(mapping ? String(mapping.nodeId) : "");
  const [threads, setThreads] = useState(String(mapping?.maxThreads ?? 5));
  const [polling, setPolling] = useState(String(mapping?.pollingIntervalMs ?? 1000));
  const errors = form.errors.fields;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = form.check(ZCreateMappingSchema, {
      nodeId: parseWhole(nodeId) ?? Number.NaN,
      queueId: queue.id,
      maxThreads: parseWhole(threads) ?? Number.NaN,
      pollingIntervalMs: parseWhole(polling) ?? Number.NaN,
    });
    if (input) onSubmit(input);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5">
      {mapping ? null : (
        <FormField label="Node" error={errors.nodeId ?? (nodes.isError ? `Could not load the nodes: ${nodes.error.message}` : null)}>
          <Select value={nodeId} onValueChange={setNodeId}>
            <FormControl>
              <SelectTrigger className="w-full">
                <SelectValue placeholder={nodes.isPending ? "Loading…" : free.length ? "Choose a node" : "Every node already polls this queue"} />
              </SelectTrigger>
            </FormControl>
            <SelectContent>
              {free.map((n) => (
                <SelectItem key={n.id} value={String(n.id)}>
                  {n.name}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
      )}
      <div className="grid gap-2 sm:grid-cols-2">
        <FormField label="Threads" description="Runs of this queue the node runs at once (1 to 1000)." error={errors.maxThreads}>
          <FormControl>
            <Input type="number" min={1} max={1000} step={1} value={threads} onChange={(e) => setThreads(e.target.value)} />
          </FormControl>
        </FormField>
        <FormField label="Polling interval (ms)" description="How often the node looks for waiting runs (100 ms to 1 hour)." error={errors.pollingIntervalMs}>
          <FormControl>
            <Input type="number" min={100} max={3_600_000} step={1} value={polling} onChange={(e) => setPolling(e.target.value)} />
          </FormControl>
        </FormField>
      </div>
      <PollingHint ms={Number(polling)} />
      <FormDialogFooter error={form.errors.form} pending={pending} submitLabel={mapping ? "Save" : "Add mapping"} />
    </form>
  );
}

/** Adds a mapping (node select) to a queue, or edits one's threads and polling interval. */
export function MappingDialog({
  queue,
  mapping,
  open,
  heartbeatMs,
  onOpenChange,
}: {
  queue: QueueRow;
  mapping: MappingRow | null;
  open: boolean;
  heartbeatMs: number;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useFormErrors(FIELDS);
  const close = () => {
    form.clear();
    onOpenChange(false);
    void queryClient.invalidateQueries(trpc.queue.find.pathFilter());
    void queryClient.invalidateQueries(trpc.mapping.find.pathFilter());
  };
  const create = useMutation(
    trpc.mapping.create.mutationOptions({
      onSuccess: () => {
        toast.success(`Queue ${queue.name} mapped`);
        close();
      },
      onError: form.showServerError,
    }),
  );
  const update = useMutation(
    trpc.mapping.update.mutationOptions({
      onSuccess: () => {
        toast.success(`Mapping of ${queue.name} on ${mapping?.nodeName ?? "the node"} saved`);
        close();
      },
      onError: form.showServerError,
    }),
  );

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        form.clear();
        onOpenChange(o);
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{mapping ? `Mapping of ${queue.name} on ${mapping.nodeName}` : `Map queue ${queue.name} to a node`}</DialogTitle>
          <DialogDescription>
            A running node applies the change at its next heartbeat (within {Math.ceil(heartbeatMs / 1000)} s); runs already running go on.
          </DialogDescription>
        </DialogHeader>
        {open ? (
          <MappingForm
            key={mapping?.id ?? "new"}
            queue={queue}
            mapping={mapping}
            pending={create.isPending || update.isPending}
            form={form}
            onSubmit={(input) => {
              if (mapping) update.mutate({ id: mapping.id, maxThreads: input.maxThreads, pollingIntervalMs: input.pollingIntervalMs });
              else create.mutate({ queueId: queue.id, ...input });
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
