"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CalendarClock, Loader2, Pencil, Plus, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { parseWhole, useFormErrors } from "~/components/form-errors";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { FormControl, FormError, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Switch } from "~/components/ui/switch";
import { ZJobScheduleSchema } from "~/server/domain/jobdef-schemas";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { CronPreview } from "./cron-preview";
import { type ParamRow, ParametersEditor, fromRows, toRows } from "../../_components/parameters-editor";

type JobDef = RouterOutputs["jobDef"]["get"];
type Schedule = JobDef["schedules"][number];

const SCHEDULE_FIELDS = ["cronExpression", "queueName", "priority", "enabled", "parameters"] as const;

/** Select value meaning "the definition's queue" (Radix forbids an empty value). */
const SAME_QUEUE = "__definition__";

function ScheduleForm({
  jobDef,
  schedule,
  queues,
  onDone,
}: {
  jobDef: JobDef;
  schedule: Schedule | null;
  queues: string[];
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [cron, setCron] = useState(schedule?.cronExpression ?? "");
  const [queue, setQueue] = useState(schedule?.queueName ?? SAME_QUEUE);
  const [priority, setPriority] = useState(schedule?.priority == null ? "" : String(schedule.priority));
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [rows, setRows] = useState<ParamRow[]>(toRows(schedule?.parameters ?? {}));
  const form = useFormErrors(SCHEDULE_FIELDS, { prefix: schedule ? ["changes"] : ["schedule"] });
  const errors = form.errors.fields;

  const onSuccess = () => {
    toast.success(schedule ? "Schedule saved" : `Schedule added to ${jobDef.applicationName}`);
    void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
    onDone();
  };
  const create = useMutation(trpc.jobDef.createSchedule.mutationOptions({ onSuccess, onError: form.showServerError }));
  const update = useMutation(trpc.jobDef.updateSchedule.mutationOptions({ onSuccess, onError: form.showServerError }));
  const pending = create.isPending || update.isPending;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    event.stopPropagation();
    const params = fromRows(rows);
    if ("error" in params) return form.showFormError(params.error);
    const fields = form.check(ZJobScheduleSchema, {
      cronExpression: cron,
      queueName: queue === SAME_QUEUE ? null : queue,
      priority: parseWhole(priority),
      enabled,
      parameters: params.parameters,
    });
    if (!fields) return;
    if (schedule) update.mutate({ id: schedule.id, changes: fields });
    else create.mutate({ jobDefId: jobDef.id, schedule: fields });
  }

  return (
    <form onSubmit={submit} aria-label={schedule ? "Edit schedule" : "New schedule"} className="bg-muted/40 grid gap-4 rounded-md border p-4">
      <FormField
        label="Cron expression"
        description="minute hour day-of-month month day-of-week, e.g. 0 6 * * MON-FRI; an optional seconds field may come first."
        error={errors.cronExpression}
      >
        <FormControl>
          <Input
            value={cron}
            onChange={(e) => setCron(e.target.value)}
            placeholder="*/15 * * * *"
            className="font-mono"
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
          />
        </FormControl>
      </FormField>
      <CronPreview expression={cron} />
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField label="Queue" error={errors.queueName}>
          <Select value={queue} onValueChange={setQueue}>
            <FormControl>
              <SelectTrigger className="w-full">
                <SelectValue />
              </SelectTrigger>
            </FormControl>
            <SelectContent>
              <SelectItem value={SAME_QUEUE}>Definition&apos;s queue ({jobDef.queueName})</SelectItem>
              {queues.map((q) => (
                <SelectItem key={q} value={q}>
                  {q}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </FormField>
        <FormField label="Priority" error={errors.priority}>
          <FormControl>
            <Input type="number" min={-1000} max={1000} value={priority} placeholder={`${jobDef.priority} (definition's)`} onChange={(e) => setPriority(e.target.value)} />
          </FormControl>
        </FormField>
        <FormField inline label="Schedule enabled" error={errors.enabled} className="self-end pb-2">
          <FormControl>
            <Switch checked={enabled} onCheckedChange={setEnabled} />
          </FormControl>
        </FormField>
      </div>
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Schedule parameters</legend>
        <ParametersEditor rows={rows} onChange={setRows} label="Schedule parameter" />
        <FormError className="text-xs">{errors.parameters}</FormError>
      </fieldset>
      <FormError>{form.errors.form}</FormError>
      <div className="flex justify-end gap-2">
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
          {schedule ? "Save schedule" : "Add schedule"}
        </Button>
      </div>
    </form>
  );
}

/** A definition's cron schedules (JQM JOB_SCHEDULE): each change is saved at once. */
export function SchedulesSection({ jobDef, queues, readOnly }: { jobDef: JobDef; queues: string[]; readOnly: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Schedule | "new" | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const remove = useMutation(
    trpc.jobDef.deleteSchedule.mutationOptions({
      onSuccess: () => {
        toast.success("Schedule deleted");
        setConfirming(null);
        void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
      },
      onError: (e) => toast.error(e.message),
    }),
  );

  return (
    <section aria-labelledby="schedules-heading" className="grid gap-3 border-t pt-4">
      <div className="flex items-center justify-between gap-2">
        <h3 id="schedules-heading" className="flex items-center gap-2 font-medium">
          <CalendarClock className="size-4" aria-hidden="true" />
          Schedules
        </h3>
        {readOnly || editing ? null : (
          <Button type="button" variant="outline" size="sm" onClick={() => setEditing("new")}>
            <Plus aria-hidden="true" />
            New schedule
          </Button>
        )}
      </div>
      {jobDef.schedules.length === 0 && editing !== "new" ? (
        <p className="text-muted-foreground text-sm">No schedule: runs start only when someone or something enqueues them.</p>
      ) : null}
      <ul className="grid gap-2" aria-label="Schedules">
        {jobDef.schedules.map((s) =>
          editing !== "new" && editing?.id === s.id ? (
            <li key={s.id}>
              <ScheduleForm jobDef={jobDef} schedule={s} queues={queues} onDone={() => setEditing(null)} />
            </li>
          ) : (
            <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border px-3 py-2 text-sm">
              <code className="font-mono font-medium">{s.cronExpression}</code>
              {s.enabled ? null : <Badge variant="outline">disabled</Badge>}
              {s.queueName ? <Badge variant="secondary">queue {s.queueName}</Badge> : null}
              {s.priority != null ? <Badge variant="secondary">priority {s.priority}</Badge> : null}
              {Object.keys(s.parameters).length ? <Badge variant="secondary">{Object.keys(s.parameters).length} parameters</Badge> : null}
              <span className="text-muted-foreground">
                next {s.nextRunAt ? <Time at={s.nextRunAt} show="relative" title="dateTime" /> : "never"}
              </span>
              {readOnly ? null : (
                <span className="ml-auto flex gap-1">
                  <Button type="button" variant="ghost" size="icon" aria-label={`Edit schedule ${s.cronExpression}`} onClick={() => setEditing(s)}>
                    <Pencil aria-hidden="true" />
                  </Button>
                  {confirming === s.id ? (
                    <>
                      <Button type="button" variant="destructive" size="sm" disabled={remove.isPending} onClick={() => remove.mutate({ id: s.id })}>
                        {remove.isPending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
                        Delete schedule
                      </Button>
                      <Button type="button" variant="ghost" size="sm" onClick={() => setConfirming(null)}>
                        Keep
                      </Button>
                    </>
                  ) : (
                    <Button type="button" variant="ghost" size="icon" aria-label={`Delete schedule ${s.cronExpression}`} onClick={() => setConfirming(s.id)}>
                      <Trash2 aria-hidden="true" />
                    </Button>
                  )}
                </span>
              )}
            </li>
          ),
        )}
      </ul>
      {editing === "new" ? <ScheduleForm jobDef={jobDef} schedule={null} queues={queues} onDone={() => setEditing(null)} /> : null}
    </section>
  );
}
