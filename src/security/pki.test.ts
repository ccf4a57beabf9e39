import { createPrivateKey, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCa,
  createClientCertificate,
  createServerCertificate,
  describeCertificate,
  PkiError,
  type PemPair,
  subjectAltNameOf,
  writePem,
} from "./pki";

const DAY_MS = 86_400_000;

let ca: PemPair;
let otherCa: PemPair;
let server: PemPair;
let alice: PemPair;
let mallory: PemPair;

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createCa(), createCa({ commonName: "Somebody else's CA" })]);
  [server, alice, mallory] = await Promise.all([
    createServerCertificate({ ca, commonName: "node1", hosts: ["127.0.0.1"] }),
    createClientCertificate({ ca, login: "alice" }),
    createClientCertificate({ ca: otherCa, login: "alice" }),
  ]);
});

describe("certificates", () => {
  it("exports PKCS#8 keys and PEM certificates that Node's tls loads", () => {
    for (const pair of [ca, server, alice]) {
      expect(pair.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      expect(pair.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
      expect(() => tls.createSecureContext({ cert: pair.certPem, key: pair.keyPem })).not.toThrow();
    }
  });

  it("makes a CA with critical basicConstraints and a 16-byte positive serial", async () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=Jobwarden CA");
    expect(cert.verify(cert.publicKey)).toBe(true);
    const d = await describeCertificate(ca.certPem);
    expect(d.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(d.notAfter.getTime()).toBeGreaterThan(Date.now() + 3649 * DAY_MS);
  });

  it("signs server certificates with SANs, server EKU and the CA's key id", async () => {
    const pair = await createServerCertificate({ ca, commonName: "node1", hosts: ["127.0.0.1", "localhost", "::1", "[::ffff:10.0.0.1]", "LOCALHOST"], days: 30 });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(cert.ca).toBe(false);

    const d = await describeCertificate(pair.certPem);
    expect(d.subject).toBe("CN=node1");
    expect(d.issuer).toBe("CN=Jobwarden CA");
    expect(d.sans).toEqual(["IP:127.0.0.1", "DNS:localhost", "IP:::1", "IP:::ffff:a00:1"]);
    expect(Math.abs(d.notAfter.getTime() - (Date.now() + 30 * DAY_MS))).toBeLessThan(60_000);
    expect(d.notBefore.getTime()).toBeLessThanOrEqual(Date.now());
    expect(d.serialNumber).not.toBe((await describeCertificate(server.certPem)).serialNumber);
  });

  it("signs client certificates with CN = login and client EKU", async () => {
    const d = await describeCertificate(alice.certPem);
    expect(d.subject).toBe("CN=alice");
    expect(d.sans).toEqual([]);
    expect(Math.abs(d.notAfter.getTime() - (Date.now() + 365 * DAY_MS))).toBeLessThan(60_000);
    expect(new X509Certificate(alice.certPem).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });

  it("never issues a certificate outliving its CA", async () => {
    const shortCa = await createCa({ days: 10 });
    const d = await describeCertificate((await createClientCertificate({ ca: shortCa, login: "bob", days: 365 })).certPem);
    expect(d.notAfter).toEqual((await describeCertificate(shortCa.certPem)).notAfter);
  });

  it("refuses bad hosts, a CA key that does not match and a non-CA certificate", async () => {
    expect(() => subjectAltNameOf("bad_host!")).toThrow(PkiError);
    expect(() => subjectAltNameOf("10.0.0.256")).toThrow(PkiError);
    expect(() => subjectAltNameOf("fe80::1%eth0")).toThrow(PkiError);
    expect(subjectAltNameOf("Node1.Example.COM.")).toEqual({ type: "dns", value: "node1.example.com" });
    await expect(createServerCertificate({ ca, commonName: "n", hosts: [] })).rejects.toThrow(/at least one host/);
    await expect(createClientCertificate({ ca: { certPem: ca.certPem, keyPem: otherCa.keyPem }, login: "x" })).rejects.toThrow(/does not belong/);
    await expect(createClientCertificate({ ca: server, login: "x" })).rejects.toThrow(/not a CA/);
    await expect(createClientCertificate({ ca, login: "x", days: 0 })).rejects.toThrow(PkiError);
  });

  it("signs with an existing RSA CA key in PKCS#1 form (e.g. one brought from JQM)", async () => {
    const x509 = await import("@peculiar/x509"); // loaded (and its Reflect needs met) by the calls above
    const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
    const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const rsaCa = await x509.X509CertificateGenerator.createSelfSigned({
      name: "CN=JQM-CA",
      keys,
      signingAlgorithm: alg,
      notAfter: new Date(Date.now() + 100 * DAY_MS),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
    const keyPem = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ type: "pkcs1", format: "pem" }).toString();
    expect(keyPem).toContain("BEGIN RSA PRIVATE KEY");
    const pair = await createServerCertificate({ ca: { certPem: rsaCa.toString("pem"), keyPem }, commonName: "node1", hosts: ["localhost"] });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.issuer).toBe("CN=JQM-CA");
    expect(cert.verify(new X509Certificate(rsaCa.toString("pem")).publicKey)).toBe(true);
  });
});

describe("TLS with the issued certificates", () => {
  let tlsServer: tls.Server;
  let port: number;
  const connections = new Set<Socket>();
  const clients = new Set<tls.TLSSocket>();

  beforeAll(async () => {
    tlsServer = tls.createServer({
      key: server.keyPem,
      cert: server.certPem,
      ca: ca.certPem,
      minVersion: "TLSv1.2",
      requestCert: true,
      rejectUnauthorized: false,
    });
    tlsServer.on("connection", (s: Socket) => {
      connections.add(s);
      s.on("close", () => connections.delete(s));
    });
    tlsServer.on("tlsClientError", () => {}); // expected when a client refuses the server
    tlsServer.listen(0, "127.0.0.1");
    await once(tlsServer, "listening");
    port = (tlsServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of connections) s.destroy();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });

  function connect(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, minVersion: "TLSv1.2", ...options }, () => resolve(socket));
      clients.add(socket);
      socket.once("error", reject);
    });
  }

  /** Connects and returns what the server saw of the client. */
  async function handshake(options: tls.ConnectionOptions) {
    const [[serverSide], client] = (await Promise.all([once(tlsServer, "secureConnection"), connect(options)])) as [[tls.TLSSocket], tls.TLSSocket];
    const seen = {
      clientAuthorized: client.authorized,
      authorized: serverSide.authorized,
      authorizationError: serverSide.authorizationError ? String(serverSide.authorizationError) : null,
      cn: serverSide.getPeerCertificate().subject?.CN ?? null,
    };
    client.destroy();
    return seen;
  }

  it("verifies the server by its IP SAN and authenticates the client certificate", async () => {
    const seen = await handshake({ ca: ca.certPem, cert: alice.certPem, key: alice.keyPem });
    expect(seen).toEqual({ clientAuthorized: true, authorized: true, authorizationError: null, cn: "alice" });
  });

  it("does not authorize a client certificate from another CA", async () => {
    const seen = await handshake({ ca: ca.certPem, cert: mallory.certPem, key: mallory.keyPem });
    expect(seen.authorized).toBe(false);
    expect(seen.authorizationError).toBeTruthy();
  });

  it("does not authorize a server certificate presented as a client certificate (EKU)", async () => {
    const seen = await handshake({ ca: ca.certPem, cert: server.certPem, key: server.keyPem });
    expect(seen.authorized).toBe(false);
    expect(seen.authorizationError).toMatch(/purpose/i);
  });

  it("fails server verification without the CA", async () => {
    await expect(connect({ cert: alice.certPem, key: alice.keyPem })).rejects.toThrow(/self[- ]signed|unable to verify/i);
  });

  it("fails server verification for a name not in the SANs", async () => {
    await expect(connect({ ca: ca.certPem, servername: "node1.example.com" })).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  });
});

describe("writePem", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "jobwarden-pki-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the certificate 0644 and the key 0600 in a 0700 directory", async () => {
    const target = join(dir, "pki", "nodes");
    const { certPath, keyPath } = await writePem(target, "node1", server);
    expect(certPath).toBe(join(target, "node1.crt"));
    expect(keyPath).toBe(join(target, "node1.key"));
    expect((await stat(target)).mode & 0o777).toBe(0o700);
    expect((await stat(certPath)).mode & 0o777).toBe(0o644);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyPath, "utf8")).toBe(server.keyPem);
    const files = { cert: await readFile(certPath), key: await readFile(keyPath) };
    expect(() => tls.createSecureContext(files)).not.toThrow();

    // Replacing a key whose file was made readable leaves a 0600 file.
    await chmod(keyPath, 0o644);
    await writePem(target, "node1", alice);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyPath, "utf8")).toBe(alice.keyPem);
  });

  it("refuses base names that are paths", async () => {
    await expect(writePem(dir, "../escape", server)).rejects.toThrow(PkiError);
  });
});
