import { ShieldAlert, ShieldCheck, TriangleAlert } from "lucide-react";
import { Badge } from "~/components/ui/badge";
import { cn } from "~/lib/utils";
import type { NodeSecurity, Risk } from "~/security/types";

const RISK_ICON = { ok: ShieldCheck, warning: TriangleAlert, critical: ShieldAlert } as const;

/** The risk as a coloured badge whose text is exactly "ok", "warning" or "critical". */
export function RiskBadge({ risk, className, size = "default" }: { risk: Risk; className?: string; size?: "default" | "lg" }) {
  const Icon = RISK_ICON[risk];
  return (
    <Badge variant={risk} className={cn(size === "lg" && "px-2.5 py-1 text-sm [&>svg]:size-4", className)}>
      <Icon aria-hidden="true" />
      {risk}
    </Badge>
  );
}

const HEALTH_VARIANT = { reporting: "ok", stale: "warning", stopped: "secondary", "never reported": "outline" } as const;

export function SecurityHealthBadge({ health, testId }: { health: NodeSecurity["health"]; testId?: string }) {
  return (
    <Badge variant={HEALTH_VARIANT[health]} data-testid={testId}>
      {health}
    </Badge>
  );
}

/** "2 critical · 1 warning" (and "1 informational" when there are ok findings), numbers coloured. */
export function RiskCounts({ counts, className }: { counts: Record<Risk, number>; className?: string }) {
  return (
    <span className={cn("text-muted-foreground inline-flex flex-wrap items-center gap-x-2 text-xs tabular-nums", className)}>
      <span className={cn(counts.critical > 0 && "text-critical font-semibold")}>{counts.critical} critical</span>
      <span aria-hidden="true">·</span>
      <span className={cn(counts.warning > 0 && "font-semibold text-amber-700 dark:text-amber-400")}>
        {counts.warning} {counts.warning === 1 ? "warning" : "warnings"}
      </span>
      {counts.ok > 0 ? (
        <>
          <span aria-hidden="true">·</span>
          <span>{counts.ok} informational</span>
        </>
      ) : null}
    </span>
  );
}
