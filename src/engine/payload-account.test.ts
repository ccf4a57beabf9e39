import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PayloadAccount, checkInstallReachable, findPayloadAccount, payloadCommand, preparePayloadDirs, removePayloadDirs, sudoRefusal } from "./payload-account";

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

  it.runIf(process.getuid?.() === 0)("refuses isolation when the payload account cannot reach the install, naming the directory to open", async () => {
    const top = mkdtempSync(join(tmpdir(), "jobwarden-install-"));
    try {
      const nobody: PayloadAccount = { name: "nobody", uid: 65534, gid: 65534, via: "direct" };
      const lib = join(top, "lib");
      mkdirSync(lib);
      writeFileSync(join(lib, "process.mjs"), "");
      const files = { exec: ["/bin/sh"], read: [join(lib, "process.mjs")] };
      chmodSync(top, 0o700);
      await expect(checkInstallReachable(nobody, files)).rejects.toThrow(`cannot enter ${top} (for ${join(lib, "process.mjs")}); let it through with \`chmod o+x ${top}\``);
      chmodSync(top, 0o711);
      chmodSync(join(lib, "process.mjs"), 0o600);
      await expect(checkInstallReachable(nobody, files)).rejects.toThrow(`cannot read ${join(lib, "process.mjs")}`);
      chmodSync(join(lib, "process.mjs"), 0o644);
      await expect(checkInstallReachable(nobody, files)).resolves.toBeUndefined();
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "a root node removes an isolated run's work dir with the payload account's rights, never walking the account's tree itself",
    async () => {
      const top = mkdtempSync(join(tmpdir(), "jobwarden-remove-"));
      chmodSync(top, 0o711); // as a node's tmp dir: the account can reach its work dir
      try {
        const nobody: PayloadAccount = { name: "nobody", uid: 65534, gid: 65534, via: "direct" };
        const nodeDir = join(top, "node-data");
        mkdirSync(nodeDir);
        writeFileSync(join(nodeDir, "jobwarden.db"), "the node's");
        const work = join(top, "7");
        mkdirSync(join(work, "delivery", "locked"), { recursive: true });
        writeFileSync(join(work, "delivery", "locked", "f"), "x");
        symlinkSync(nodeDir, join(work, "link"));
        // Something the account cannot remove: only the node could, by walking the tree as root.
        mkdirSync(join(work, "roots"));
        writeFileSync(join(work, "roots", "r"), "root's");
        for (const d of [work, join(work, "delivery"), join(work, "delivery", "locked"), join(work, "delivery", "locked", "f")]) chownSync(d, 65534, 65534);
        chmodSync(join(work, "delivery", "locked"), 0o500);

        await removePayloadDirs(nobody, work);
        expect(readFileSync(join(nodeDir, "jobwarden.db"), "utf8")).toBe("the node's");
        expect(existsSync(join(work, "delivery"))).toBe(false);
        expect(existsSync(join(work, "link"))).toBe(false);
        expect(readFileSync(join(work, "roots", "r"), "utf8")).toBe("root's");
      } finally {
        rmSync(top, { recursive: true, force: true });
      }
    },
  );

  it.runIf(process.getuid?.() === 0)(
    "a root node gives a run's dirs to the payload account without following a link the account left in a work dir of that run id",
    async () => {
      const top = mkdtempSync(join(tmpdir(), "jobwarden-prepare-"));
      chmodSync(top, 0o711);
      try {
        const nobody: PayloadAccount = { name: "nobody", uid: 65534, gid: 65534, via: "direct" };
        const nodeDir = join(top, "node-data");
        mkdirSync(nodeDir, { mode: 0o700 });
        // Left by the account (a run of an earlier install with the same id, or a daemon of it).
        const work = join(top, "8");
        mkdirSync(work);
        symlinkSync(nodeDir, join(work, "delivery"));
        chownSync(work, 65534, 65534);

        await preparePayloadDirs(nobody, work, join(work, "delivery"));
        expect([statSync(nodeDir).uid, statSync(nodeDir).mode & 0o777]).toEqual([0, 0o700]);
        expect(lstatSync(join(work, "delivery")).isDirectory()).toBe(true);
        expect([statSync(join(work, "delivery")).uid, statSync(work).uid, statSync(work).mode & 0o777]).toEqual([65534, 65534, 0o700]);
      } finally {
        rmSync(top, { recursive: true, force: true });
      }
    },
  );
});
