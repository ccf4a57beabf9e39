"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Rocket, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";

type ParamRow = { key: string; value: string };

function LaunchForm({ onLaunched }: { onLaunched: (id: number) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const jobDefs = useQuery(trpc.run.jobDefNames.queryOptions());
  const [application, setApplication] = useState("");
  const [rows, setRows] = useState<ParamRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const enqueue = useMutation(
    trpc.run.enqueue.mutationOptions({
      onSuccess: ({ id: runId, existing }) => {
        toast.success(existing ? `${application} already waits as run ${runId} (highlander)` : `Run ${runId} of ${application} enqueued`);
        void queryClient.invalidateQueries(trpc.run.find.pathFilter());
        onLaunched(runId);
      },
      onError: (e) => setError(e.message),
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!application) return setError("Choose an application");
    const filled = rows.filter((r) => r.key.trim() || r.value);
    const keys = filled.map((r) => r.key.trim());
    if (keys.some((k) => !k)) return setError("Every parameter needs a name");
    if (new Set(keys).size !== keys.length) return setError("Parameter names must be unique");
    enqueue.mutate({ applicationName: application, parameters: Object.fromEntries(filled.map((r) => [r.key.trim(), r.value])) });
  }

  const setRow = (i: number, patch: Partial<ParamRow>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <form onSubmit={submit} className="grid gap-5">
      <div className="grid gap-2">
        <Label htmlFor={`${id}-app`}>Application</Label>
        <Select value={application} onValueChange={setApplication}>
          <SelectTrigger id={`${id}-app`} className="w-full" aria-label="Application">
            <SelectValue placeholder={jobDefs.isPending ? "Loading…" : "Choose a job definition"} />
          </SelectTrigger>
          <SelectContent>
            {(jobDefs.data ?? []).map((jd) => (
              <SelectItem key={jd.applicationName} value={jd.applicationName} disabled={!jd.enabled}>
                {jd.applicationName}
                {!jd.enabled ? " (disabled)" : ""}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
        {application ? (
          <p className="text-muted-foreground text-sm">{jobDefs.data?.find((j) => j.applicationName === application)?.description}</p>
        ) : null}
      </div>
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Parameters</legend>
        <p className="text-muted-foreground text-xs">They override the job definition&apos;s defaults of the same name.</p>
        {rows.map((row, i) => (
          <div key={i} className="flex gap-2">
            <Input aria-label={`Parameter ${i + 1} name`} placeholder="name" value={row.key} maxLength={200} onChange={(e) => setRow(i, { key: e.target.value })} />
            <Input aria-label={`Parameter ${i + 1} value`} placeholder="value" value={row.value} maxLength={10_000} onChange={(e) => setRow(i, { value: e.target.value })} />
            <Button type="button" variant="ghost" size="icon" aria-label={`Remove parameter ${i + 1}`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
              <Trash2 aria-hidden="true" />
            </Button>
          </div>
        ))}
        <Button type="button" variant="outline" size="sm" className="w-fit" onClick={() => setRows((rs) => [...rs, { key: "", value: "" }])} disabled={rows.length >= 50}>
          <Plus aria-hidden="true" />
          Add parameter
        </Button>
      </fieldset>
      <FormDialogFooter error={error} pending={enqueue.isPending} submitLabel="Launch" />
    </form>
  );
}

/** "New launch": enqueues a run of a job definition with key/value parameters. */
export function NewLaunchDialog({ openRunAfterLaunch = false }: { openRunAfterLaunch?: boolean }) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <Rocket aria-hidden="true" />
          New launch
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New launch</DialogTitle>
          <DialogDescription>Enqueues a run of a job definition on its queue.</DialogDescription>
        </DialogHeader>
        {open ? (
          <LaunchForm
            onLaunched={(id) => {
              setOpen(false);
              if (openRunAfterLaunch) router.push(`/runs/${id}`);
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
