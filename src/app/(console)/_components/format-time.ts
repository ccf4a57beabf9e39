const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium" });

/** "3 seconds ago", "in 2 days", or `fallback` when there is no date. */
export function formatRelative(date: Date | null | undefined, fallback = "never", now = Date.now()): string {
  if (!date) return fallback;
  const seconds = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return fallback;
}

export function formatDateTime(date: Date | null | undefined, fallback = "—"): string {
  return date ? dateTimeFormat.format(date) : fallback;
}

export function formatDate(date: Date | null | undefined, fallback = "—"): string {
  return date ? dateFormat.format(date) : fallback;
}

export function formatTime(date: Date | null | undefined, fallback = "—"): string {
  return date ? timeFormat.format(date) : fallback;
}
