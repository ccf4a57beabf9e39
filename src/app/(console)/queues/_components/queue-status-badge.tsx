import { Badge } from "~/components/ui/badge";
import type { QueueStatus } from "~/server/services/queues/read-model";

const VARIANTS = { RUNNING: "ok", PARTIALLY_RUNNING: "warning", PAUSED: "secondary" } as const;
const LABELS = { RUNNING: "running", PARTIALLY_RUNNING: "partially running", PAUSED: "paused" } as const;
const TITLES = {
  RUNNING: "Every mapping is enabled",
  PARTIALLY_RUNNING: "Some mappings are disabled",
  PAUSED: "No enabled mapping: no node takes runs from this queue",
} as const;

export function QueueStatusBadge({ status }: { status: QueueStatus }) {
  return (
    <Badge variant={VARIANTS[status]} title={TITLES[status]}>
      {LABELS[status]}
    </Badge>
  );
}
