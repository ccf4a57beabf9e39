import { Badge } from "~/components/ui/badge";
import type { RouterOutputs } from "~/trpc/react";

type QueueRow = NonNullable<RouterOutputs["stats"]["overview"]["queues"]>[number];

const COUNTS = [
  { key: "waiting", label: "waiting" },
  { key: "running", label: "running" },
  { key: "held", label: "held" },
  { key: "scheduled", label: "scheduled" },
] as const;

/** One line per queue with its live counts (a list, like the other overview cards). */
export function QueuesList({ queues }: { queues: QueueRow[] }) {
  if (queues.length === 0) return <p className="text-muted-foreground text-sm">No queues yet.</p>;
  return (
    <ul className="divide-y" data-testid="overview-queues">
      {queues.map((q) => (
        <li key={q.id} data-testid={`overview-queue-${q.name}`} className="flex flex-wrap items-center justify-between gap-x-6 gap-y-2 py-2.5 first:pt-0 last:pb-0">
          <div className="min-w-0">
            <div className="flex items-center gap-2">
              <span className="truncate font-medium">{q.name}</span>
              {q.isDefault ? <Badge variant="outline">default</Badge> : null}
            </div>
            <div className="text-muted-foreground text-xs">
              {q.nodes === 0 ? "no node polls it" : `${q.nodes} node${q.nodes === 1 ? "" : "s"}, ${q.maxThreads} thread${q.maxThreads === 1 ? "" : "s"}`}
            </div>
          </div>
          <dl className="flex gap-5 text-sm">
            {COUNTS.map((c) => (
              <div key={c.key} className="grid min-w-14 text-right">
                <dt className="text-muted-foreground order-2 text-xs">{c.label}</dt>
                <dd className="order-1 font-medium tabular-nums">{q[c.key]}</dd>
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ul>
  );
}
