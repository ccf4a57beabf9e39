/** The audit filters as they live in the URL: plain strings, dates as `datetime-local` values (browser time). */
export const AUDIT_FILTER_KEYS = ["login", "action", "objectType", "objectId", "from", "to"] as const;
export type AuditFilterKey = (typeof AUDIT_FILTER_KEYS)[number];
export type AuditFilterValues = Record<AuditFilterKey, string>;

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;

export function parseAuditFilters(params: Record<string, string | string[] | undefined>): AuditFilterValues {
  const values = {} as AuditFilterValues;
  for (const key of AUDIT_FILTER_KEYS) {
    const raw = params[key];
    const value = typeof raw === "string" ? raw.trim().slice(0, 200) : "";
    values[key] = (key === "from" || key === "to") && value && !LOCAL_DATE_TIME.test(value) ? "" : value;
  }
  return values;
}

export function auditFiltersQuery(values: AuditFilterValues): string {
  const query = new URLSearchParams();
  for (const key of AUDIT_FILTER_KEYS) if (values[key].trim()) query.set(key, values[key].trim());
  const s = query.toString();
  return s ? `?${s}` : "";
}

/** A `datetime-local` value read in the browser's time zone; a bare date means its midnight. */
export function localDate(value: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value.includes("T") ? value : `${value}T00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
