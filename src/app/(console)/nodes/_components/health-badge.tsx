import { Badge } from "~/components/ui/badge";
import type { NodeHealth } from "~/server/services/nodes/node-health";

const VARIANTS = { alive: "ok", late: "warning", dead: "critical", "never started": "secondary" } as const;

export function HealthBadge({ health }: { health: NodeHealth }) {
  return <Badge variant={VARIANTS[health]}>{health}</Badge>;
}

/** host:port, with IPv6 addresses in brackets. */
export function listenAddress(host: string, port: number) {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
