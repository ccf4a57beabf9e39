"use client";

import { useSyncExternalStore } from "react";
import { formatDate, formatDateTime, formatRelative, formatTime } from "./format-time";

const subscribe = () => () => undefined;
const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;

const READER = { dateTime: formatDateTime, date: formatDate, time: formatTime, relative: formatRelative };
const STABLE: typeof READER = {
  dateTime: (date, fallback = "—") => (date ? utc(date) : fallback),
  date: (date, fallback = "—") => (date ? date.toISOString().slice(0, 10) : fallback),
  time: (date, fallback = "—") => (date ? `${date.toISOString().slice(11, 19)} UTC` : fallback),
  relative: (date, fallback = "never") => (date ? utc(date) : fallback),
};

/**
 * format-time.ts's formatters, for rendering. The server's render and the browser's hydration must
 * write the same text, and only the browser knows the reader's time zone and clock: those two write
 * instants in UTC, and the browser's next render writes them the reader's way.
 */
export function useTimeFormat(): typeof READER {
  return useSyncExternalStore(subscribe, () => READER, () => STABLE);
}

type Shown = keyof typeof READER;

/**
 * An instant the reader's way: `show` what it is ("dateTime", "date", "time", "relative"), `title`
 * another form of it on hover; `fallback` when there is none.
 */
export function Time({ at, show, title, fallback, className }: { at: Date | null | undefined; show: Shown; title?: Shown; fallback?: string; className?: string }) {
  const format = useTimeFormat();
  return (
    <time dateTime={at?.toISOString()} className={className} title={title ? format[title](at, "") : undefined}>
      {format[show](at, fallback)}
    </time>
  );
}
