import { describe, expect, it } from "vitest";
import { BUILT_IN_ROLES, hasPermission, isValidPermissionPattern } from "./permissions";

describe("hasPermission", () => {
  it("matches exact permissions and wildcards on either side", () => {
    expect(hasPermission(["user:read"], "user:read")).toBe(true);
    expect(hasPermission(["user:read"], "user:create")).toBe(false);
    expect(hasPermission(["node:*"], "node:update")).toBe(true);
    expect(hasPermission(["node:*"], "queue:update")).toBe(false);
    expect(hasPermission(["*:read"], "audit:read")).toBe(true);
    expect(hasPermission(["*:*"], "role:delete")).toBe(true);
    expect(hasPermission([], "node:read")).toBe(false);
  });

  it("does not treat a prefix as a match", () => {
    expect(hasPermission(["job:read"], "job_instance:read")).toBe(false);
    expect(hasPermission(["queue:read"], "queue_position:create")).toBe(false);
  });

  it("validates patterns", () => {
    expect(isValidPermissionPattern("files:read")).toBe(true);
    expect(isValidPermissionPattern("*:*")).toBe(true);
    expect(isValidPermissionPattern("files:download")).toBe(false);
    expect(isValidPermissionPattern("jndi:read")).toBe(false);
  });

  it("defines JQM's six built-in roles with valid permissions", () => {
    expect(BUILT_IN_ROLES.map((r) => r.name)).toEqual([
      "administrator",
      "config admin",
      "config viewer",
      "client",
      "client power user",
      "client read only",
    ]);
    for (const role of BUILT_IN_ROLES) for (const p of role.permissions) expect(isValidPermissionPattern(p)).toBe(true);
  });
});
