import { describe, expect, it } from "vitest";
import { ApiAuthMode, JobState } from "~/generated/sqlite/enums";
import { AUTH_MODES } from "./node-config";
import { ACTIVE_STATES, ENDED_STATES, LIVE_STATES, RUN_STATES, WAITING_STATES } from "./run-states";

describe("the domain's lists match the database's enums", () => {
  it("run states: every JobState, each in exactly one of waiting, active and ended", () => {
    expect([...RUN_STATES].sort()).toEqual(Object.values(JobState).sort());
    expect([...WAITING_STATES, ...ACTIVE_STATES, ...ENDED_STATES].sort()).toEqual([...RUN_STATES].sort());
    expect(LIVE_STATES).toEqual([...WAITING_STATES, ...ACTIVE_STATES]);
  });

  it("authentication modes: every ApiAuthMode", () => {
    expect([...AUTH_MODES].sort()).toEqual(Object.values(ApiAuthMode).sort());
  });
});
