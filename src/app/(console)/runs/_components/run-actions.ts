"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import type { BulkRunResult } from "~/server/api/routers/run";
import { ACTIVE_STATES, ENDED_STATES, PAUSABLE_STATES, type RunState, WAITING_STATES } from "~/server/domain/run-states";
import { useTRPC } from "~/trpc/react";

export type RunAction = "kill" | "cancel" | "pause" | "resume" | "restart" | "relaunch" | "setQueue" | "setPriority";
/** The value an action needs: the queue to move to, the new priority. */
export type RunActionValue = { queueName?: string; priority?: number };

export const ACTIONS: Record<RunAction, { label: string; past: string; destructive: boolean; explain: string; states: RunState[] }> = {
  kill: { label: "Kill", past: "killed", destructive: true, explain: "Their nodes stop them; they end CRASHED.", states: ACTIVE_STATES },
  cancel: { label: "Cancel", past: "cancelled", destructive: true, explain: "Waiting runs move to History as CANCELLED.", states: WAITING_STATES },
  pause: { label: "Pause", past: "paused", destructive: false, explain: "Waiting runs are held until resumed.", states: PAUSABLE_STATES },
  resume: { label: "Resume", past: "resumed", destructive: false, explain: "Held runs wait for a node again.", states: ["HOLDED"] },
  restart: { label: "Restart", past: "restarted", destructive: false, explain: "A new run is enqueued for each crashed run, with its parameters.", states: ["CRASHED"] },
  relaunch: { label: "Relaunch", past: "relaunched", destructive: false, explain: "A new run is enqueued for each run, with its parameters.", states: ENDED_STATES },
  setQueue: { label: "Change queue", past: "moved", destructive: false, explain: "Waiting runs move to the chosen queue.", states: WAITING_STATES },
  setPriority: { label: "Set priority", past: "given the new priority", destructive: false, explain: "Among waiting runs, a higher priority starts first.", states: WAITING_STATES },
};

export const ACTIVE_ACTIONS: RunAction[] = ["kill", "cancel", "pause", "resume", "setQueue", "setPriority"];
export const HISTORY_ACTIONS: RunAction[] = ["restart", "relaunch"];

/** Runs one action on runs by id; toasts what worked and each failure; refreshes lists and details. */
export function useRunAction(onDone?: () => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = {
    onError: (error: { message: string }) => toast.error(error.message),
    onSettled: () => {
      void queryClient.invalidateQueries(trpc.run.find.pathFilter());
      void queryClient.invalidateQueries(trpc.run.get.pathFilter());
    },
  };
  const mutations = {
    kill: useMutation(trpc.run.kill.mutationOptions(options)),
    cancel: useMutation(trpc.run.cancel.mutationOptions(options)),
    pause: useMutation(trpc.run.pause.mutationOptions(options)),
    resume: useMutation(trpc.run.resume.mutationOptions(options)),
    restart: useMutation(trpc.run.restart.mutationOptions(options)),
    relaunch: useMutation(trpc.run.relaunch.mutationOptions(options)),
    setQueue: useMutation(trpc.run.setQueue.mutationOptions(options)),
    setPriority: useMutation(trpc.run.setPriority.mutationOptions(options)),
  };
  const pending = Object.values(mutations).some((m) => m.isPending);

  function run(action: RunAction, ids: number[], value: RunActionValue = {}) {
    const onSuccess = (results: BulkRunResult[]) => {
      const ok = results.filter((r) => r.ok);
      const failed = results.filter((r) => !r.ok);
      if (ok.length > 0) {
        const created = ok.map((r) => r.newId).filter((n): n is number => n != null);
        const what = `${ok.length} run${ok.length === 1 ? "" : "s"} ${ACTIONS[action].past}`;
        toast.success(created.length > 0 ? `${what}: new run${created.length === 1 ? "" : "s"} ${created.join(", ")}` : what);
      }
      for (const f of failed.slice(0, 5)) toast.error(f.error ?? `Run ${f.id} failed`);
      if (failed.length > 5) toast.error(`…and ${failed.length - 5} more failures`);
      onDone?.();
    };
    if (action === "setQueue") mutations.setQueue.mutate({ ids, queueName: value.queueName ?? "" }, { onSuccess });
    else if (action === "setPriority") mutations.setPriority.mutate({ ids, priority: value.priority ?? 0 }, { onSuccess });
    else mutations[action].mutate({ ids }, { onSuccess });
  }
  return { run, pending };
}
