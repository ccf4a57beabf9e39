import { Badge } from "~/components/ui/badge";
import type { JobState } from "~/generated/sqlite/enums";

const VARIANTS: Record<JobState, "default" | "secondary" | "outline" | "ok" | "warning" | "critical"> = {
  SUBMITTED: "secondary",
  SCHEDULED: "outline",
  HOLDED: "warning",
  ATTRIBUTED: "secondary",
  RUNNING: "default",
  ENDED: "ok",
  CRASHED: "critical",
  CANCELLED: "outline",
};

export function StateBadge({ state }: { state: JobState }) {
  return (
    <Badge variant={VARIANTS[state]} data-testid="run-state">
      {state}
    </Badge>
  );
}
