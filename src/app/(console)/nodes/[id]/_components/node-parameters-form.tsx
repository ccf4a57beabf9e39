"use client";

import { type FormEvent, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2, Save } from "lucide-react";
import { toast } from "sonner";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
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

function Field({ id, field, error, hint, children }: { id: string; field: Editable; error?: string; hint?: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-1.5">
      <div className="flex flex-wrap items-center gap-2">
        <Label htmlFor={id}>{LABELS[field]}</Label>
        <Effect field={field} />
      </div>
      {children}
      {error ? (
        <p className="text-destructive text-xs" role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="text-muted-foreground text-xs">{hint}</p>
      ) : null}
    </div>
  );
}

function ChoiceField<T extends string>({
  id,
  field,
  value,
  options,
  disabled,
  onChange,
}: {
  id: string;
  field: Editable;
  value: T;
  options: readonly { value: T; label: string }[];
  disabled: boolean;
  onChange: (value: T) => void;
}) {
  return (
    <Field id={id} field={field}>
      <Select value={value} onValueChange={(v) => onChange(v as T)} disabled={disabled}>
        <SelectTrigger id={id} className="w-full">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {options.map((o) => (
            <SelectItem key={o.value} value={o.value}>
              {o.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </Field>
  );
}

function SwitchField({ id, field, checked, disabled, hint, onChange }: { id: string; field: Editable; checked: boolean; disabled: boolean; hint?: string; onChange: (v: boolean) => void }) {
  return (
    <Field id={id} field={field} hint={hint}>
      <div className="flex h-9 items-center gap-2">
        <Switch id={id} checked={checked} disabled={disabled} onCheckedChange={onChange} />
        <span className="text-sm">{checked ? "On" : "Off"}</span>
      </div>
    </Field>
  );
}

function Form({ node, canEdit }: { node: Node; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const uid = useId();
  const initial = draftOf(node);
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<Editable, string>>>({});
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
      onError: (error) => toast.error(error.message),
    }),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const values = valuesOf(draft);
    const parsed = ZUpdateNodeSchema.safeParse(values);
    if (!parsed.success) {
      const next: Partial<Record<Editable, string>> = {};
      for (const issue of parsed.error.issues) next[issue.path[0] as Editable] ??= issue.message;
      setErrors(next);
      return;
    }
    setErrors({});
    const before = valuesOf(initial);
    const changes = Object.fromEntries(
      (Object.keys(parsed.data) as Editable[]).filter((k) => parsed.data[k] !== before[k]).map((k) => [k, parsed.data[k]]),
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
            <Field id={`${uid}-name`} field="name" error={errors.name} hint="The node must then be started with its new name.">
              <Input id={`${uid}-name`} value={draft.name} disabled={disabled} onChange={(e) => set("name", e.target.value)} spellCheck={false} />
            </Field>
            <ChoiceField
              id={`${uid}-loglevel`}
              field="logLevel"
              value={draft.logLevel}
              options={LOG_LEVELS.map((l) => ({ value: l, label: l }))}
              disabled={disabled}
              onChange={(v) => set("logLevel", v)}
            />
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Network</legend>
            <Field id={`${uid}-host`} field="host" error={errors.host} hint="Loopback keeps the node APIs on this host. Other addresses are those the node reported.">
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
                <SelectTrigger id={`${uid}-host`} className="w-full">
                  <SelectValue />
                </SelectTrigger>
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
            </Field>
            <Field id={`${uid}-port`} field="port" error={errors.port} hint="0 picks a free port; the node writes back the one it got.">
              <Input id={`${uid}-port`} inputMode="numeric" value={draft.port} disabled={disabled} onChange={(e) => set("port", e.target.value)} />
            </Field>
            <Field
              id={`${uid}-allowed-hosts`}
              field="allowedHosts"
              error={errors.allowedHosts}
              hint="The APIs answer only to this machine's names and addresses (Host header): add the other names clients use, comma-separated, e.g. jobs.example.com."
            >
              <Input
                id={`${uid}-allowed-hosts`}
                value={draft.allowedHosts}
                disabled={disabled}
                placeholder="e.g. jobs.example.com, 10.0.0.5"
                onChange={(e) => set("allowedHosts", e.target.value)}
                spellCheck={false}
              />
            </Field>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <legend className="mb-3 text-sm font-semibold">APIs</legend>
            <div className="flex min-w-0 flex-col gap-1.5">
              <span className="text-sm font-medium">Simple API</span>
              <p className="text-muted-foreground text-sm">Always on (JQM&apos;s /ws/simple): bind it to loopback to keep it on this host.</p>
            </div>
            <SwitchField id={`${uid}-rest`} field="loadApiClient" checked={draft.loadApiClient} disabled={disabled} hint="JQM's /ws/client on the same port." onChange={(v) => set("loadApiClient", v)} />
            <div className="flex flex-col gap-2">
              <SwitchField id={`${uid}-mgmt`} field="mgmtRemotePort" checked={draft.mgmtEnabled} disabled={disabled} onChange={(v) => set("mgmtEnabled", v)} />
              {draft.mgmtEnabled ? (
                <>
                  <Input
                    aria-label="Remote management port"
                    inputMode="numeric"
                    value={draft.mgmtRemotePort}
                    disabled={disabled}
                    placeholder="e.g. 1790"
                    onChange={(e) => set("mgmtRemotePort", e.target.value)}
                  />
                  {errors.mgmtRemotePort ? (
                    <p className="text-destructive text-xs" role="alert">
                      {errors.mgmtRemotePort}
                    </p>
                  ) : null}
                </>
              ) : null}
            </div>
            <ChoiceField id={`${uid}-auth-simple`} field="authSimple" value={draft.authSimple} options={authOptions} disabled={disabled} onChange={(v) => set("authSimple", v)} />
            <ChoiceField id={`${uid}-auth-client`} field="authClient" value={draft.authClient} options={authOptions} disabled={disabled} onChange={(v) => set("authClient", v)} />
            <ChoiceField id={`${uid}-auth-mgmt`} field="authMgmt" value={draft.authMgmt} options={authOptions} disabled={disabled} onChange={(v) => set("authMgmt", v)} />
            <SwitchField
              id={`${uid}-anon`}
              field="anonymousConfirmed"
              checked={draft.anonymousConfirmed}
              disabled={disabled}
              hint="Off: an API with authentication none only answers callers on this host."
              onChange={(v) => set("anonymousConfirmed", v)}
            />
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">TLS</legend>
            <SwitchField id={`${uid}-tls`} field="tlsEnabled" checked={draft.tlsEnabled} disabled={disabled} hint={`\`jobwarden pki node ${node.name}\` creates the files.`} onChange={(v) => set("tlsEnabled", v)} />
            <Field id={`${uid}-cert`} field="tlsCertPath" error={errors.tlsCertPath}>
              <Input id={`${uid}-cert`} value={draft.tlsCertPath} disabled={disabled} onChange={(e) => set("tlsCertPath", e.target.value)} spellCheck={false} />
            </Field>
            <Field id={`${uid}-key`} field="tlsKeyPath" error={errors.tlsKeyPath}>
              <Input id={`${uid}-key`} value={draft.tlsKeyPath} disabled={disabled} onChange={(e) => set("tlsKeyPath", e.target.value)} spellCheck={false} />
            </Field>
            <Field id={`${uid}-ca`} field="tlsCaPath" error={errors.tlsCaPath} hint="Only for authentication by client certificate.">
              <Input id={`${uid}-ca`} value={draft.tlsCaPath} disabled={disabled} onChange={(e) => set("tlsCaPath", e.target.value)} spellCheck={false} />
            </Field>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Payload isolation</legend>
            <Field
              id={`${uid}-payload-user`}
              field="payloadUser"
              error={errors.payloadUser}
              hint="Unprivileged OS account that shell, exec and node payloads run as. Empty: the node's own account, and whoever can create job definitions can act as an administrator."
            >
              <Input
                id={`${uid}-payload-user`}
                value={draft.payloadUser}
                disabled={disabled}
                placeholder="e.g. jobwarden-payload"
                onChange={(e) => set("payloadUser", e.target.value)}
                spellCheck={false}
                autoComplete="off"
              />
            </Field>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Directories</legend>
            {(["jobsDir", "deliverablesDir", "tmpDir", "logDir"] as const).map((field) => (
              <Field key={field} id={`${uid}-${field}`} field={field} error={errors[field]}>
                <Input id={`${uid}-${field}`} value={draft[field]} disabled={disabled} onChange={(e) => set(field, e.target.value)} spellCheck={false} className="font-mono text-xs" />
              </Field>
            ))}
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-3 text-sm font-semibold">Liveness</legend>
            <Field
              id={`${uid}-dead-after`}
              field="deadAfterSeconds"
              error={errors.deadAfterSeconds}
              hint={`How long this node may stay silent before another node declares it dead and takes its runs over. Empty: the global parameter nodeDeadAfterSeconds. Never less than ten heartbeat intervals. Now: ${Math.round(node.deadAfterMs / 1000)} s.`}
            >
              <Input
                id={`${uid}-dead-after`}
                value={draft.deadAfterSeconds}
                disabled={disabled}
                inputMode="numeric"
                placeholder="global"
                onChange={(e) => set("deadAfterSeconds", e.target.value)}
              />
            </Field>
          </fieldset>
        </CardContent>
        {canEdit ? (
          <CardFooter className="mt-6 justify-end gap-2">
            <Button
              type="button"
              variant="outline"
              onClick={() => {
                setDraft(initial);
                setErrors({});
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
