"use client";

import { FormControl, FormField } from "~/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Switch } from "~/components/ui/switch";
import type { RouterInputs, RouterOutputs } from "~/trpc/react";
import { cn } from "~/lib/utils";
import { AUTH_MODE_OPTIONS } from "../../_components/auth-modes";

export type SecurityNode = RouterOutputs["security"]["get"]["nodes"][number];
export type SecurityChanges = RouterInputs["security"]["update"]["changes"];
/** A change waiting for confirmation: what it is, in words, and the parameters it sets. */
export type PendingChange = { nodeId: number; nodeName: string; summary: string; changes: SecurityChanges };

/** One setting: a small muted label above its control (the control's own aria-label names the node too). */
function Setting({ label, hint, className, children }: { label: string; hint?: React.ReactNode; className?: string; children: React.ReactNode }) {
  return (
    <FormField label={label} labelClassName="text-muted-foreground text-xs font-medium" description={hint} className={cn("gap-1.5", className)}>
      {children}
    </FormField>
  );
}

function ToggleSetting({
  label,
  ariaLabel,
  checked,
  disabled,
  hint,
  onChange,
}: {
  label: string;
  ariaLabel: string;
  checked: boolean;
  disabled: boolean;
  hint?: React.ReactNode;
  onChange: (checked: boolean) => void;
}) {
  return (
    <Setting label={label} hint={hint}>
      <div className="flex h-9 items-center gap-2">
        <FormControl>
          <Switch aria-label={ariaLabel} checked={checked} disabled={disabled} onCheckedChange={onChange} />
        </FormControl>
        <span className="text-sm">{checked ? "On" : "Off"}</span>
      </div>
    </Setting>
  );
}

function AuthSetting({
  label,
  ariaLabel,
  value,
  disabled,
  onChange,
}: {
  label: string;
  ariaLabel: string;
  value: string;
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <Setting label={label}>
      <Select value={value} onValueChange={onChange} disabled={disabled}>
        <FormControl>
          <SelectTrigger aria-label={ariaLabel} className="w-full">
            <SelectValue />
          </SelectTrigger>
        </FormControl>
        <SelectContent>
          {AUTH_MODE_OPTIONS.map((m) => (
            <SelectItem key={m.value} value={m.value}>
              {m.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </Setting>
  );
}

/**
 * The exposure settings of one node. Nothing changes here directly: every change is handed to
 * `onChange`, which asks for confirmation with the exposure it would give.
 */
export function NodeControls({ node, disabled, onChange }: { node: SecurityNode; disabled: boolean; onChange: (change: PendingChange) => void }) {
  const { config } = node;
  const name = config.name;
  const propose = (summary: string, changes: SecurityChanges) => onChange({ nodeId: node.id, nodeName: name, summary, changes });
  const choices = node.bindChoices.some((c) => c.address === config.host)
    ? node.bindChoices
    : [{ address: config.host, label: "Current setting" }, ...node.bindChoices];
  const choiceLabel = (address: string) => choices.find((c) => c.address === address)?.label ?? address;
  const authLabel = (mode: string) => AUTH_MODE_OPTIONS.find((m) => m.value === mode)?.label ?? mode;

  return (
    <section aria-label={`Exposure settings of ${name}`} className="bg-muted/40 rounded-lg border p-4">
      <h3 className="mb-3 text-sm font-semibold">Exposure settings</h3>
      <div className="grid gap-x-6 gap-y-4 sm:grid-cols-2 lg:grid-cols-4">
        <Setting label="Bind to" className="sm:col-span-2">
          <Select
            value={config.host}
            disabled={disabled}
            onValueChange={(host) => propose(`Bind ${name} to ${choiceLabel(host)} (${host}).`, { host })}
          >
            <FormControl>
              <SelectTrigger aria-label={`Bind ${name} to`} className="w-full">
                <SelectValue />
              </SelectTrigger>
            </FormControl>
            <SelectContent>
              {choices.map((c) => (
                <SelectItem key={c.address} value={c.address}>
                  {c.label.includes(c.address) ? c.label : `${c.label} (${c.address})`}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Setting>
        <ToggleSetting
          label="REST API"
          ariaLabel={`REST API on ${name}`}
          checked={config.loadApiClient}
          disabled={disabled}
          onChange={(on) => propose(`${on ? "Enable" : "Disable"} the client REST API of ${name}.`, { loadApiClient: on })}
        />
        <ToggleSetting
          label="Remote management"
          ariaLabel={`Remote management on ${name}`}
          checked={config.mgmtRemotePort !== null}
          disabled={disabled}
          hint={config.mgmtRemotePort !== null ? (config.mgmtRemotePort === 0 ? "On any free port" : `Port ${config.mgmtRemotePort}`) : undefined}
          onChange={(on) =>
            propose(on ? `Enable remote management of ${name} (on any free port).` : `Disable remote management of ${name}.`, {
              mgmtRemotePort: on ? 0 : null,
            })
          }
        />
        <AuthSetting
          label="Simple API authentication"
          ariaLabel={`Simple API authentication on ${name}`}
          value={config.authSimple}
          disabled={disabled}
          onChange={(mode) => propose(`Set the simple API authentication of ${name} to ${authLabel(mode)}.`, { authSimple: mode as SecurityChanges["authSimple"] })}
        />
        <AuthSetting
          label="Client API authentication"
          ariaLabel={`Client API authentication on ${name}`}
          value={config.authClient}
          disabled={disabled}
          onChange={(mode) => propose(`Set the client REST API authentication of ${name} to ${authLabel(mode)}.`, { authClient: mode as SecurityChanges["authClient"] })}
        />
        <AuthSetting
          label="Management API authentication"
          ariaLabel={`Management API authentication on ${name}`}
          value={config.authMgmt}
          disabled={disabled}
          onChange={(mode) => propose(`Set the remote management authentication of ${name} to ${authLabel(mode)}.`, { authMgmt: mode as SecurityChanges["authMgmt"] })}
        />
        <ToggleSetting
          label="TLS"
          ariaLabel={`TLS on ${name}`}
          checked={config.tlsEnabled}
          disabled={disabled || (!node.tlsReady && !config.tlsEnabled)}
          hint={
            node.tlsReady ? undefined : (
              <>
                Run <code className="bg-muted rounded px-1 font-mono">jobwarden pki node {name}</code> and set its TLS files.
              </>
            )
          }
          onChange={(on) => propose(`${on ? "Enable" : "Disable"} TLS on the APIs of ${name}.`, { tlsEnabled: on })}
        />
      </div>
    </section>
  );
}
