import { ENDED_STATES, LIVE_STATES, RUN_STATES, type RunState } from "~/server/domain/run-states";
import type { RouterInputs } from "~/trpc/react";

export type RunsTab = "active" | "history";
export type RunSort = NonNullable<RouterInputs["run"]["find"]["sort"]>;

export const SORTS: { value: RunSort; label: string; tabs: RunsTab[] }[] = [
  { value: "newest", label: "Newest first", tabs: ["active", "history"] },
  { value: "oldest", label: "Oldest first", tabs: ["active", "history"] },
  { value: "endedLatest", label: "Ended last first", tabs: ["history"] },
  { value: "endedEarliest", label: "Ended first first", tabs: ["history"] },
];

/** The sort in the URL, if the tab offers it; else newest first. */
export function parseSort(tab: RunsTab, params: URLSearchParams): RunSort {
  return SORTS.find((s) => s.value === params.get("sort") && s.tabs.includes(tab))?.value ?? "newest";
}

/** The filters of the runs page as they are kept in the URL (so a view can be bookmarked and shared). */
export type RunFilters = {
  id: string;
  app: string;
  queue: string;
  node: string;
  state: RunState[];
  user: string;
  session: string;
  parent: string;
  keyword: string;
  enqAfter: string;
  enqBefore: string;
  endAfter: string;
  endBefore: string;
};

export const EMPTY_FILTERS: RunFilters = {
  id: "",
  app: "",
  queue: "",
  node: "",
  state: [],
  user: "",
  session: "",
  parent: "",
  keyword: "",
  enqAfter: "",
  enqBefore: "",
  endAfter: "",
  endBefore: "",
};

const TEXT_KEYS = ["id", "app", "queue", "node", "user", "session", "parent", "keyword", "enqAfter", "enqBefore", "endAfter", "endBefore"] as const;

export function parseTab(params: URLSearchParams): RunsTab {
  return params.get("tab") === "history" ? "history" : "active";
}

export function parseFilters(params: URLSearchParams): RunFilters {
  const f: RunFilters = { ...EMPTY_FILTERS, state: [] };
  for (const key of TEXT_KEYS) f[key] = (params.get(key) ?? "").slice(0, 200);
  f.state = (params.get("state") ?? "")
    .split(",")
    .filter((s): s is RunState => (RUN_STATES as readonly string[]).includes(s));
  return f;
}

export function toSearchParams(tab: RunsTab, f: RunFilters, sort: RunSort = "newest"): URLSearchParams {
  const params = new URLSearchParams();
  if (tab !== "active") params.set("tab", tab);
  if (sort !== "newest") params.set("sort", sort);
  for (const key of TEXT_KEYS) {
    const v = f[key].trim();
    if (v) params.set(key, v);
  }
  if (f.state.length > 0) params.set("state", f.state.join(","));
  return params;
}

const positiveInt = (v: string) => (/^\d{1,10}$/.test(v) && Number(v) > 0 && Number(v) <= 2_147_483_647 ? Number(v) : undefined);
/** A `datetime-local` value (local time) or any date string. */
const date = (v: string) => {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
};
const text = (v: string) => v.trim() || undefined;

/** Runs per page of the list. */
const PAGE_SIZE = 50;

/** The find input for the filters (invalid numbers and dates are ignored rather than sent). */
export function toFindInput(tab: RunsTab, f: RunFilters, sort: RunSort = "newest"): Omit<RouterInputs["run"]["find"], "cursor"> {
  return {
    limit: PAGE_SIZE,
    tab,
    sort,
    id: positiveInt(f.id),
    applicationName: text(f.app),
    queueName: text(f.queue),
    nodeName: text(f.node),
    state: f.state.length > 0 ? f.state : undefined,
    user: text(f.user),
    sessionId: text(f.session),
    parentId: positiveInt(f.parent),
    keyword: text(f.keyword),
    enqueuedAfter: date(f.enqAfter),
    enqueuedBefore: date(f.enqBefore),
    endedAfter: tab === "history" ? date(f.endAfter) : undefined,
    endedBefore: tab === "history" ? date(f.endBefore) : undefined,
  };
}

export const STATES_BY_TAB: Record<RunsTab, RunState[]> = {
  active: LIVE_STATES,
  history: ENDED_STATES,
};
