import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ShieldAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { getCurrentPrincipal } from "~/server/auth/config";
import { hasPermission, isValidPermissionPattern } from "~/server/domain/permissions";
import { NodesOverview } from "./_components/nodes-overview";
import { Overview } from "./_components/overview/overview";
import { PageHeader } from "./_components/page-header";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Overview" };

type HomePageProps = { searchParams: Promise<{ denied?: string | string[] }> };

export default async function HomePage({ searchParams }: HomePageProps) {
  const principal = await getCurrentPrincipal();
  if (!principal) redirect("/login");
  const { denied } = await searchParams;
  // Only a well-formed permission is echoed: the URL must not be able to put arbitrary text on the page.
  const deniedPermission = typeof denied === "string" && isValidPermissionPattern(denied) ? denied : null;
  const canReadNodes = hasPermission(principal.permissions, "node:read");
  const canSeeCounts = (["job_instance:read", "node:read", "queue:read"] as const).some((p) => hasPermission(principal.permissions, p));
  await Promise.all([
    canSeeCounts ? getQueryClient().prefetchQuery(trpc.stats.overview.queryOptions()) : null,
    canReadNodes ? getQueryClient().prefetchQuery(trpc.node.find.queryOptions()) : null,
  ]);

  return (
    <HydrateClient>
      <PageHeader title="Overview" description="The state of your Jobwarden cluster at a glance." />
      {deniedPermission ? (
        <Alert variant="destructive">
          <ShieldAlert aria-hidden="true" />
          <AlertTitle>Access denied</AlertTitle>
          <AlertDescription>
            <p>
              You do not have the permission <code className="font-mono">{deniedPermission}</code>
            </p>
          </AlertDescription>
        </Alert>
      ) : null}
      {canSeeCounts ? <Overview /> : null}
      <div className="grid gap-6 lg:grid-cols-5">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Hello, {principal.login}</CardTitle>
            <CardDescription>What you can do here depends on your roles.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <div className="space-y-2">
              <div className="text-muted-foreground text-xs font-medium tracking-wide uppercase">Your roles</div>
              {principal.roles.length > 0 ? (
                <div className="flex flex-wrap gap-1.5">
                  {principal.roles.map((role) => (
                    <Badge key={role} variant="secondary">
                      {role}
                    </Badge>
                  ))}
                </div>
              ) : (
                <p className="text-muted-foreground text-sm">You have no roles yet: ask an administrator.</p>
              )}
            </div>
            <div className="space-y-2">
              <div className="text-muted-foreground text-xs font-medium tracking-wide uppercase">Your permissions</div>
              {principal.permissions.length > 0 ? (
                <div className="flex flex-wrap gap-1.5">
                  {principal.permissions.map((permission) => (
                    <Badge key={permission} variant="outline" className="font-mono">
                      {permission}
                    </Badge>
                  ))}
                </div>
              ) : (
                <p className="text-muted-foreground text-sm">None.</p>
              )}
            </div>
          </CardContent>
        </Card>
        <Card className="lg:col-span-3">
          <CardHeader>
            <CardTitle>Nodes</CardTitle>
            <CardDescription>Engine nodes and their heartbeat.</CardDescription>
          </CardHeader>
          <CardContent>
            {canReadNodes ? (
              <NodesOverview />
            ) : (
              <p className="text-muted-foreground text-sm">
                You have no access to nodes (it needs the permission <code className="font-mono">node:read</code>).
              </p>
            )}
          </CardContent>
        </Card>
      </div>
    </HydrateClient>
  );
}
