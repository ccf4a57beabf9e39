"use client";

import { useId, useState } from "react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "~/components/ui/alert-dialog";
import { buttonVariants } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { ACTIONS, type RunAction, type RunActionValue } from "./run-actions";

/** The queue or priority an action needs, asked in its confirmation. */
function ValueField({ action, queueNames, value, onChange }: { action: RunAction; queueNames: string[]; value: string; onChange: (v: string) => void }) {
  const id = useId();
  if (action === "setQueue") {
    return (
      <div className="grid gap-2">
        <Label htmlFor={id}>Queue</Label>
        <Input id={id} list={`${id}-queues`} value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" spellCheck={false} />
        <datalist id={`${id}-queues`}>
          {queueNames.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
      </div>
    );
  }
  return (
    <div className="grid gap-2">
      <Label htmlFor={id}>Priority (-1000 to 1000)</Label>
      <Input id={id} inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function parseValue(action: RunAction, raw: string): RunActionValue | null {
  if (action === "setQueue") return raw.trim() ? { queueName: raw.trim() } : null;
  if (action === "setPriority") {
    const n = Number(raw.trim());
    return /^-?\d{1,4}$/.test(raw.trim()) && Math.abs(n) <= 1000 ? { priority: n } : null;
  }
  return {};
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
  const value = action ? parseValue(action, raw) : null;
  const count = ids.length;
  const what = count === 1 ? `run ${ids[0]}` : `${count} runs`;
  return (
    <AlertDialog
      open={action !== null}
      onOpenChange={(open) => {
        if (!open) setRaw("");
        onOpenChange(open);
      }}
    >
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{a ? `${a.label} ${what}?` : ""}</AlertDialogTitle>
          <AlertDialogDescription>
            {a ? `${a.explain} This applies to ${count} run${count === 1 ? "" : "s"}` : ""}
            {count > 1 && count <= 10 ? `: ${ids.join(", ")}.` : "."}
          </AlertDialogDescription>
        </AlertDialogHeader>
        {action === "setQueue" || action === "setPriority" ? <ValueField action={action} queueNames={queueNames} value={raw} onChange={setRaw} /> : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            className={a?.destructive ? buttonVariants({ variant: "destructive" }) : undefined}
            disabled={value === null}
            onClick={() => {
              if (value) onConfirm(value);
              setRaw("");
            }}
          >
            {action === "cancel" ? `Cancel ${count === 1 ? "run" : "runs"}` : (a?.label ?? "Confirm")}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
