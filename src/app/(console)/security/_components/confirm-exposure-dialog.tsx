"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { LoaderCircle } from "lucide-react";
import type { ApiExposure, Risk } from "~/security/types";
import { useTRPC } from "~/trpc/react";
import { ConfirmDialog } from "../../_components/confirm-dialog";
import { API_LABEL, RISK_ORDER, reachableText } from "./format";
import type { PendingChange } from "./node-controls";
import { RiskBadge } from "./risk-badge";

/**
 * Asks before an exposure change, stating the exposure the node would have afterwards (from
 * `security.preview`), API by API, with the findings it would raise.
 */
export function ConfirmExposureDialog({
  open,
  pending,
  current,
  onCancel,
  onApply,
}: {
  open: boolean;
  /** The change to confirm (kept after closing, so the dialog does not go blank while it fades out). */
  pending: PendingChange | null;
  /** The node's exposure now, to say what changes. */
  current: ApiExposure[];
  onCancel: () => void;
  onApply: (change: PendingChange) => void;
}) {
  const trpc = useTRPC();
  const preview = useQuery({
    ...trpc.security.preview.queryOptions(pending ? { nodeId: pending.nodeId, changes: pending.changes } : skipToken),
    staleTime: 0,
    gcTime: 0,
  });
  const worst: Risk | null = preview.data ? (preview.data.map((p) => p.risk).sort((a, b) => RISK_ORDER[a] - RISK_ORDER[b])[0] ?? "ok") : null;

  return (
    <ConfirmDialog
      open={open}
      onOpenChange={(open) => !open && onCancel()}
      className="sm:max-w-xl"
      title="Confirm exposure change"
      description={pending?.summary}
      confirmLabel="Apply"
      destructive={worst === "critical"}
      confirmDisabled={preview.isPending}
      onConfirm={() => pending && onApply(pending)}
    >
      <div className="space-y-2" aria-live="polite">
        <div className="text-muted-foreground text-xs font-medium tracking-wide uppercase">Exposure after this change</div>
        {preview.isPending ? (
          <p className="text-muted-foreground flex items-center gap-2 text-sm">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" />
            Evaluating the new exposure…
          </p>
        ) : preview.isError ? (
          <p className="text-critical text-sm">Could not evaluate the new exposure: {preview.error.message}</p>
        ) : (
          <ul className="divide-y rounded-md border" data-testid="exposure-preview">
            {preview.data.map((p) => {
              const now = current.find((c) => c.api === p.api);
              const changed = now && (now.risk !== p.risk || now.reachableFrom !== p.reachableFrom || now.anonymousAllowed !== p.anonymousAllowed);
              return (
                <li key={p.api} className={changed ? "bg-muted/50 px-3 py-2.5" : "px-3 py-2.5"}>
                  <div className="flex items-start justify-between gap-4 text-sm">
                    <p>
                      <span className="font-medium">{API_LABEL[p.api]}</span>: {reachableText(p.reachableFrom)}
                      {p.reachableFrom === "nobody" ? "" : p.anonymousAllowed ? ", anonymous" : ", authenticated"}
                      <span className="sr-only">, </span>
                    </p>
                    <p className="flex shrink-0 flex-col items-end gap-0.5">
                      <span className="flex items-center gap-1.5">
                        <span className="text-muted-foreground">risk</span> <RiskBadge risk={p.risk} />
                      </span>
                      {now && now.risk !== p.risk ? <span className="text-muted-foreground text-xs">(now {now.risk})</span> : null}
                    </p>
                  </div>
                  {p.findings.length > 0 ? (
                    <ul className="text-muted-foreground mt-1 list-disc space-y-0.5 pl-5 text-xs">
                      {p.findings.map((f, i) => (
                        <li key={`${f.id}-${i}`}>
                          <span className={f.risk === "critical" ? "text-critical font-medium" : undefined}>{f.title}</span>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </ConfirmDialog>
  );
}
