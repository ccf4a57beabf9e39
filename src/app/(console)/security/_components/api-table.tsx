import { CircleHelp, CircleOff, Globe, Laptop, TriangleAlert } from "lucide-react";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { cn } from "~/lib/utils";
import type { ApiExposure, Endpoint } from "~/security/types";
import { API_LABEL, authLabel, endpointAddress, endpointDrift } from "./format";
import { RiskBadge } from "./risk-badge";

function EndpointCell({ endpoint, empty }: { endpoint: ApiExposure["measured"]; empty: string }) {
  if (!endpoint) return <span className="text-muted-foreground">{empty}</span>;
  const e = endpoint as Endpoint & { tlsSubject?: string; tlsNotAfter?: string; error?: string };
  const socket = !!e.socketPath || e.address === null;
  return (
    <div className="space-y-0.5">
      <div className="font-mono text-xs">{endpointAddress(e)}</div>
      <div className="text-muted-foreground flex flex-wrap gap-x-1.5 text-xs">
        {socket ? null : (
          <>
            <span className={cn(e.tls ? "text-ok" : "text-foreground/80")}>{e.tls ? "TLS" : "plain HTTP"}</span>
            <span aria-hidden="true">·</span>
          </>
        )}
        <span className={cn(e.auth === "none" && "text-critical font-medium")}>{authLabel(e.auth)}</span>
      </div>
      {e.tlsSubject ? (
        <div className="text-muted-foreground max-w-56 truncate text-xs" title={e.tlsSubject}>
          {e.tlsSubject}
          {e.tlsNotAfter ? `, until ${e.tlsNotAfter}` : ""}
        </div>
      ) : null}
      {e.error ? <div className="text-critical max-w-64 text-xs whitespace-normal">{e.error}</div> : null}
    </div>
  );
}

const REACH_ICON = { "the network": Globe, "this host only": Laptop, nobody: CircleOff, unknown: CircleHelp } as const;

function Reach({ reach }: { reach: ApiExposure["reachableFrom"] }) {
  const Icon = REACH_ICON[reach];
  return (
    <span className={cn("inline-flex items-center gap-1.5 text-xs", reach === "the network" ? "font-semibold" : "text-muted-foreground", reach === "this host only" && "text-foreground")}>
      <Icon className="size-3.5 shrink-0" aria-hidden="true" />
      {reach}
    </span>
  );
}

/** Each API: configured next to measured (drift highlighted), who can reach it, and its risk. */
export function ApiTable({ owner, apis, measuring }: { owner: string; apis: ApiExposure[]; measuring: boolean }) {
  return (
    <div className="rounded-md border">
      <Table>
        <TableHeader className="bg-muted/40">
          <TableRow className="hover:bg-transparent">
            <TableHead className="text-muted-foreground text-xs">API</TableHead>
            <TableHead className="text-muted-foreground text-xs">Enabled</TableHead>
            <TableHead className="text-muted-foreground text-xs">Configured</TableHead>
            <TableHead className="text-muted-foreground text-xs">Measured</TableHead>
            <TableHead className="text-muted-foreground text-xs">Reachable from</TableHead>
            <TableHead className="text-muted-foreground text-xs">Anonymous</TableHead>
            <TableHead className="text-muted-foreground text-xs">Risk</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {apis.map((a) => {
            const drift = endpointDrift(a, measuring);
            return (
              <TableRow
                key={a.api}
                data-testid={`security-api-${owner}-${a.api}`}
                className={cn("align-top", a.risk === "critical" && "bg-critical/[0.04] hover:bg-critical/[0.07]")}
              >
                <TableCell className="py-3 font-medium">{API_LABEL[a.api]}</TableCell>
                <TableCell className="py-3">
                  <span className={cn("text-xs font-medium", a.enabled ? "text-foreground" : "text-muted-foreground")}>{a.enabled ? "on" : "off"}</span>
                </TableCell>
                <TableCell className="py-3">
                  <EndpointCell endpoint={a.configured} empty="—" />
                </TableCell>
                <TableCell
                  className={cn("py-3", drift.length > 0 && "bg-warning/15 shadow-[inset_3px_0_0_var(--warning)]")}
                  data-testid="api-measured"
                  data-drift={drift.length > 0 ? "true" : undefined}
                >
                  <EndpointCell endpoint={a.measured} empty={!measuring ? "not measured" : a.enabled ? "not listening" : "—"} />
                  {drift.length > 0 ? (
                    <div className="mt-1 flex items-center gap-1 text-xs font-medium text-amber-700 dark:text-amber-400">
                      <TriangleAlert className="size-3" aria-hidden="true" />
                      differs from configured: {drift.join(", ")}
                    </div>
                  ) : null}
                </TableCell>
                <TableCell className="py-3">
                  <Reach reach={a.reachableFrom} />
                </TableCell>
                <TableCell className="py-3 text-xs">
                  {a.anonymousAllowed ? <span className="text-critical font-semibold">yes</span> : <span className="text-muted-foreground">no</span>}
                </TableCell>
                <TableCell className="py-3" data-testid="api-risk">
                  <RiskBadge risk={a.risk} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
