/**
 * The caller's address as Next.js reports it (it sets x-forwarded-for from the socket when it is
 * the first hop). Used for audit and rate limiting only, never for authorisation.
 */
export function clientAddress(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  return forwarded?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}
