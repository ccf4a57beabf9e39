/** Next.js runs this once per server process, before it serves requests. */
export async function register() {
  // NEXT_RUNTIME is Next.js's own build-time marker, not a setting: the guard needs Node's HTTP server.
  // eslint-disable-next-line no-restricted-properties
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const [{ env }, { installRequestGuard }] = await Promise.all([import("~/env"), import("~/server/auth/request-guard")]);
  installRequestGuard({ trustedProxies: env.TRUSTED_PROXIES });
}
