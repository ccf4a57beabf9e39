"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Loader2, Plus } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Skeleton } from "~/components/ui/skeleton";
import { Switch } from "~/components/ui/switch";
import { Textarea } from "~/components/ui/textarea";
import { type RouterInputs, type RouterOutputs, useTRPC } from "~/trpc/react";
import { type ParamRow, ParametersEditor, fromRows, toRows } from "./parameters-editor";
import { SchedulesSection } from "./schedules-section";

type JobDef = RouterOutputs["jobDef"]["get"];
type PayloadType = JobDef["payloadType"];
type JobDefInput = RouterInputs["jobDef"]["create"];

export const PAYLOAD_LABELS: Record<PayloadType, { name: string; path: string; hint: string }> = {
  shell: { name: "Shell command", path: "Command", hint: "Run by /bin/sh -c; parameters are appended in key order as quoted arguments (\"$@\"). JQM DEFAULTSHELLCOMMAND." },
  exec: { name: "Executable", path: "Executable path", hint: "Run without a shell; parameters are appended in key order as arguments. JQM DIRECTEXECUTABLE." },
  node: { name: "Node module", path: "Module path", hint: "A JS or TS module exporting run(ctx), run in a worker thread; parameters in ctx.parameters." },
};

type FormState = {
  applicationName: string;
  description: string;
  queueName: string;
  payloadType: PayloadType;
  path: string;
  params: ParamRow[];
  enabled: boolean;
  highlander: boolean;
  canBeRestarted: boolean;
  priority: string;
  alertAfterSeconds: string;
  application: string;
  module: string;
  keyword1: string;
  keyword2: string;
  keyword3: string;
};

function initialState(jd: JobDef | null, defaultQueue: string): FormState {
  return {
    applicationName: jd?.applicationName ?? "",
    description: jd?.description ?? "",
    queueName: jd?.queueName ?? defaultQueue,
    payloadType: jd?.payloadType ?? "shell",
    path: jd?.path ?? "",
    params: toRows(jd?.parameters ?? {}),
    enabled: jd?.enabled ?? true,
    highlander: jd?.highlander ?? false,
    canBeRestarted: jd?.canBeRestarted ?? true,
    priority: String(jd?.priority ?? 0),
    alertAfterSeconds: jd?.alertAfterSeconds == null ? "" : String(jd.alertAfterSeconds),
    application: jd?.application ?? "",
    module: jd?.module ?? "",
    keyword1: jd?.keyword1 ?? "",
    keyword2: jd?.keyword2 ?? "",
    keyword3: jd?.keyword3 ?? "",
  };
}


function Field({ id, label, hint, children }: { id: string; label: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-2">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint ? <p className="text-muted-foreground text-xs">{hint}</p> : null}
    </div>
  );
}

function JobDefForm({
  jobDef,
  queues,
  readOnly,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  jobDef: JobDef | null;
  queues: string[];
  readOnly: boolean;
  pending: boolean;
  error: string | null;
  onSubmit: (input: JobDefInput) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [form, setForm] = useState<FormState>(() => initialState(jobDef, queues[0] ?? ""));
  const [localError, setLocalError] = useState<string | null>(null);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const labels = PAYLOAD_LABELS[form.payloadType];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    const input = toInput(form);
    if ("error" in input) return setLocalError(input.error);
    onSubmit(input);
  }

  const text = (key: "application" | "module" | "keyword1" | "keyword2" | "keyword3", label: string) => (
    <Field id={`${id}-${key}`} label={label}>
      <Input id={`${id}-${key}`} value={form[key]} maxLength={50} onChange={(e) => set(key, e.target.value)} />
    </Field>
  );

  return (
    <form onSubmit={submit} aria-label="Job definition" className="grid gap-5">
      <fieldset disabled={readOnly} className="grid gap-5">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id={`${id}-name`} label="Name" hint="The applicationName used to launch it from every API.">
            <Input id={`${id}-name`} value={form.applicationName} onChange={(e) => set("applicationName", e.target.value)} required maxLength={100} autoComplete="off" spellCheck={false} />
          </Field>
          <Field id={`${id}-queue`} label="Queue">
            <Select value={form.queueName} onValueChange={(v) => set("queueName", v)} disabled={readOnly}>
              <SelectTrigger id={`${id}-queue`} className="w-full">
                <SelectValue placeholder="Choose a queue" />
              </SelectTrigger>
              <SelectContent>
                {queues.map((q) => (
                  <SelectItem key={q} value={q}>
                    {q}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
        </div>
        <Field id={`${id}-description`} label="Description">
          <Textarea id={`${id}-description`} value={form.description} maxLength={1000} rows={2} onChange={(e) => set("description", e.target.value)} />
        </Field>
        <div className="grid gap-4 sm:grid-cols-[12rem_1fr]">
          <Field id={`${id}-type`} label="Payload type">
            <Select value={form.payloadType} onValueChange={(v) => set("payloadType", v as PayloadType)} disabled={readOnly}>
              <SelectTrigger id={`${id}-type`} className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {(Object.keys(PAYLOAD_LABELS) as PayloadType[]).map((t) => (
                  <SelectItem key={t} value={t}>
                    {PAYLOAD_LABELS[t].name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          <Field id={`${id}-path`} label={labels.path} hint={labels.hint}>
            <Input id={`${id}-path`} value={form.path} onChange={(e) => set("path", e.target.value)} required maxLength={1000} className="font-mono" spellCheck={false} />
          </Field>
        </div>
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-medium">Parameters</legend>
          <p className="text-muted-foreground text-xs">Defaults for every run; a launch or a schedule may override them. Keys up to 50 characters, values up to 1000.</p>
          <ParametersEditor rows={form.params} onChange={(rows) => set("params", rows)} disabled={readOnly} />
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-3">
          {(
            [
              ["enabled", "Enabled", "Disabled: launches are refused and schedules do not fire."],
              ["highlander", "Highlander", "At most one running and one waiting run."],
              ["canBeRestarted", "Can be restarted", "A crashed run may be restarted."],
            ] as const
          ).map(([key, label, hint]) => (
            <div key={key} className="grid gap-1">
              <div className="flex items-center gap-2">
                <Switch id={`${id}-${key}`} checked={form[key]} onCheckedChange={(v) => set(key, v)} disabled={readOnly} />
                <Label htmlFor={`${id}-${key}`}>{label}</Label>
              </div>
              <p className="text-muted-foreground text-xs">{hint}</p>
            </div>
          ))}
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id={`${id}-priority`} label="Priority" hint="Higher runs first; a launch or a schedule may override it.">
            <Input id={`${id}-priority`} type="number" min={-1000} max={1000} value={form.priority} onChange={(e) => set("priority", e.target.value)} />
          </Field>
          <Field id={`${id}-alert`} label="Alert after (seconds)" hint="A run longer than this is reported late. Empty: never.">
            <Input id={`${id}-alert`} type="number" min={1} value={form.alertAfterSeconds} onChange={(e) => set("alertAfterSeconds", e.target.value)} />
          </Field>
        </div>
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-medium">Tags</legend>
          <div className="grid gap-4 sm:grid-cols-2">
            {text("application", "Application")}
            {text("module", "Module")}
          </div>
          <div className="grid gap-4 sm:grid-cols-3">
            {text("keyword1", "Keyword 1")}
            {text("keyword2", "Keyword 2")}
            {text("keyword3", "Keyword 3")}
          </div>
        </fieldset>
      </fieldset>
      {localError || error ? (
        <p role="alert" className="text-destructive text-sm whitespace-pre-wrap">
          {localError ?? error}
        </p>
      ) : null}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          {readOnly ? "Close" : "Cancel"}
        </Button>
        {readOnly ? null : (
          <Button type="submit" disabled={pending}>
            {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
            {jobDef ? "Save" : "Create"}
          </Button>
        )}
      </DialogFooter>
    </form>
  );
}

function toInput(form: FormState): JobDefInput | { error: string } {
  const params = fromRows(form.params);
  if ("error" in params) return { error: params.error };
  if (!/^-?\d+$/.test(form.priority.trim())) return { error: "Priority must be a whole number" };
  if (form.alertAfterSeconds.trim() && !/^\d+$/.test(form.alertAfterSeconds.trim())) return { error: "Alert after must be a number of seconds" };
  return {
    applicationName: form.applicationName.trim(),
    description: form.description,
    queueName: form.queueName,
    payloadType: form.payloadType,
    path: form.path.trim(),
    parameters: params.parameters,
    enabled: form.enabled,
    highlander: form.highlander,
    canBeRestarted: form.canBeRestarted,
    priority: Number(form.priority),
    alertAfterSeconds: form.alertAfterSeconds.trim() ? Number(form.alertAfterSeconds) : null,
    application: form.application.trim() || null,
    module: form.module.trim() || null,
    keyword1: form.keyword1.trim() || null,
    keyword2: form.keyword2.trim() || null,
    keyword3: form.keyword3.trim() || null,
  };
}

/**
 * Creates (jobDefId null) or edits a job definition; read-only users see the same fields disabled.
 * After a creation the dialog stays open on the new definition so schedules can be added.
 */
export function JobDefDialog({
  open,
  onOpenChange,
  jobDefId,
  readOnly,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  jobDefId: number | null;
  readOnly: boolean;
  onCreated?: (id: number) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const queues = useQuery({ ...trpc.jobDef.queueNames.queryOptions(), enabled: open });
  const jobDef = useQuery({ ...trpc.jobDef.get.queryOptions({ id: jobDefId ?? 0 }), enabled: open && jobDefId !== null });
  const invalidate = () => void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
  const create = useMutation(
    trpc.jobDef.create.mutationOptions({
      onSuccess: (jd) => {
        toast.success(`Job definition ${jd.applicationName} created`);
        setError(null);
        invalidate();
        onCreated?.(jd.id);
      },
      onError: (e) => setError(e.message),
    }),
  );
  const update = useMutation(
    trpc.jobDef.update.mutationOptions({
      onSuccess: (jd) => {
        toast.success(`Job definition ${jd.applicationName} saved`);
        setError(null);
        invalidate();
        onOpenChange(false);
      },
      onError: (e) => setError(e.message),
    }),
  );

  const queueNames = queues.data?.map((q) => q.name) ?? [];
  const loading = queues.isPending || (jobDefId !== null && jobDef.isPending);
  const loadError = queues.error ?? jobDef.error;
  const title = jobDefId === null ? "New job definition" : jobDef.data ? (readOnly ? jobDef.data.applicationName : `Edit ${jobDef.data.applicationName}`) : "Job definition";

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setError(null);
        onOpenChange(o);
      }}
    >
      <DialogContent className="max-h-[92vh] overflow-y-auto sm:max-w-3xl">
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>
            {jobDefId === null
              ? "What a node runs, on which queue, with which default parameters. Schedules can be added once it exists."
              : readOnly
                ? "You may read this definition but not change it."
                : "Changes apply to runs enqueued from now on."}
          </DialogDescription>
        </DialogHeader>
        {loadError ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden="true" />
            <AlertTitle>Could not load the job definition</AlertTitle>
            <AlertDescription>{loadError.message}</AlertDescription>
          </Alert>
        ) : loading ? (
          <div className="grid gap-4" aria-busy="true" aria-label="Loading">
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-16 w-full" />
            <Skeleton className="h-9 w-2/3" />
            <Skeleton className="h-24 w-full" />
          </div>
        ) : (
          <>
            <JobDefForm
              key={jobDef.data ? `${jobDef.data.id}-${jobDef.data.updatedAt.getTime()}` : "new"}
              jobDef={jobDefId === null ? null : (jobDef.data ?? null)}
              queues={queueNames}
              readOnly={readOnly}
              pending={create.isPending || update.isPending}
              error={error}
              onCancel={() => onOpenChange(false)}
              onSubmit={(input) => {
                if (jobDefId === null) create.mutate(input);
                else update.mutate({ id: jobDefId, changes: input });
              }}
            />
            {jobDef.data && jobDefId !== null ? <SchedulesSection jobDef={jobDef.data} queues={queueNames} readOnly={readOnly} /> : null}
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** "New job definition": the dialog turns into the new definition's editor once created. */
export function NewJobDefButton() {
  const [open, setOpen] = useState(false);
  const [createdId, setCreatedId] = useState<number | null>(null);
  return (
    <>
      <Button
        onClick={() => {
          setCreatedId(null);
          setOpen(true);
        }}
      >
        <Plus aria-hidden="true" />
        New job definition
      </Button>
      <JobDefDialog open={open} onOpenChange={setOpen} jobDefId={createdId} readOnly={false} onCreated={setCreatedId} />
    </>
  );
}
