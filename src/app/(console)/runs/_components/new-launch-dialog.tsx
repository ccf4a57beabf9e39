"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Rocket } from "lucide-react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { useFormErrors } from "~/components/form-errors";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { FormControl, FormError, FormField } from "~/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { PARAMETER_NAME_MAX, PARAMETER_VALUE_MAX as RUN_PARAMETER_VALUE_MAX, ZEnqueueRunSchema } from "~/server/domain/run-schemas";
import { useTRPC } from "~/trpc/react";
import { FormDialogFooter } from "~/components/form-dialog-footer";
import { type ParamRow, ParametersEditor, fromRows } from "../../_components/parameters-editor";

const ZLaunchSchema = ZEnqueueRunSchema.pick({ applicationName: true, parameters: true });
const FIELDS = ["applicationName", "parameters"] as const;
/** Rows the form offers (the request itself has no such limit). */
const ROWS_MAX = 50;

function LaunchForm({ onLaunched }: { onLaunched: (id: number) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobDefs = useQuery(trpc.run.jobDefNames.queryOptions());
  const [application, setApplication] = useState("");
  const [rows, setRows] = useState<ParamRow[]>([]);
  const form = useFormErrors(FIELDS);
  const enqueue = useMutation(
    trpc.run.enqueue.mutationOptions({
      onSuccess: ({ id: runId, existing }) => {
        toast.success(existing ? `${application} already waits as run ${runId} (highlander)` : `Run ${runId} of ${application} enqueued`);
        void queryClient.invalidateQueries(trpc.run.find.pathFilter());
        onLaunched(runId);
      },
      onError: form.showServerError,
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const params = fromRows(rows, "name");
    if ("error" in params) return form.showFormError(params.error);
    const input = form.check(ZLaunchSchema, { applicationName: application, parameters: params.parameters });
    if (input) enqueue.mutate(input);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5">
      <FormField
        label="Application"
        description={application ? jobDefs.data?.find((j) => j.applicationName === application)?.description : undefined}
        error={form.errors.fields.applicationName}
      >
        <Select value={application} onValueChange={setApplication}>
          <FormControl>
            <SelectTrigger className="w-full">
              <SelectValue placeholder={jobDefs.isPending ? "Loading…" : "Choose a job definition"} />
            </SelectTrigger>
          </FormControl>
          <SelectContent>
            {(jobDefs.data ?? []).map((jd) => (
              <SelectItem key={jd.applicationName} value={jd.applicationName} disabled={!jd.enabled}>
                {jd.applicationName}
                {!jd.enabled ? " (disabled)" : ""}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </FormField>
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Parameters</legend>
        <p className="text-muted-foreground text-xs">They override the job definition&apos;s defaults of the same name.</p>
        <ParametersEditor
          rows={rows}
          onChange={setRows}
          keyWord="name"
          keyMax={PARAMETER_NAME_MAX}
          valueMax={RUN_PARAMETER_VALUE_MAX}
          rowsMax={ROWS_MAX}
          emptyText={null}
        />
        <FormError className="text-xs">{form.errors.fields.parameters}</FormError>
      </fieldset>
      <FormDialogFooter error={form.errors.form} pending={enqueue.isPending} submitLabel="Launch" />
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
