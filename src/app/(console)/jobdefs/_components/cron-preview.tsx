"use client";

import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { CircleAlert, Loader2 } from "lucide-react";
import { useTRPC } from "~/trpc/react";
import { formatRelative } from "../../_components/format-time";

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

const occurrenceFormat = new Intl.DateTimeFormat("en", { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** The next five occurrences of `expression` as the scheduler reads it, refreshed while the user types. */
export function CronPreview({ expression }: { expression: string }) {
  const trpc = useTRPC();
  const debounced = useDebounced(expression.trim(), 300);
  const preview = useQuery({
    ...trpc.jobDef.previewCron.queryOptions({ cronExpression: debounced }),
    enabled: debounced !== "",
    placeholderData: keepPreviousData,
  });
  if (!debounced) return <p className="text-muted-foreground text-sm">Type a cron expression to see when it runs.</p>;
  if (preview.isPending) {
    return (
      <p className="text-muted-foreground flex items-center gap-2 text-sm">
        <Loader2 className="size-4 animate-spin" aria-hidden="true" /> Checking…
      </p>
    );
  }
  if (preview.isError) return <p className="text-destructive text-sm">{preview.error.message}</p>;
  const result = preview.data;
  if (!result.ok) {
    return (
      <p role="status" aria-label="Cron check" className="text-destructive flex items-center gap-2 text-sm">
        <CircleAlert className="size-4 shrink-0" aria-hidden="true" />
        {result.error}
      </p>
    );
  }
  return (
    <div className="grid gap-1" role="status" aria-label="Cron check">
      <p className="text-muted-foreground text-xs">
        Next occurrences (scheduler time zone {result.timeZone}; shown in yours):
      </p>
      <ol aria-label="Next occurrences" className="grid gap-0.5 text-sm tabular-nums">
        {result.occurrences.map((d) => (
          <li key={d.toISOString()}>
            <time dateTime={d.toISOString()}>{occurrenceFormat.format(d)}</time>{" "}
            <span className="text-muted-foreground">({formatRelative(d)})</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
