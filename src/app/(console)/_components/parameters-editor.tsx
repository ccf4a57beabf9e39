"use client";

import { Plus, Trash2 } from "lucide-react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { PARAMETERS_MAX, PARAMETER_KEY_MAX, PARAMETER_VALUE_MAX } from "~/server/domain/jobdef-schemas";

export type ParamRow = { key: string; value: string };

export function toRows(parameters: Record<string, string>): ParamRow[] {
  return Object.entries(parameters).map(([key, value]) => ({ key, value }));
}

/** The parameters of the filled rows, or why they cannot be sent (a row without a key, a key twice). */
export function fromRows(rows: ParamRow[], keyWord: "key" | "name" = "key"): { parameters: Record<string, string> } | { error: string } {
  const filled = rows.filter((r) => r.key.trim() || r.value);
  const keys = filled.map((r) => r.key.trim());
  if (keys.some((k) => !k)) return { error: `Every parameter needs a ${keyWord}` };
  if (new Set(keys).size !== keys.length) return { error: `Parameter ${keyWord}s must be unique` };
  return { parameters: Object.fromEntries(filled.map((r) => [r.key.trim(), r.value])) };
}

/**
 * Key/value rows; `label` names them for screen readers ("Parameter 1 key"). The limits default to
 * a job definition's (JQM's); a launch's are wider.
 */
export function ParametersEditor({
  rows,
  onChange,
  disabled = false,
  label = "Parameter",
  keyWord = "key",
  keyMax = PARAMETER_KEY_MAX,
  valueMax = PARAMETER_VALUE_MAX,
  rowsMax = PARAMETERS_MAX,
  emptyText = "None.",
}: {
  rows: ParamRow[];
  onChange: (rows: ParamRow[]) => void;
  disabled?: boolean;
  label?: string;
  keyWord?: "key" | "name";
  keyMax?: number;
  valueMax?: number;
  rowsMax?: number;
  emptyText?: string | null;
}) {
  const setRow = (i: number, patch: Partial<ParamRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="grid gap-2">
      {rows.length === 0 && emptyText ? <p className="text-muted-foreground text-sm">{emptyText}</p> : null}
      {rows.map((row, i) => (
        <div key={i} className="flex gap-2">
          <Input
            aria-label={`${label} ${i + 1} ${keyWord}`}
            placeholder={keyWord}
            value={row.key}
            maxLength={keyMax}
            disabled={disabled}
            className="max-w-48 font-mono"
            onChange={(e) => setRow(i, { key: e.target.value })}
          />
          <Input
            aria-label={`${label} ${i + 1} value`}
            placeholder="value"
            value={row.value}
            maxLength={valueMax}
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
          disabled={rows.length >= rowsMax}
          onClick={() => onChange([...rows, { key: "", value: "" }])}
        >
          <Plus aria-hidden="true" />
          Add {label.toLowerCase()}
        </Button>
      )}
    </div>
  );
}
