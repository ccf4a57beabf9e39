"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Button } from "~/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";

type Bucket = { start: Date; ended: number; crashed: number; cancelled: number };
type Range = "minute" | "hour";

const timeFormat = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

const SERIES = [
  { key: "ended", name: "Ended", color: "var(--color-ok)" },
  { key: "crashed", name: "Crashed", color: "var(--color-critical)" },
  { key: "cancelled", name: "Cancelled", color: "var(--color-muted-foreground)" },
] as const;

const TITLES: Record<Range, string> = {
  minute: "Runs ended per minute (last hour)",
  hour: "Runs ended per hour (last 24 h)",
};

/** Stacked bars of the runs that ended, crashed or were cancelled, per minute or per hour. */
export function RunsChart({ perMinute, perHour, truncated }: { perMinute: Bucket[]; perHour: Bucket[]; truncated: boolean }) {
  const [range, setRange] = useState<Range>("minute");
  const buckets = range === "minute" ? perMinute : perHour;
  const data = buckets.map((b) => ({ ...b, label: timeFormat.format(b.start) }));
  const empty = buckets.every((b) => b.ended + b.crashed + b.cancelled === 0);

  return (
    <Card className="gap-4">
      <CardHeader>
        <CardTitle>{TITLES[range]}</CardTitle>
        <CardDescription>
          Ended in green, crashed in red, cancelled in grey.
          {truncated && range === "hour" ? " Too many runs to count them all: the oldest hours are incomplete." : null}
        </CardDescription>
        <CardAction>
          <div role="group" aria-label="Chart range" className="flex gap-1">
            <Button size="sm" variant={range === "minute" ? "secondary" : "ghost"} aria-pressed={range === "minute"} onClick={() => setRange("minute")}>
              Per minute
            </Button>
            <Button size="sm" variant={range === "hour" ? "secondary" : "ghost"} aria-pressed={range === "hour"} onClick={() => setRange("hour")}>
              Per hour
            </Button>
          </div>
        </CardAction>
      </CardHeader>
      <CardContent>
        <div data-testid="runs-chart" data-range={range} className="relative h-64 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid vertical={false} stroke="var(--color-border)" />
              <XAxis dataKey="label" tickLine={false} axisLine={false} minTickGap={24} fontSize={12} stroke="var(--color-muted-foreground)" />
              <YAxis allowDecimals={false} tickLine={false} axisLine={false} fontSize={12} stroke="var(--color-muted-foreground)" />
              {empty ? null : (
                <Tooltip
                  cursor={{ fill: "var(--color-muted)" }}
                  contentStyle={{
                    background: "var(--color-popover)",
                    color: "var(--color-popover-foreground)",
                    border: "1px solid var(--color-border)",
                    borderRadius: 8,
                    fontSize: 12,
                  }}
                />
              )}
              <Legend itemSorter={null} wrapperStyle={{ fontSize: 12 }} />
              {SERIES.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.name} stackId="runs" fill={s.color} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
          {empty ? (
            <div className="text-muted-foreground pointer-events-none absolute inset-0 flex items-center justify-center text-sm">
              No run ended {range === "minute" ? "in the last hour" : "in the last 24 hours"} yet.
            </div>
          ) : null}
        </div>
      </CardContent>
    </Card>
  );
}
