import { cn } from "~/lib/utils";

export type StatTileProps = {
  id: string;
  label: string;
  value: React.ReactNode;
  hint?: React.ReactNode;
  tone?: "default" | "ok" | "critical" | "warning";
};

const TONES = { default: "", ok: "text-ok", critical: "text-critical", warning: "text-warning" } as const;

/** One number on the overview, with its label. */
export function StatTile({ id, label, value, hint, tone = "default" }: StatTileProps) {
  return (
    <div data-testid={`overview-tile-${id}`} className="bg-card text-card-foreground rounded-xl border px-4 py-3 shadow-sm">
      <div className="text-muted-foreground text-xs font-medium tracking-wide uppercase">{label}</div>
      <div className={cn("mt-1 text-2xl font-semibold tabular-nums", TONES[tone])}>{value}</div>
      {hint ? <div className="text-muted-foreground mt-0.5 text-xs">{hint}</div> : null}
    </div>
  );
}
