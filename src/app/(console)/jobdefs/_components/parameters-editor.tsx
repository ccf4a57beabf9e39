"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";

export type ParamRow = { key: string; value: string };

/** JQM limits, checked again by the server. */
const KEY_MAX = 50;
const VALUE_MAX = 1000;
const ROWS_MAX = 100;

export function toRows(parameters: Record<string, string>): ParamRow[] {
  return Object.entries(parameters).map(([key, value]) => ({ key, value }));
}

/** The parameters of the filled rows, or why they cannot be saved. */
export function fromRows(rows: ParamRow[]): { parameters: Record<string, string> } | { error: string } {
  const filled = rows.filter((r) => r.key.trim() || r.value);
  const keys = filled.map((r) => r.key.trim());
  if (keys.some((k) => !k)) return { error: "Every parameter needs a key" };
  if (new Set(keys).size !== keys.length) return { error: "Parameter keys must be unique" };
  return { parameters: Object.fromEntries(filled.map((r) => [r.key.trim(), r.value])) };
}

/** Key/value rows; `label` names them for screen readers ("Parameter 1 key"). */
export function ParametersEditor({
  rows,
  onChange,
  disabled = false,
  label = "Parameter",
}: {
  rows: ParamRow[];
  onChange: (rows: ParamRow[]) => void;
  disabled?: boolean;
  label?: string;
}) {
  const setRow = (i: number, patch: Partial<ParamRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="grid gap-2">
      {rows.length === 0 ? <p className="text-muted-foreground text-sm">None.</p> : null}
      {rows.map((row, i) => (
        <div key={i} className="flex gap-2">
          <Input
            aria-label={`${label} ${i + 1} key`}
            placeholder="key"
            value={row.key}
            maxLength={KEY_MAX}
            disabled={disabled}
            className="max-w-48 font-mono"
            onChange={(e) => setRow(i, { key: e.target.value })}
          />
          <Input
            aria-label={`${label} ${i + 1} value`}
            placeholder="value"
            value={row.value}
            maxLength={VALUE_MAX}
            disabled={disabled}
            className="font-mono"
            onChange={(e) => setRow(i, { value: e.target.value })}
          />
          {disabled ? null : (
            <Button
              type="button"
              variant="ghost"
              size="icon"
              aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              <Trash2 aria-hidden="true" />
            </Button>
          )}
        </div>
      ))}
      {disabled ? null : (
        <Button
          type="button"
          variant="outline"
          size="sm"
          className="w-fit"
          disabled={rows.length >= ROWS_MAX}
          onClick={() => onChange([...rows, { key: "", value: "" }])}
        >
          <Plus aria-hidden="true" />
          Add {label.toLowerCase()}
        </Button>
      )}
    </div>
  );
}
