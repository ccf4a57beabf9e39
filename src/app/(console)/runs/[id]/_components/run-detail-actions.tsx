"use client";

import { useState } from "react";
import { Button } from "~/components/ui/button";
import type { JobState } from "~/generated/sqlite/enums";
import { ConfirmActionDialog } from "../../_components/confirm-action-dialog";
import { ACTIONS, type RunAction, useRunAction } from "../../_components/run-actions";

const ORDER: RunAction[] = ["kill", "cancel", "pause", "resume", "restart", "relaunch"];

/** The actions that apply to a run in its current state, each behind a confirmation. */
export function RunDetailActions({ id, state }: { id: number; state: JobState }) {
  const [pending, setPending] = useState<RunAction | null>(null);
  const actions = useRunAction();
  const available = ORDER.filter((a) => ACTIONS[a].states.includes(state));
  if (available.length === 0) return null;
  return (
    <>
      <div className="flex flex-wrap gap-2" role="toolbar" aria-label="Run actions">
        {available.map((a) => (
          <Button key={a} size="sm" variant={ACTIONS[a].destructive ? "destructive" : "outline"} disabled={actions.pending} onClick={() => setPending(a)}>
            {ACTIONS[a].label}
          </Button>
        ))}
      </div>
      <ConfirmActionDialog
        action={pending}
        ids={[id]}
        onOpenChange={(open) => !open && setPending(null)}
        onConfirm={(value) => {
          if (pending) actions.run(pending, [id], value);
          setPending(null);
        }}
      />
    </>
  );
}
