import { CircleCheck } from "lucide-react";
import type { Finding } from "~/security/types";
import { RISK_ORDER } from "./format";
import { RiskBadge } from "./risk-badge";

export type SourcedFinding = Finding & { source: string };

/** Text with `backtick` spans shown as code. Everything stays text: React escapes it. */
function InlineCode({ text }: { text: string }) {
  const parts = text.split("`");
  if (parts.length < 3) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 && i < parts.length - 1 ? (
          <code key={i} className="bg-muted text-foreground rounded px-1 py-0.5 font-mono text-[0.8em] break-all">
            {part}
          </code>
        ) : (
          <span key={i}>{i % 2 === 1 ? `\`${part}` : part}</span>
        ),
      )}
    </>
  );
}

const RAIL = { critical: "border-l-critical", warning: "border-l-warning", ok: "border-l-ok" } as const;

/** Findings, most severe first, each with its risk, title, where it comes from and the exact remediation. */
export function FindingsList({ findings, emptyText = "No findings." }: { findings: SourcedFinding[]; emptyText?: string }) {
  if (findings.length === 0) {
    return (
      <p className="text-muted-foreground flex items-center gap-2 text-sm">
        <CircleCheck className="text-ok size-4" aria-hidden="true" />
        {emptyText}
      </p>
    );
  }
  const sorted = findings
    .map((f, index) => ({ f, index }))
    .sort((a, b) => RISK_ORDER[a.f.risk] - RISK_ORDER[b.f.risk] || a.index - b.index)
    .map(({ f }) => f);
  return (
    <ul className="space-y-2">
      {sorted.map((f, i) => (
        <li
          key={`${f.source}-${f.id}-${i}`}
          data-testid={`finding-${f.id}`}
          className={`bg-card grid grid-cols-[5.75rem_1fr] gap-x-3 rounded-md border border-l-4 ${RAIL[f.risk]} py-3 pr-4 pl-3`}
        >
          <div className="pt-0.5">
            <RiskBadge risk={f.risk} />
          </div>
          <div className="min-w-0 space-y-1">
            <p className="text-sm leading-snug font-medium break-words">{f.title}</p>
            <p className="text-muted-foreground text-sm leading-relaxed break-words">
              <span className="text-foreground/80 font-medium">Remediation: </span>
              <InlineCode text={f.remediation} />
            </p>
            <p className="text-muted-foreground flex flex-wrap items-center gap-x-2 text-xs">
              <span className="font-medium">{f.source}</span>
              <span aria-hidden="true">·</span>
              <span className="font-mono">{f.id}</span>
            </p>
          </div>
        </li>
      ))}
    </ul>
  );
}
