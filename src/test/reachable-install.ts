import { chmodSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Isolated payloads run the install's own runtime, so the payload account must be able to cross the
 * directories above this checkout (a CI clone may sit in a 0700 temporary folder). Adds o+x (cross,
 * not list) where it is missing, as an administrator would. Not undone: test files run in parallel
 * and one putting a mode back would close the install under another's running nodes.
 */
export function openInstallToOtherAccounts(root = process.cwd()) {
  for (let dir = resolve(root); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if (!(mode & 0o001)) chmodSync(dir, mode | 0o001);
  }
}
