"use client";

import { useId, useState } from "react";
import { parseWhole } from "~/components/form-errors";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { ZPrioritySchema, ZQueueNameSchema } from "~/server/domain/jobdef-schemas";
import { ConfirmDialog } from "../../_components/confirm-dialog";
import { ACTIONS, type RunAction, type RunActionValue } from "./run-actions";

/** The queue or priority an action needs, asked in its confirmation. */
function ValueField({ action, queueNames, value, error, onChange }: { action: RunAction; queueNames: string[]; value: string; error: string | null; onChange: (v: string) => void }) {
  const listId = useId();
  if (action === "setQueue") {
    return (
      <FormField label="Queue" error={error}>
        <FormControl>
          <Input list={listId} value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" spellCheck={false} />
        </FormControl>
        <datalist id={listId}>
          {queueNames.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
      </FormField>
    );
  }
  return (
    <FormField label="Priority (-1000 to 1000)" error={error}>
      <FormControl>
        <Input inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} />
      </FormControl>
    </FormField>
  );
}

/** The action's value (checked as the server checks it), or why it is not one yet (null while nothing is typed). */
function parseValue(action: RunAction, raw: string): { value: RunActionValue | null; error: string | null } {
  const typed = raw.trim() !== "";
  if (action === "setQueue") {
    const r = ZQueueNameSchema.safeParse(raw);
    return r.success ? { value: { queueName: r.data }, error: null } : { value: null, error: typed ? (r.error.issues[0]?.message ?? null) : null };
  }
  if (action === "setPriority") {
    const r = ZPrioritySchema.safeParse(parseWhole(raw));
    return r.success ? { value: { priority: r.data }, error: null } : { value: null, error: typed ? (r.error.issues[0]?.message ?? null) : null };
  }
  return { value: {}, error: null };
}

/** "Kill 3 runs?": states how many runs an action touches before it is made, and asks for its value if any. */
export function ConfirmActionDialog({
  action,
  ids,
  queueNames = [],
  onOpenChange,
  onConfirm,
}: {
  action: RunAction | null;
  ids: number[];
  queueNames?: string[];
  onOpenChange: (open: boolean) => void;
  onConfirm: (value: RunActionValue) => void;
}) {
  const [raw, setRaw] = useState("");
  const a = action ? ACTIONS[action] : null;
  const { value, error } = action ? parseValue(action, raw) : { value: null, error: null };
  const count = ids.length;
  const what = count === 1 ? `run ${ids[0]}` : `${count} runs`;
  return (
    <ConfirmDialog
      open={action !== null}
      onOpenChange={(open) => {
        if (!open) setRaw("");
        onOpenChange(open);
      }}
      title={a ? `${a.label} ${what}?` : ""}
      description={`${a ? `${a.explain} This applies to ${count} run${count === 1 ? "" : "s"}` : ""}${count > 1 && count <= 10 ? `: ${ids.join(", ")}.` : "."}`}
      confirmLabel={action === "cancel" ? `Cancel ${count === 1 ? "run" : "runs"}` : (a?.label ?? "Confirm")}
      destructive={a?.destructive}
      confirmDisabled={value === null}
      onConfirm={() => {
        if (value) onConfirm(value);
        setRaw("");
      }}
    >
      {action === "setQueue" || action === "setPriority" ? <ValueField action={action} queueNames={queueNames} value={raw} error={error} onChange={setRaw} /> : null}
    </ConfirmDialog>
  );
}
