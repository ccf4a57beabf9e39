"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ArrowRight } from "lucide-react";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { HealthBadge, listenAddress } from "../nodes/_components/health-badge";
import { Time } from "./time";
import { useRefreshInterval } from "./live-refresh";

/** Compact list of the nodes and their health, for the overview page. */
export function NodesOverview() {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.find.queryOptions(), refetchInterval: useRefreshInterval(5000) });

  if (nodes.isPending) {
    return (
      <div className="space-y-3">
        <Skeleton className="h-5 w-full" />
        <Skeleton className="h-5 w-2/3" />
      </div>
    );
  }
  if (nodes.isError) return <p className="text-destructive text-sm">{nodes.error.message}</p>;
  if (nodes.data.length === 0) {
    return (
      <p className="text-muted-foreground text-sm">
        No nodes yet. Create one with <code className="font-mono">jobwarden node create --name &lt;name&gt;</code>.
      </p>
    );
  }
  return (
    <div className="space-y-4">
      <ul className="divide-y">
        {nodes.data.map((n) => (
          <li key={n.id} className="flex items-center justify-between gap-4 py-2.5 first:pt-0 last:pb-0">
            <div className="min-w-0">
              <Link href={`/nodes/${n.id}`} className="block truncate font-medium underline-offset-4 hover:underline">
                {n.name}
              </Link>
              <div className="text-muted-foreground truncate text-xs">
                <span className="font-mono">{listenAddress(n.host, n.port)}</span> · last seen <Time at={n.lastSeenAlive} show="relative" title="dateTime" />
              </div>
            </div>
            <HealthBadge health={n.health} />
          </li>
        ))}
      </ul>
      <Link
        href="/nodes"
        className="text-muted-foreground hover:text-foreground inline-flex items-center gap-1 text-sm font-medium"
      >
        All nodes <ArrowRight className="size-3.5" aria-hidden="true" />
      </Link>
    </div>
  );
}
