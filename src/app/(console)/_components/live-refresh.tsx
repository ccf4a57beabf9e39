"use client";

import { createContext, useContext, useSyncExternalStore } from "react";
import { Pause, Play } from "lucide-react";
import { Button } from "~/components/ui/button";

const STORAGE_KEY = "jobwarden.liveRefresh";
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

const isPaused = () => window.localStorage.getItem(STORAGE_KEY) === "paused";

function setPaused(paused: boolean) {
  if (paused) window.localStorage.setItem(STORAGE_KEY, "paused");
  else window.localStorage.removeItem(STORAGE_KEY);
  for (const l of listeners) l();
}

function usePaused() {
  return useSyncExternalStore(subscribe, isPaused, () => false);
}

const MinRefreshContext = createContext(2000);

/** The server's minimum refresh interval (global parameter consoleMinRefreshMs), for every polling view. */
export function LiveRefreshProvider({ minMs, children }: { minMs: number; children: React.ReactNode }) {
  return <MinRefreshContext.Provider value={minMs}>{children}</MinRefreshContext.Provider>;
}

/**
 * The refetch interval a polling view may use: never below the server's minimum, off while the user
 * paused live refresh. TanStack Query already stops polling while the tab is hidden.
 */
export function useRefreshInterval(wantedMs: number): number | false {
  const minMs = useContext(MinRefreshContext);
  return usePaused() ? false : Math.max(wantedMs, minMs);
}

export function LiveRefreshToggle() {
  const paused = usePaused();
  const label = paused ? "Resume live refresh" : "Pause live refresh";
  return (
    <Button variant="ghost" size="icon" aria-label={label} title={label} aria-pressed={paused} onClick={() => setPaused(!paused)}>
      {paused ? <Play aria-hidden="true" /> : <Pause aria-hidden="true" />}
    </Button>
  );
}
