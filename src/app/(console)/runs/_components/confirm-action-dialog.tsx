"use client";

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
import { ACTIONS, type RunAction } from "./run-actions";

/** "Kill 3 runs?": states how many runs an action touches before it is made. */
export function ConfirmActionDialog({
  action,
  ids,
  onOpenChange,
  onConfirm,
}: {
  action: RunAction | null;
  ids: number[];
  onOpenChange: (open: boolean) => void;
  onConfirm: () => void;
}) {
  const a = action ? ACTIONS[action] : null;
  const count = ids.length;
  const what = count === 1 ? `run ${ids[0]}` : `${count} runs`;
  return (
    <AlertDialog open={action !== null} onOpenChange={onOpenChange}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{a ? `${a.label} ${what}?` : ""}</AlertDialogTitle>
          <AlertDialogDescription>
            {a ? `${a.explain} This applies to ${count} run${count === 1 ? "" : "s"}` : ""}
            {count > 1 && count <= 10 ? `: ${ids.join(", ")}.` : "."}
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction className={a?.destructive ? buttonVariants({ variant: "destructive" }) : undefined} onClick={onConfirm}>
            {action === "cancel" ? `Cancel ${count === 1 ? "run" : "runs"}` : (a?.label ?? "Confirm")}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
