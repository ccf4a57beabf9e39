import { runIn } from "./netns";

/**
 * What a client on another host sees of a listener, measured with the tools an auditor would use:
 * nmap (is the port open), openssl s_client (TLS, certificate, client certificate requested) and
 * curl (what an HTTP request without and with credentials gets).
 */

export type PortState = "open" | "closed" | "filtered" | "unknown";

/** nmap's TCP connect scan of `ports` on `address`, from namespace `ns`. */
export async function scanPorts(ns: string, address: string, ports: number[]): Promise<Record<number, PortState>> {
  const r = await runIn(ns, "nmap", ["-Pn", "-n", "-sT", "--max-retries", "2", "-p", ports.join(","), "-oG", "-", address], 120_000);
  if (r.code !== 0) throw new Error(`nmap failed (${r.code}): ${r.stderr}${r.stdout}`);
  const line = /Ports: (.*)$/m.exec(r.stdout)?.[1];
  if (!line) throw new Error(`nmap printed no port line:\n${r.stdout}`);
  const states: Record<number, PortState> = {};
  for (const entry of line.split(",")) {
    const [port, state] = entry.trim().split("/");
    states[Number(port)] = state === "open" || state === "closed" || state === "filtered" ? state : "unknown";
  }
  for (const p of ports) if (!(p in states)) throw new Error(`nmap did not report port ${p}:\n${r.stdout}`);
  return states;
}

export type TlsProbe = {
  /** A TLS handshake completed. */
  tls: boolean;
  /** The server's certificate chains to `caFile` and names the address. */
  verified: boolean;
  /** The server asked for a client certificate (CertificateRequest with the CA names it accepts). */
  clientCertificateRequested: boolean;
  output: string;
};

/** `openssl s_client` to address:port from namespace `ns`, verifying against `caFile`. */
export async function probeTls(ns: string, address: string, port: number, caFile: string): Promise<TlsProbe> {
  const r = await runIn(ns, "openssl", ["s_client", "-connect", `${address}:${port}`, "-CAfile", caFile, "-verify_ip", address, "-verify_return_error"], 60_000);
  const output = `${r.stdout}\n${r.stderr}`;
  const tls = /^(New|Reused), TLSv1\.[23]/m.test(output);
  return {
    tls,
    verified: tls && r.code === 0 && /Verify return code: 0 \(ok\)/.test(output),
    clientCertificateRequested: /^Acceptable client certificate CA names/m.test(output),
    output,
  };
}

export type HttpProbe = {
  /** 0 when no HTTP answer came (refused, reset, not HTTP, TLS failure). */
  status: number;
  wwwAuthenticate: string | null;
  body: string;
  error: string;
};

export type HttpCredentials = { caFile?: string; bearer?: string; certFile?: string; keyFile?: string };

/** `curl` GET of `url` from namespace `ns` (Host is the URL's address), with optional credentials. */
export async function probeHttp(ns: string, url: string, credentials: HttpCredentials = {}): Promise<HttpProbe> {
  const args = ["-sS", "-i", "--max-time", "30", "--noproxy", "*"];
  if (credentials.caFile) args.push("--cacert", credentials.caFile);
  if (credentials.certFile && credentials.keyFile) args.push("--cert", credentials.certFile, "--key", credentials.keyFile);
  if (credentials.bearer) args.push("-H", `Authorization: Bearer ${credentials.bearer}`);
  const r = await runIn(ns, "curl", [...args, url], 60_000);
  if (r.code !== 0) return { status: 0, wwwAuthenticate: null, body: "", error: `curl exit ${r.code}: ${r.stderr.trim()}` };
  const split = r.stdout.indexOf("\r\n\r\n");
  const head = split >= 0 ? r.stdout.slice(0, split) : r.stdout;
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1] ?? 0);
  const wwwAuthenticate = /^www-authenticate:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? null;
  return { status, wwwAuthenticate, body: split >= 0 ? r.stdout.slice(split + 4) : "", error: "" };
}
