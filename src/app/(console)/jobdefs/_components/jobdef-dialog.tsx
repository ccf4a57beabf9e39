"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Loader2, Plus } from "lucide-react";
import { toast } from "sonner";
import { type FormErrorsState, parseWhole, useFormErrors } from "~/components/form-errors";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { FormControl, FormError, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Skeleton } from "~/components/ui/skeleton";
import { Switch } from "~/components/ui/switch";
import { Textarea } from "~/components/ui/textarea";
import { type TJobDef, ZJobDefSchema } from "~/server/domain/jobdef-schemas";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { type ParamRow, ParametersEditor, fromRows, toRows } from "../../_components/parameters-editor";
import { SchedulesSection } from "./schedules-section";

type JobDef = RouterOutputs["jobDef"]["get"];
type PayloadType = JobDef["payloadType"];

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


const FIELDS = [
  "applicationName",
  "description",
  "queueName",
  "payloadType",
  "path",
  "parameters",
  "enabled",
  "highlander",
  "canBeRestarted",
  "priority",
  "alertAfterSeconds",
  "application",
  "module",
  "keyword1",
  "keyword2",
  "keyword3",
] as const satisfies readonly (keyof TJobDef)[];
type JobDefField = (typeof FIELDS)[number];

const SWITCHES = [
  ["enabled", "Enabled", "Disabled: launches are refused and schedules do not fire."],
  ["highlander", "Highlander", "At most one running and one waiting run."],
  ["canBeRestarted", "Can be restarted", "A crashed run may be restarted."],
] as const;

const TAGS = [
  ["application", "Application"],
  ["module", "Module"],
  ["keyword1", "Keyword 1"],
  ["keyword2", "Keyword 2"],
  ["keyword3", "Keyword 3"],
] as const;

function JobDefForm({
  jobDef,
  queues,
  readOnly,
  pending,
  form: check,
  onSubmit,
  onCancel,
}: {
  jobDef: JobDef | null;
  queues: string[];
  readOnly: boolean;
  pending: boolean;
  form: FormErrorsState<JobDefField>;
  onSubmit: (input: TJobDef) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<FormState>(() => initialState(jobDef, queues[0] ?? ""));
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const labels = PAYLOAD_LABELS[form.payloadType];
  const errors = check.errors.fields;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const params = fromRows(form.params);
    if ("error" in params) return check.showFormError(params.error);
    const input = check.check(ZJobDefSchema, toInput(form, params.parameters));
    if (input) onSubmit(input);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Job definition" className="grid gap-5">
      <fieldset disabled={readOnly} className="grid gap-5">
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Name" description="The applicationName used to launch it from every API." error={errors.applicationName}>
            <FormControl>
              <Input value={form.applicationName} onChange={(e) => set("applicationName", e.target.value)} maxLength={100} autoComplete="off" spellCheck={false} />
            </FormControl>
          </FormField>
          <FormField label="Queue" error={errors.queueName}>
            <Select value={form.queueName} onValueChange={(v) => set("queueName", v)} disabled={readOnly}>
              <FormControl>
                <SelectTrigger className="w-full">
                  <SelectValue placeholder="Choose a queue" />
                </SelectTrigger>
              </FormControl>
              <SelectContent>
                {queues.map((q) => (
                  <SelectItem key={q} value={q}>
                    {q}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
        </div>
        <FormField label="Description" error={errors.description}>
          <FormControl>
            <Textarea value={form.description} maxLength={1000} rows={2} onChange={(e) => set("description", e.target.value)} />
          </FormControl>
        </FormField>
        <div className="grid gap-4 sm:grid-cols-[12rem_1fr]">
          <FormField label="Payload type" error={errors.payloadType}>
            <Select value={form.payloadType} onValueChange={(v) => set("payloadType", v as PayloadType)} disabled={readOnly}>
              <FormControl>
                <SelectTrigger className="w-full">
                  <SelectValue />
                </SelectTrigger>
              </FormControl>
              <SelectContent>
                {(Object.keys(PAYLOAD_LABELS) as PayloadType[]).map((t) => (
                  <SelectItem key={t} value={t}>
                    {PAYLOAD_LABELS[t].name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <FormField label={labels.path} description={labels.hint} error={errors.path}>
            <FormControl>
              <Input value={form.path} onChange={(e) => set("path", e.target.value)} maxLength={1000} className="font-mono" spellCheck={false} />
            </FormControl>
          </FormField>
        </div>
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-medium">Parameters</legend>
          <p className="text-muted-foreground text-xs">Defaults for every run; a launch or a schedule may override them. Keys up to 50 characters, values up to 1000.</p>
          <ParametersEditor rows={form.params} onChange={(rows) => set("params", rows)} disabled={readOnly} />
          <FormError className="text-xs">{errors.parameters}</FormError>
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-3">
          {SWITCHES.map(([key, label, hint]) => (
            <FormField key={key} inline label={label} description={hint} error={errors[key]}>
              <FormControl>
                <Switch checked={form[key]} onCheckedChange={(v) => set(key, v)} disabled={readOnly} />
              </FormControl>
            </FormField>
          ))}
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Priority" description="Higher runs first; a launch or a schedule may override it." error={errors.priority}>
            <FormControl>
              <Input type="number" min={-1000} max={1000} value={form.priority} onChange={(e) => set("priority", e.target.value)} />
            </FormControl>
          </FormField>
          <FormField label="Alert after (seconds)" description="A run longer than this is reported late. Empty: never." error={errors.alertAfterSeconds}>
            <FormControl>
              <Input type="number" min={1} value={form.alertAfterSeconds} onChange={(e) => set("alertAfterSeconds", e.target.value)} />
            </FormControl>
          </FormField>
        </div>
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-medium">Tags</legend>
          <div className="grid gap-4 sm:grid-cols-6">
            {TAGS.map(([key, label], i) => (
              <FormField key={key} label={label} error={errors[key]} className={i < 2 ? "sm:col-span-3" : "sm:col-span-2"}>
                <FormControl>
                  <Input value={form[key]} maxLength={50} onChange={(e) => set(key, e.target.value)} />
                </FormControl>
              </FormField>
            ))}
          </div>
        </fieldset>
      </fieldset>
      <FormError>{check.errors.form}</FormError>
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

/** The request for the form's values; the schema says what is wrong with them. */
function toInput(form: FormState, parameters: Record<string, string>): TJobDef {
  return {
    applicationName: form.applicationName,
    description: form.description,
    queueName: form.queueName,
    payloadType: form.payloadType,
    path: form.path,
    parameters,
    enabled: form.enabled,
    highlander: form.highlander,
    canBeRestarted: form.canBeRestarted,
    priority: parseWhole(form.priority) ?? Number.NaN,
    alertAfterSeconds: parseWhole(form.alertAfterSeconds),
    application: form.application,
    module: form.module,
    keyword1: form.keyword1,
    keyword2: form.keyword2,
    keyword3: form.keyword3,
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
  const form = useFormErrors(FIELDS, { prefix: jobDefId === null ? [] : ["changes"] });
  const queues = useQuery({ ...trpc.jobDef.queueNames.queryOptions(), enabled: open });
  const jobDef = useQuery({ ...trpc.jobDef.get.queryOptions({ id: jobDefId ?? 0 }), enabled: open && jobDefId !== null });
  const invalidate = () => void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
  const create = useMutation(
    trpc.jobDef.create.mutationOptions({
      onSuccess: (jd) => {
        toast.success(`Job definition ${jd.applicationName} created`);
        form.clear();
        invalidate();
        onCreated?.(jd.id);
      },
      onError: form.showServerError,
    }),
  );
  const update = useMutation(
    trpc.jobDef.update.mutationOptions({
      onSuccess: (jd) => {
        toast.success(`Job definition ${jd.applicationName} saved`);
        form.clear();
        invalidate();
        onOpenChange(false);
      },
      onError: form.showServerError,
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
        form.clear();
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
              form={form}
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
