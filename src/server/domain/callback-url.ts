const PLACEHOLDER_ORIGIN = "http://console.invalid";

/**
 * The path to go to after signing in, always on the console: `/` unless `value` is a URL of
 * `origin` (relative, or absolute with that origin). Decided on the URL as a browser parses it, which
 * drops tabs and line breaks and reads `\` as `/`, so `/\t/evil.example` cannot pass for a path.
 * Safe for client bundles.
 */
export function safeCallbackPath(value: unknown, origin: string = PLACEHOLDER_ORIGIN): string {
  if (typeof value !== "string" || value === "") return "/";
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(value, base);
  } catch {
    return "/";
  }
  if (target.origin !== base.origin) return "/";
  const path = `${target.pathname}${target.search}${target.hash}`;
  // A path such as `//evil.example` (from `/.//evil.example`) would be protocol-relative again.
  return /^\/[/\\]/.test(path) ? "/" : path;
}
