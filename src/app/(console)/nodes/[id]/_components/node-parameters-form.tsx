"use client";

import { type FormEvent, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2, Save } from "lucide-react";
import { toast } from "sonner";
import { useFormErrors } from "~/components/form-errors";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Switch } from "~/components/ui/switch";
import {
  LOG_LEVELS,
  type NodeParameter,
  PARAMETER_EFFECT,
  type TUpdateNode,
  ZUpdateNodeSchema,
} from "~/server/domain/node-parameters";
import { newExposures } from "~/security/evaluate";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { ConfirmDialog } from "../../../_components/confirm-dialog";
import { AUTH_MODE_OPTIONS } from "../../../_components/auth-modes";

type Node = RouterOutputs["node"]["get"];
type Editable = Exclude<NodeParameter, "enabled" | "stopRequested">;
type Changes = Pick<TUpdateNode, Editable>;

/** The form's text fields: what the user typed, before parsing. */
type Draft = {
  name: string;
  host: string;
  port: string;
  jobsDir: string;
  deliverablesDir: string;
  tmpDir: string;
  logDir: string;
  logLevel: string;
  loadApiClient: boolean;
  mgmtEnabled: boolean;
  mgmtRemotePort: string;
  tlsEnabled: boolean;
  tlsCertPath: string;
  tlsKeyPath: string;
  tlsCaPath: string;
  authSimple: string;
  authClient: string;
  authMgmt: string;
  anonymousConfirmed: boolean;
  allowedHosts: string;
  payloadUser: string;
  deadAfterSeconds: string;
};

const OTHER = "__other__";

function draftOf(n: Node): Draft {
  return {
    name: n.name,
    host: n.host,
    port: String(n.port),
    jobsDir: n.jobsDir,
    deliverablesDir: n.deliverablesDir,
    tmpDir: n.tmpDir,
    logDir: n.logDir,
    logLevel: n.logLevel === "WARNING" ? "WARN" : n.logLevel,
    loadApiClient: n.loadApiClient,
    mgmtEnabled: n.mgmtRemotePort !== null,
    mgmtRemotePort: n.mgmtRemotePort === null ? "" : String(n.mgmtRemotePort),
    tlsEnabled: n.tlsEnabled,
    tlsCertPath: n.tlsCertPath ?? "",
    tlsKeyPath: n.tlsKeyPath ?? "",
    tlsCaPath: n.tlsCaPath ?? "",
    authSimple: n.authSimple,
    authClient: n.authClient,
    authMgmt: n.authMgmt,
    anonymousConfirmed: n.anonymousConfirmed,
    allowedHosts: n.allowedHosts,
    payloadUser: n.payloadUser ?? "",
    deadAfterSeconds: n.deadAfterSeconds === null ? "" : String(n.deadAfterSeconds),
  };
}

const toPort = (s: string) => (/^\d{1,5}$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);
const orNull = (s: string) => (s.trim() === "" ? null : s.trim());
const toWholeOrNull = (s: string) => (s.trim() === "" ? null : /^\d{1,9}$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

function valuesOf(d: Draft): Changes {
  return {
    name: d.name,
    host: d.host,
    port: toPort(d.port),
    jobsDir: d.jobsDir,
    deliverablesDir: d.deliverablesDir,
    tmpDir: d.tmpDir,
    logDir: d.logDir,
    logLevel: d.logLevel as Changes["logLevel"],
    loadApiClient: d.loadApiClient,
    mgmtRemotePort: d.mgmtEnabled ? toPort(d.mgmtRemotePort) : null,
    tlsEnabled: d.tlsEnabled,
    tlsCertPath: orNull(d.tlsCertPath),
    tlsKeyPath: orNull(d.tlsKeyPath),
    tlsCaPath: orNull(d.tlsCaPath),
    authSimple: d.authSimple as Changes["authSimple"],
    authClient: d.authClient as Changes["authClient"],
    authMgmt: d.authMgmt as Changes["authMgmt"],
    anonymousConfirmed: d.anonymousConfirmed,
    allowedHosts: d.allowedHosts,
    payloadUser: orNull(d.payloadUser),
    deadAfterSeconds: toWholeOrNull(d.deadAfterSeconds),
  };
}

const LABELS: Record<Editable, string> = {
  name: "Name",
  host: "Interface",
  port: "Port",
  jobsDir: "Jobs directory",
  deliverablesDir: "Deliverables directory",
  tmpDir: "Temporary directory",
  logDir: "Log directory",
  logLevel: "Log level",
  loadApiClient: "Client REST API",
  mgmtRemotePort: "Remote management port",
  tlsEnabled: "TLS",
  tlsCertPath: "Certificate file",
  tlsKeyPath: "Key file",
  tlsCaPath: "Client CA file",
  authSimple: "Simple API authentication",
  authClient: "Client REST API authentication",
  authMgmt: "Remote management authentication",
  anonymousConfirmed: "Anonymous access from the network",
  allowedHosts: "Further host names",
  payloadUser: "Payload account",
  deadAfterSeconds: "Dead after (seconds)",
};

function Effect({ field }: { field: Editable }) {
  return PARAMETER_EFFECT[field] === "live" ? (
    <Badge variant="outline" className="font-normal">
      applies live
    </Badge>
  ) : (
    <Badge variant="warning" className="font-normal">
      needs a restart
    </Badge>
  );
}

/** A parameter's field: its name as label, whether a change applies live, its hint and its error. */
function ParamField({ field, ...props }: { field: Editable } & Omit<React.ComponentProps<typeof FormField>, "label" | "labelExtra">) {
  return <FormField label={LABELS[field]} labelExtra={<Effect field={field} />} {...props} />;
}

function ChoiceField<T extends string>({
  field,
  value,
  options,
  disabled,
  onChange,
}: {
  field: Editable;
  value: T;
  options: readonly { value: T; label: string }[];
  disabled: boolean;
  onChange: (value: T) => void;
}) {
  return (
    <ParamField field={field}>
      <Select value={value} onValueChange={(v) => onChange(v as T)} disabled={disabled}>
        <FormControl>
          <SelectTrigger className="w-full">
            <SelectValue />
          </SelectTrigger>
        </FormControl>
        <SelectContent>
          {options.map((o) => (
            <SelectItem key={o.value} value={o.value}>
              {o.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </ParamField>
  );
}

function SwitchField({
  field,
  checked,
  disabled,
  hint,
  error,
  onChange,
  children,
}: {
  field: Editable;
  checked: boolean;
  disabled: boolean;
  hint?: string;
  error?: string;
  onChange: (v: boolean) => void;
  /** What the switch opens (the remote management port). */
  children?: React.ReactNode;
}) {
  return (
    <ParamField field={field} description={hint} error={error}>
      <div className="flex h-9 items-center gap-2">
        <FormControl>
          <Switch checked={checked} disabled={disabled} onCheckedChange={onChange} />
        </FormControl>
        <span className="text-sm">{checked ? "On" : "Off"}</span>
      </div>
      {children}
    </ParamField>
  );
}

/** Every field of the form, for the errors the server may send about them. */
const EDITABLE = Object.keys(LABELS) as Editable[];

function Form({ node, canEdit }: { node: Node; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const initial = draftOf(node);
  const [draft, setDraft] = useState(initial);
  const form = useFormErrors(EDITABLE, { prefix: ["changes"], onFormError: toast.error });
  const errors = form.errors.fields;
  const [confirm, setConfirm] = useState<{ changes: Changes; exposures: string[] } | null>(null);
  const [otherHost, setOtherHost] = useState(!node.bindChoices.some((c) => c.address === node.host));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const disabled = !canEdit;

  const update = useMutation(
    trpc.node.update.mutationOptions({
      onSuccess: (_, { changes }) => {
        const restart = (Object.keys(changes) as Editable[]).filter((k) => PARAMETER_EFFECT[k] === "restart");
        toast.success(
          restart.length
            ? `Saved. ${restart.map((k) => LABELS[k]).join(" and ")}: restart the node to apply; the rest applies within one heartbeat.`
            : "Saved. The node applies the changes within one heartbeat.",
        );
        void queryClient.invalidateQueries(trpc.node.pathFilter());
        void queryClient.invalidateQueries(trpc.security.pathFilter());
      },
      onError: form.showServerError,
    }),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const values = form.check(ZUpdateNodeSchema, valuesOf(draft));
    if (!values) return;
    const before = valuesOf(initial);
    const changes = Object.fromEntries(
      (Object.keys(values) as Editable[]).filter((k) => values[k] !== before[k]).map((k) => [k, values[k]]),
    ) as Changes;
    if (Object.keys(changes).length === 0) {
      toast.info("Nothing changed");
      return;
    }
    const exposures = newExposures(node, { ...node, ...changes });
    if (exposures.length) setConfirm({ changes, exposures });
    else update.mutate({ id: node.id, changes });
  }

  const hostChoices = node.bindChoices.map((c) => ({ value: c.address, label: c.label.includes(c.address) ? c.label : `${c.label} (${c.address})` }));
  const authOptions = AUTH_MODE_OPTIONS;

  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2 className="text-lg">Parameters</h2>
        </CardTitle>
        <CardDescription>
          The node re-reads its parameters at every heartbeat: most apply live. Its name and log directory are read when it starts.
          Every change is audited.
        </CardDescription>
      </CardHeader>
      <form onSubmit={submit} noValidate aria-label={`Parameters of ${node.name}`}>
        <CardContent className="space-y-8">
          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Identity and engine</legend>
            <ParamField field="name" error={errors.name} description="The node must then be started with its new name.">
              <FormControl>
                <Input value={draft.name} disabled={disabled} onChange={(e) => set("name", e.target.value)} spellCheck={false} />
              </FormControl>
            </ParamField>
            <ChoiceField
              field="logLevel"
              value={draft.logLevel}
              options={LOG_LEVELS.map((l) => ({ value: l, label: l }))}
              disabled={disabled}
              onChange={(v) => set("logLevel", v)}
            />
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Network</legend>
            <ParamField field="host" error={errors.host} description="Loopback keeps the node APIs on this host. Other addresses are those the node reported.">
              <Select
                value={otherHost ? OTHER : draft.host}
                disabled={disabled}
                onValueChange={(v) => {
                  if (v === OTHER) {
                    setOtherHost(true);
                  } else {
                    setOtherHost(false);
                    set("host", v);
                  }
                }}
              >
                <FormControl>
                  <SelectTrigger className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                </FormControl>
                <SelectContent>
                  {hostChoices.map((c) => (
                    <SelectItem key={c.value} value={c.value}>
                      {c.label}
                    </SelectItem>
                  ))}
                  <SelectItem value={OTHER}>Another address…</SelectItem>
                </SelectContent>
              </Select>
              {otherHost ? (
                <Input
                  aria-label="Interface address"
                  value={draft.host}
                  disabled={disabled}
                  placeholder="e.g. 10.0.0.5"
                  onChange={(e) => set("host", e.target.value)}
                  spellCheck={false}
                />
              ) : null}
            </ParamField>
            <ParamField field="port" error={errors.port} description="0 picks a free port; the node writes back the one it got.">
              <FormControl>
                <Input inputMode="numeric" value={draft.port} disabled={disabled} onChange={(e) => set("port", e.target.value)} />
              </FormControl>
            </ParamField>
            <ParamField
              field="allowedHosts"
              error={errors.allowedHosts}
              description="The APIs answer only to this machine's names and addresses (Host header): add the other names clients use, comma-separated, e.g. jobs.example.com."
            >
              <FormControl>
                <Input
                  value={draft.allowedHosts}
                  disabled={disabled}
                  placeholder="e.g. jobs.example.com, 10.0.0.5"
                  onChange={(e) => set("allowedHosts", e.target.value)}
                  spellCheck={false}
                />
              </FormControl>
            </ParamField>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <legend className="mb-3 text-sm font-semibold">APIs</legend>
            <div className="flex min-w-0 flex-col gap-1.5">
              <span className="text-sm font-medium">Simple API</span>
              <p className="text-muted-foreground text-sm">Always on (JQM&apos;s /ws/simple): bind it to loopback to keep it on this host.</p>
            </div>
            <SwitchField field="loadApiClient" checked={draft.loadApiClient} disabled={disabled} hint="JQM's /ws/client on the same port." onChange={(v) => set("loadApiClient", v)} />
            <SwitchField field="mgmtRemotePort" checked={draft.mgmtEnabled} disabled={disabled} error={errors.mgmtRemotePort} onChange={(v) => set("mgmtEnabled", v)}>
              {draft.mgmtEnabled ? (
                <Input
                  aria-label="Remote management port"
                  aria-invalid={errors.mgmtRemotePort ? true : undefined}
                  inputMode="numeric"
                  value={draft.mgmtRemotePort}
                  disabled={disabled}
                  placeholder="e.g. 1790"
                  onChange={(e) => set("mgmtRemotePort", e.target.value)}
                />
              ) : null}
            </SwitchField>
            <ChoiceField field="authSimple" value={draft.authSimple} options={authOptions} disabled={disabled} onChange={(v) => set("authSimple", v)} />
            <ChoiceField field="authClient" value={draft.authClient} options={authOptions} disabled={disabled} onChange={(v) => set("authClient", v)} />
            <ChoiceField field="authMgmt" value={draft.authMgmt} options={authOptions} disabled={disabled} onChange={(v) => set("authMgmt", v)} />
            <SwitchField
              field="anonymousConfirmed"
              checked={draft.anonymousConfirmed}
              disabled={disabled}
              hint="Off: an API with authentication none only answers callers on this host."
              onChange={(v) => set("anonymousConfirmed", v)}
            />
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">TLS</legend>
            <SwitchField field="tlsEnabled" checked={draft.tlsEnabled} disabled={disabled} hint={`\`jobwarden pki node ${node.name}\` creates the files.`} onChange={(v) => set("tlsEnabled", v)} />
            <ParamField field="tlsCertPath" error={errors.tlsCertPath}>
              <FormControl>
                <Input value={draft.tlsCertPath} disabled={disabled} onChange={(e) => set("tlsCertPath", e.target.value)} spellCheck={false} />
              </FormControl>
            </ParamField>
            <ParamField field="tlsKeyPath" error={errors.tlsKeyPath}>
              <FormControl>
                <Input value={draft.tlsKeyPath} disabled={disabled} onChange={(e) => set("tlsKeyPath", e.target.value)} spellCheck={false} />
              </FormControl>
            </ParamField>
            <ParamField field="tlsCaPath" error={errors.tlsCaPath} description="Only for authentication by client certificate.">
              <FormControl>
                <Input value={draft.tlsCaPath} disabled={disabled} onChange={(e) => set("tlsCaPath", e.target.value)} spellCheck={false} />
              </FormControl>
            </ParamField>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Payload isolation</legend>
            <ParamField
              field="payloadUser"
              error={errors.payloadUser}
              description="Unprivileged OS account that shell, exec and node payloads run as. Empty: the node's own account, and whoever can create job definitions can act as an administrator."
            >
              <FormControl>
                <Input
                  value={draft.payloadUser}
                  disabled={disabled}
                  placeholder="e.g. jobwarden-payload"
                  onChange={(e) => set("payloadUser", e.target.value)}
                  spellCheck={false}
                  autoComplete="off"
                />
              </FormControl>
            </ParamField>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Directories</legend>
            {(["jobsDir", "deliverablesDir", "tmpDir", "logDir"] as const).map((field) => (
              <ParamField key={field} field={field} error={errors[field]}>
                <FormControl>
                  <Input value={draft[field]} disabled={disabled} onChange={(e) => set(field, e.target.value)} spellCheck={false} className="font-mono text-xs" />
                </FormControl>
              </ParamField>
            ))}
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Liveness</legend>
            <ParamField
              field="deadAfterSeconds"
              error={errors.deadAfterSeconds}
              description={`How long this node may stay silent before another node declares it dead and takes its runs over. Empty: the global parameter nodeDeadAfterSeconds. Never less than ten heartbeat intervals. Now: ${Math.round(node.deadAfterMs / 1000)} s.`}
            >
              <FormControl>
                <Input
                  value={draft.deadAfterSeconds}
                  disabled={disabled}
                  inputMode="numeric"
                  placeholder="global"
                  onChange={(e) => set("deadAfterSeconds", e.target.value)}
                />
              </FormControl>
            </ParamField>
          </fieldset>
        </CardContent>
        {canEdit ? (
          <CardFooter className="mt-6 justify-end gap-2">
            <Button
              type="button"
              variant="outline"
              onClick={() => {
                setDraft(initial);
                form.clear();
                setOtherHost(!node.bindChoices.some((c) => c.address === node.host));
              }}
            >
              Reset
            </Button>
            <Button type="submit" disabled={update.isPending}>
              {update.isPending ? <Loader2 className="animate-spin" aria-hidden="true" /> : <Save aria-hidden="true" />}
              Save parameters
            </Button>
          </CardFooter>
        ) : null}
      </form>
      <ConfirmDialog
        open={confirm !== null}
        title="Expose this node beyond this host?"
        description={
          <>
            This change makes {confirm?.exposures.join("; ")}. Anyone who can reach this machine can then call it{" "}
            {confirm?.exposures.some((e) => e.includes("without authentication") || e.includes("anonymous")) ? "without any password" : "with valid credentials"}.
          </>
        }
        confirmLabel="Expose and save"
        destructive
        onOpenChange={(open) => !open && setConfirm(null)}
        onConfirm={() => {
          if (confirm) update.mutate({ id: node.id, changes: confirm.changes, confirmExposure: true });
          setConfirm(null);
        }}
      />
    </Card>
  );
}

/** The node-parameters editor. It starts over from the database whenever the saved parameters change. */
export function NodeParametersForm({ node, canEdit }: { node: Node; canEdit: boolean }) {
  return <Form key={JSON.stringify(draftOf(node))} node={node} canEdit={canEdit} />;
}
