import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Time } from "../time";

type Failing = { applicationName: string; crashed: number; lastCrashAt: Date | null };

/** The job definitions with the most crashed runs in the last 24 hours. */
export function FailingJobDefs({ items }: { items: Failing[] }) {
  return (
    <Card className="gap-4" data-testid="failing-jobdefs">
      <CardHeader>
        <CardTitle>Most crashes (last 24 h)</CardTitle>
        <CardDescription>Job definitions with the most crashed runs.</CardDescription>
      </CardHeader>
      <CardContent>
        {items.length === 0 ? (
          <p className="text-muted-foreground text-sm">No crashed runs in the last 24 hours.</p>
        ) : (
          <ol className="divide-y">
            {items.map((f) => (
              <li key={f.applicationName} className="flex items-center justify-between gap-4 py-2.5 first:pt-0 last:pb-0">
                <div className="min-w-0">
                  <div className="truncate font-medium">{f.applicationName}</div>
                  <div className="text-muted-foreground text-xs">
                    last crash{" "}
                    <Time at={f.lastCrashAt} show="relative" title="dateTime" />
                  </div>
                </div>
                <Badge variant="critical" className="tabular-nums">
                  {f.crashed} crashed
                </Badge>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
