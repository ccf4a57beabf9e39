/** JQM's run states (JobInstance.state, History.state) and the sets the code reasons with. */
export const RUN_STATES = ["SUBMITTED", "SCHEDULED", "HOLDED", "ATTRIBUTED", "RUNNING", "ENDED", "CRASHED", "CANCELLED"] as const;
export type RunState = (typeof RUN_STATES)[number];

/** In a queue, not yet given to a node. */
export const WAITING_STATES: RunState[] = ["SUBMITTED", "SCHEDULED", "HOLDED"];
/** Waiting and not held: what pause and run-after apply to. */
export const PAUSABLE_STATES: RunState[] = ["SUBMITTED", "SCHEDULED"];
/** Claimed by a node (ATTRIBUTED) or running there: the node owns the run. */
export const ACTIVE_STATES: RunState[] = ["ATTRIBUTED", "RUNNING"];
/** Rows of the live table (JobInstance). */
export const LIVE_STATES: RunState[] = [...WAITING_STATES, ...ACTIVE_STATES];
/** Rows of History. */
export const ENDED_STATES: RunState[] = ["ENDED", "CRASHED", "CANCELLED"];

export const isEndedState = (state: string): boolean => (ENDED_STATES as string[]).includes(state);
