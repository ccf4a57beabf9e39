import { AsyncLocalStorage } from "node:async_hooks";
import { clientAddress } from "./client-address";

export type AuthRequest = { fromAddress: string | null; userAgent: string | null };

const storage = new AsyncLocalStorage<AuthRequest>();

/** Runs a next-auth request with its caller known, for the callbacks next-auth gives no request (sign-out). */
export function runWithAuthRequest<T>(headers: Headers, fn: () => T): T {
  return storage.run({ fromAddress: clientAddress(headers), userAgent: headers.get("user-agent") }, fn);
}

export function currentAuthRequest(): AuthRequest {
  return storage.getStore() ?? { fromAddress: null, userAgent: null };
}
