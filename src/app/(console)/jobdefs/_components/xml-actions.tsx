"use client";

import { type ChangeEvent, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Download, Loader2, Upload } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "~/components/ui/dialog";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Textarea } from "~/components/ui/textarea";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

const MAX_BYTES = 1_000_000;
export const EXPORT_FILE_NAME = "jobwarden-jobdefs.xml";

/** Downloads every job definition as a JQM deployment descriptor. */
export function ExportButton() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  async function download() {
    setPending(true);
    try {
      const { xml, count } = await queryClient.fetchQuery({ ...trpc.jobDef.exportXml.queryOptions({}), staleTime: 0 });
      const url = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = EXPORT_FILE_NAME;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast.success(`Exported ${count} job definition${count === 1 ? "" : "s"}`);
    } catch (e) {
      toast.error(e instanceof Error ? e.message : "Export failed");
    } finally {
      setPending(false);
    }
  }
  return (
    <Button variant="outline" onClick={() => void download()} disabled={pending}>
      {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : <Download aria-hidden="true" />}
      Export XML
    </Button>
  );
}

type ImportResult = RouterOutputs["jobDef"]["importXml"];

function ResultSummary({ result }: { result: ImportResult }) {
  const lines: [string, string[]][] = [
    ["Created", result.created],
    ["Updated", result.updated],
    ["Queues created", result.queuesCreated],
  ];
  return (
    <div role="status" aria-label="Import result" className="grid gap-2 rounded-md border p-4 text-sm">
      <p className="font-medium">
        {result.created.length} created, {result.updated.length} updated, {result.unchanged.length} unchanged
      </p>
      {lines
        .filter(([, names]) => names.length)
        .map(([label, names]) => (
          <p key={label}>
            <span className="text-muted-foreground">{label}: </span>
            {names.join(", ")}
          </p>
        ))}
    </div>
  );
}

/** Imports a JQM deployment descriptor, uploaded or pasted: all or nothing. */
export function ImportDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [xml, setXml] = useState("");
  const [fileError, setFileError] = useState<string | null>(null);
  const importXml = useMutation(
    trpc.jobDef.importXml.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Imported: ${r.created.length} created, ${r.updated.length} updated`);
        void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
      },
    }),
  );

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    setFileError(null);
    importXml.reset();
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_BYTES) return setFileError(`${file.name} is larger than 1 MB`);
    setXml(await file.text());
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) {
          setXml("");
          setFileError(null);
          importXml.reset();
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <Upload aria-hidden="true" />
          Import XML
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Import job definitions</DialogTitle>
          <DialogDescription>
            A JQM deployment descriptor (res.xsd): definitions are created or updated by name, missing queues are created. Nothing is written if any
            definition is invalid.
          </DialogDescription>
        </DialogHeader>
        <FormField label="XML file" error={fileError}>
          <FormControl>
            <Input type="file" accept=".xml,application/xml,text/xml" onChange={(e) => void pick(e)} />
          </FormControl>
        </FormField>
        <FormField label="Or paste the XML">
          <FormControl>
            <Textarea
              value={xml}
              onChange={(e) => {
                setXml(e.target.value);
                importXml.reset();
              }}
              rows={10}
              className="max-h-72 font-mono text-xs"
              spellCheck={false}
              placeholder="<jqm><jar>…</jar></jqm>"
            />
          </FormControl>
        </FormField>
        {importXml.isError ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden="true" />
            <AlertTitle>Not imported</AlertTitle>
            <AlertDescription className="whitespace-pre-wrap">{importXml.error.message}</AlertDescription>
          </Alert>
        ) : null}
        {importXml.data ? <ResultSummary result={importXml.data} /> : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button type="button" variant="outline">
              {importXml.data ? "Done" : "Cancel"}
            </Button>
          </DialogClose>
          <Button type="button" disabled={!xml.trim() || importXml.isPending} onClick={() => importXml.mutate({ xml })}>
            {importXml.isPending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
            Import
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
