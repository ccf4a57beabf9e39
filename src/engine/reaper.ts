import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import type { PayloadAccount } from "./payload-account";

// Reads "add <group> [<account>]" / "del <group>" lines; when its input closes (the node ended,
// however: even SIGKILL closes the pipe) it kills every process group still listed. A group that
// runs as a payload account a non-root node cannot signal itself is killed through sudo as that account.
const SCRIPT = `groups=" "
while read -r op group account; do
  case "$op" in
    add) groups="$groups$group\${account:+:$account} " ;;
    del) kept=" "; for g in $groups; do [ "\${g%%:*}" = "$group" ] || kept="$kept$g "; done; groups=$kept ;;
  esac
done
for g in $groups; do
  kill -KILL "-\${g%%:*}" 2>/dev/null
  case "$g" in *:*) sudo -n -u "\${g#*:}" -- /bin/kill -s KILL -- "-\${g%%:*}" 2>/dev/null ;; esac
done`;

const REAPER_ENV: Record<string, string> = { PATH: "/usr/bin:/bin" };

/**
 * A small shell process beside the node that ends the process groups of its shell and exec payloads
 * when the node dies, so that a killed node leaves no payload running for a run that another node
 * has meanwhile ended CRASHED.
 */
export class Reaper {
  private readonly child: ChildProcess;

  constructor() {
    this.child = spawn("/bin/sh", ["-c", SCRIPT], { detached: true, stdio: ["pipe", "ignore", "ignore"], env: REAPER_ENV as NodeJS.ProcessEnv });
    this.child.on("error", () => undefined);
    this.child.stdin?.on("error", () => undefined);
    this.child.unref();
    (this.child.stdin as Socket | null)?.unref();
  }

  watch(processGroup: number, account?: PayloadAccount | null) {
    this.child.stdin?.write(`add ${processGroup}${account?.via === "sudo" ? ` ${account.name}` : ""}\n`);
  }

  forget(processGroup: number) {
    this.child.stdin?.write(`del ${processGroup}\n`);
  }

  /** Graceful stop: the payloads have ended; the reaper exits. */
  close() {
    this.child.stdin?.end();
  }
}
