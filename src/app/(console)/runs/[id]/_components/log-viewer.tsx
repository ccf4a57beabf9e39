"use client";

import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { Button } from "~/components/ui/button";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import { useRefreshInterval } from "../../../_components/live-refresh";

const STREAMS = ["stdout", "stderr"] as const;
type Stream = (typeof STREAMS)[number];

/** The viewer shows this many bytes from the end of the log. */
const TAIL_BYTES = 64 * 1024;

type LogTail = { text: string; size: number; start: number } | { missing: string };

async function fetchTail(id: number, stream: Stream): Promise<LogTail> {
  const res = await fetch(`/api/runs/${id}/logs/${stream}?tail=${TAIL_BYTES}`, { cache: "no-store" });
  if (res.status === 404) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    return { missing: body?.message ?? `No ${stream} yet` };
  }
  if (!res.ok) throw new Error(`Could not read ${stream} (${res.status})`);
  const start = Number(res.headers.get("x-log-start") ?? 0);
  let text = await res.text();
  // A tail window starts mid-line (or mid-character): drop that partial first line.
  if (start > 0) text = text.slice(text.indexOf("\n") + 1);
  return { text, size: Number(res.headers.get("x-log-size") ?? text.length), start };
}

const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/**
 * The end of a run's stdout or stderr, refreshed every 2 s while the run is live. Job output is
 * untrusted: it is rendered as text only.
 */
export function LogViewer({ id, live }: { id: number; live: boolean }) {
  const [stream, setStream] = useState<Stream>("stdout");
  const refreshInterval = useRefreshInterval(2000);
  const log = useQuery({
    queryKey: ["run-log", id, stream],
    queryFn: () => fetchTail(id, stream),
    refetchInterval: live ? refreshInterval : false,
  });
  const pre = useRef<HTMLPreElement>(null);
  const following = useRef(true);

  const text = log.data && "text" in log.data ? log.data.text : null;
  useEffect(() => {
    const el = pre.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <Tabs
      value={stream}
      onValueChange={(s) => {
        following.current = true;
        setStream(s as Stream);
      }}
      data-testid="log-viewer"
    >
      <div className="flex flex-wrap items-center gap-2">
        <TabsList aria-label="Log stream">
          {STREAMS.map((s) => (
            <TabsTrigger key={s} value={s} className="px-3 py-1 font-mono text-xs">
              {s}
            </TabsTrigger>
          ))}
        </TabsList>
        {log.data && "text" in log.data && log.data.start > 0 ? (
          <span className="text-muted-foreground text-xs">
            Showing the last {formatBytes(TAIL_BYTES)} of {formatBytes(log.data.size)}
          </span>
        ) : null}
        {live ? <span className="text-muted-foreground text-xs">Following while the run is live</span> : null}
        <Button asChild variant="outline" size="sm" className="ml-auto">
          <a href={`/api/runs/${id}/logs/${stream}`} download>
            <Download aria-hidden="true" />
            Download full log
          </a>
        </Button>
      </div>
      <TabsContent value={stream} tabIndex={-1}>
        <pre
          ref={pre}
          data-testid={`log-${stream}`}
          aria-label={`${stream} of run ${id}`}
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
          className="bg-muted/50 max-h-96 min-h-24 overflow-auto rounded-md border p-3 font-mono text-xs whitespace-pre-wrap break-all"
        >
          {log.isPending ? "Loading…" : log.isError ? log.error.message : log.data && "missing" in log.data ? log.data.missing : text || "(empty)"}
        </pre>
      </TabsContent>
    </Tabs>
  );
}
