"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { TriangleAlert } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription } from "~/components/ui/alert";

import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";
import type { QueueRow } from "./queue-form-dialog";
import { FormDialogFooter } from "~/components/form-dialog-footer";

export type MappingRow = NonNullable<QueueRow["mappings"]>[number];

/** JQM's advice: "Never go below 1000ms". Faster is allowed (down to 100 ms) but costs database queries. */
export const RECOMMENDED_MIN_POLLING_MS = 1000;

export function PollingHint({ ms }: { ms: number }) {
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

function MappingForm({
  queue,
  mapping,
  pending,
  error,
  onSubmit,
}: {
  queue: QueueRow;
  mapping: MappingRow | null;
  pending: boolean;
  error: string | null;
  onSubmit: (input: { nodeId: number; maxThreads: number; pollingIntervalMs: number }) => void;
}) {
  const trpc = useTRPC();
  const id = useId();
  const nodes = useQuery({ ...trpc.node.find.queryOptions(), enabled: mapping === null });
  const mapped = new Set((queue.mappings ?? []).map((m) => m.nodeId));
  const free = (nodes.data ?? []).filter((n) => !mapped.has(n.id));
  const [nodeId, setNodeId] = useState(mapping ? String(mapping.nodeId) : "");
  const [threads, setThreads] = useState(String(mapping?.maxThreads ?? 5));
  const [polling, setPolling] = useState(String(mapping?.pollingIntervalMs ?? 1000));
  const [localError, setLocalError] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    if (!nodeId) return setLocalError("Choose a node");
    onSubmit({ nodeId: Number(nodeId), maxThreads: Number(threads), pollingIntervalMs: Number(polling) });
  }

  return (
    <form onSubmit={submit} className="grid gap-5">
      {mapping ? null : (
        <div className="grid gap-2">
          <Label htmlFor={`${id}-node`}>Node</Label>
          <Select value={nodeId} onValueChange={setNodeId}>
            <SelectTrigger id={`${id}-node`} className="w-full" aria-label="Node">
              <SelectValue placeholder={nodes.isPending ? "Loading…" : free.length ? "Choose a node" : "Every node already polls this queue"} />
            </SelectTrigger>
            <SelectContent>
              {free.map((n) => (
                <SelectItem key={n.id} value={String(n.id)}>
                  {n.name}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          {nodes.isError ? <p className="text-destructive text-xs">Could not load the nodes: {nodes.error.message}</p> : null}
        </div>
      )}
      <div className="grid gap-2 sm:grid-cols-2">
        <div className="grid content-start gap-2">
          <Label htmlFor={`${id}-threads`}>Threads</Label>
          <Input id={`${id}-threads`} type="number" required min={1} max={1000} step={1} value={threads} onChange={(e) => setThreads(e.target.value)} />
          <p className="text-muted-foreground text-xs">Runs of this queue the node runs at once (1 to 1000).</p>
        </div>
        <div className="grid content-start gap-2">
          <Label htmlFor={`${id}-polling`}>Polling interval (ms)</Label>
          <Input
            id={`${id}-polling`}
            type="number"
            required
            min={100}
            max={3_600_000}
            step={1}
            value={polling}
            onChange={(e) => setPolling(e.target.value)}
          />
          <p className="text-muted-foreground text-xs">How often the node looks for waiting runs (100 ms to 1 hour).</p>
        </div>
      </div>
      <PollingHint ms={Number(polling)} />
      <FormDialogFooter error={localError ?? error} pending={pending} submitLabel={mapping ? "Save" : "Add mapping"} />
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
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
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
      onError: (e) => setError(e.message),
    }),
  );
  const update = useMutation(
    trpc.mapping.update.mutationOptions({
      onSuccess: () => {
        toast.success(`Mapping of ${queue.name} on ${mapping?.nodeName ?? "the node"} saved`);
        close();
      },
      onError: (e) => setError(e.message),
    }),
  );

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setError(null);
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
            error={error}
            onSubmit={(input) => {
              setError(null);
              if (mapping) update.mutate({ id: mapping.id, maxThreads: input.maxThreads, pollingIntervalMs: input.pollingIntervalMs });
              else create.mutate({ queueId: queue.id, ...input });
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
