import { describe, expect, it } from "vitest";
import { type PayloadAccount, findPayloadAccount, payloadCommand, sudoRefusal } from "./payload-account";

const direct: PayloadAccount = { name: "jobwarden-payload", uid: 990, gid: 985, via: "direct" };
const sudo: PayloadAccount = { ...direct, via: "sudo" };

describe("payload account", () => {
  it("a root node starts the payload itself under the account's uid and gid, with the run's environment only", () => {
    expect(payloadCommand(direct, "/bin/sh", ["-c", "echo hi"], { JQM_JI_ID: "4" })).toEqual({
      file: "/bin/sh",
      argv: ["-c", "echo hi"],
      env: { JQM_JI_ID: "4" },
      uid: 990,
      gid: 985,
    });
    expect(payloadCommand(null, "/bin/sh", [], { A: "1" })).toEqual({ file: "/bin/sh", argv: [], env: { A: "1" } });
  });

  it("another node goes through sudo -n, and env(1) sets the run's environment after the switch", () => {
    const c = payloadCommand(sudo, "/bin/sh", ["-c", "echo $A"], { A: "1 2", HOME: "/w" });
    expect(c).toEqual({ file: "/usr/bin/sudo", argv: ["-n", "-u", "jobwarden-payload", "--", "/usr/bin/env", "-i", "A=1 2", "HOME=/w", "/bin/sh", "-c", "echo $A"], env: { PATH: "/usr/bin:/bin" } });
  });

  it("recognises sudo's refusals and says which sudoers line is missing; a payload's own output is not one", () => {
    for (const stderr of [
      "sudo: a password is required\n",
      "Sorry, user jobwarden is not allowed to execute '/usr/bin/env -i A=1 /bin/sh' as jobwarden-payload on host.\n",
      "sudo: jobwarden is not in the sudoers file\n",
    ]) {
      expect(sudoRefusal(sudo, stderr)).toMatch(/^cannot run as payload account jobwarden-payload: .*"<node account> ALL=\(jobwarden-payload\) NOPASSWD: ALL"/);
    }
    expect(sudoRefusal(sudo, "cat: x: Permission denied\n")).toBeNull();
    expect(sudoRefusal(direct, "sudo: a password is required\n")).toBeNull();
  });

  it("refuses an account that does not exist, root, or a malformed name, saying how to create one", async () => {
    await expect(findPayloadAccount("jobwarden-no-such-account")).rejects.toThrow(/does not exist on this machine: create it with `useradd --system --no-create-home --shell \/usr\/sbin\/nologin jobwarden-no-such-account`/);
    await expect(findPayloadAccount("root")).rejects.toThrow(/is root/);
    await expect(findPayloadAccount("a b;rm")).rejects.toThrow(/not a valid account name/);
  });
});
