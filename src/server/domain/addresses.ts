/** 127.0.0.0/8, ::1, IPv4-mapped loopback and "localhost" (brackets and case ignored). */
export function isLoopbackAddress(address: string | null | undefined): boolean {
  if (!address) return false;
  const a = address.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return a === "localhost" || a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}
