"use client";

import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { Switch } from "~/components/ui/switch";
import { useTRPC } from "~/trpc/react";
import { useRefreshInterval } from "../../../_components/live-refresh";

const LINE_CHOICES = ["100", "500", "2000"] as const;
const PINO_LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** One pino JSON line as `time LEVEL message {other fields}`; anything else as it is. */
function formatLine(line: string): string {
  try {
    const { time, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => !["node", "pid", "hostname"].includes(k)));
    const when = typeof time === "number" ? new Date(time).toISOString().replace("T", " ").slice(0, 23) : "";
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    return `${when} ${(PINO_LEVELS[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? "")}${extra}`;
  } catch {
    return line;
  }
}

/** The tail of the node's engine log; follows it while "Follow" is on. */
export function EngineLog({ nodeId }: { nodeId: number }) {
  const trpc = useTRPC();
  const [lines, setLines] = useState<(typeof LINE_CHOICES)[number]>("100");
  const [follow, setFollow] = useState(true);
  const interval = useRefreshInterval(3000);
  const log = useQuery({ ...trpc.node.engineLog.queryOptions({ id: nodeId, lines: Number(lines) }), refetchInterval: follow ? interval : false });
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [follow, log.data]);

  const text = log.data?.text ?? "";
  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2 className="text-lg">Engine log</h2>
        </CardTitle>
        <CardDescription>
          {log.data?.source === "node-api" ? "Read through the node's API (it runs on another host)." : "Read from the node's log directory."}
        </CardDescription>
        <CardAction className="flex items-center gap-4">
          <FormField label="Lines" className="flex items-center">
            <Select value={lines} onValueChange={(v) => setLines(v as typeof lines)}>
              <FormControl>
                <SelectTrigger className="w-24">
                  <SelectValue />
                </SelectTrigger>
              </FormControl>
              <SelectContent>
                {LINE_CHOICES.map((l) => (
                  <SelectItem key={l} value={l}>
                    {l}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          <FormField inline label="Follow" className="items-center">
            <FormControl>
              <Switch checked={follow} onCheckedChange={setFollow} />
            </FormControl>
          </FormField>
        </CardAction>
      </CardHeader>
      <CardContent>
        {log.isError ? (
          <p className="text-destructive text-sm" role="alert">
            {log.error.message}
          </p>
        ) : (
          <pre
            ref={pre}
            aria-label="Engine log"
            tabIndex={0}
            className="bg-muted/50 max-h-96 overflow-auto rounded-md border p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap"
          >
            {log.isPending ? "Loading…" : text ? text.trimEnd().split("\n").map(formatLine).join("\n") : "The log is empty: the node has not started yet."}
          </pre>
        )}
      </CardContent>
    </Card>
  );
}
