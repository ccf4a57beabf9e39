import { X509Certificate as NodeX509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import type * as X509 from "@peculiar/x509";

/**
 * Jobwarden's internal PKI (the equivalent of JQM's): a CA, node (TLS server) certificates and user
 * (TLS client) certificates, built with @peculiar/x509 on WebCrypto. Everything in and out is PEM:
 * certificates as `CERTIFICATE`, keys as unencrypted PKCS#8 `PRIVATE KEY`, as Node's tls expects.
 */

/** A certificate and its private key, both PEM. */
export type PemPair = { certPem: string; keyPem: string };

export type CertificateDescription = {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Hex, upper case, as openssl and Node print it. */
  serialNumber: string;
  /** "DNS:<name>" and "IP:<address>" entries of the SubjectAlternativeName extension. */
  sans: string[];
};

/** A refusal the caller can show as is (bad input, unusable CA). */
export class PkiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PkiError";
  }
}

// ECDSA P-256 keys: generated in milliseconds (RSA 3072 takes seconds), and every TLS 1.2+ peer (Node, Java, curl, browsers) accepts them.
const KEY_ALGORITHM: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const DAY_MS = 86_400_000;
/** Certificates start slightly in the past so nodes whose clocks lag a little accept them at once. */
const BACKDATE_MS = 5 * 60_000;

// @peculiar/x509 depends on tsyringe, which needs the reflect-metadata polyfill loaded first.
let library: Promise<typeof X509> | undefined;
function x509(): Promise<typeof X509> {
  return (library ??= import("reflect-metadata").then(() => import("@peculiar/x509")));
}

// ---------------------------------------------------------------------------------------------
// Helpers

function checkDays(days: number) {
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new PkiError(`Validity must be a whole number of days from 1 to 36500 (got ${days})`);
}

/** 16 random bytes with the top bit clear: a positive DER INTEGER of exactly 16 bytes. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return Buffer.from(bytes).toString("hex");
}

/** A CN as a UTF8String (RFC 5280), built from JSON so no DN escaping rules apply. */
function commonNameOf(lib: typeof X509, value: string) {
  if (!value.trim()) throw new PkiError("The common name must not be empty");
  return new lib.Name([{ CN: [{ utf8String: value }] }]);
}

function pem(text: string) {
  return text.endsWith("\n") ? text : `${text}\n`;
}

async function exportPrivateKey(lib: typeof X509, key: CryptoKey) {
  return pem(lib.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY"));
}

function parseCertificate(lib: typeof X509, certPem: string, what: string) {
  try {
    return new lib.X509Certificate(certPem.trim());
  } catch (e) {
    throw new PkiError(`${what} is not a PEM certificate (${(e as Error).message})`);
  }
}

/**
 * A SubjectAlternativeName entry for a host: an IPv4/IPv6 address (IPv6 normalised, brackets
 * allowed) or a DNS name (optionally a leading `*.` wildcard). Throws PkiError for anything else.
 */
export function subjectAltNameOf(host: string): { type: "dns" | "ip"; value: string } {
  const h = host.trim();
  const bare = h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
  const family = isIP(bare);
  if (family === 4) return { type: "ip", value: bare };
  if (family === 6) {
    // The URL parser gives the canonical compressed form (embedded IPv4 as hex) and refuses zone ids.
    if (bare.includes("%")) throw new PkiError(`${host}: an IPv6 zone id cannot appear in a certificate`);
    return { type: "ip", value: new URL(`http://[${bare}]/`).hostname.slice(1, -1) };
  }
  const name = h.toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const valid =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((l, i) => label.test(l) || (i === 0 && l === "*" && labels.length > 2)) &&
    !/^\d+$/.test(labels[labels.length - 1]!);
  if (!valid) throw new PkiError(`${host} is neither an IP address nor a valid DNS name`);
  return { type: "dns", value: name };
}

type SigningCa = { cert: X509.X509Certificate; key: CryptoKey; signingAlgorithm: Algorithm | EcdsaParams };

/** Signature algorithm and WebCrypto import parameters for a CA key: EC P-256/384/521 or RSA. */
function caKeyAlgorithm(key: KeyObject): { importAs: EcKeyImportParams | RsaHashedImportParams; sign: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === "ec") {
    const curves: Record<string, [string, string]> = { prime256v1: ["P-256", "SHA-256"], secp384r1: ["P-384", "SHA-384"], secp521r1: ["P-521", "SHA-512"] };
    const curve = curves[key.asymmetricKeyDetails?.namedCurve ?? ""];
    if (curve) return { importAs: { name: "ECDSA", namedCurve: curve[0] }, sign: { name: "ECDSA", hash: curve[1] } };
  }
  if (key.asymmetricKeyType === "rsa") {
    return { importAs: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } };
  }
  throw new PkiError(`Unsupported CA key type ${key.asymmetricKeyType ?? "?"} (use an EC P-256/P-384/P-521 or RSA key)`);
}

/** Checks a CA certificate/key pair (a CA, not expired, matching key) and imports the key for signing. */
async function loadSigningCa(lib: typeof X509, ca: PemPair): Promise<SigningCa> {
  const cert = parseCertificate(lib, ca.certPem, "The CA certificate");
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(ca.keyPem);
  } catch (e) {
    throw new PkiError(`The CA key cannot be read; it must be an unencrypted PEM private key (${(e as Error).message})`);
  }
  const nodeCert = new NodeX509Certificate(ca.certPem);
  if (!nodeCert.ca) throw new PkiError(`${cert.subject} is not a CA certificate (basicConstraints CA:true is missing)`);
  if (!nodeCert.checkPrivateKey(keyObject)) throw new PkiError(`The CA key does not belong to the CA certificate ${cert.subject}`);
  if (cert.notAfter.getTime() <= Date.now()) throw new PkiError(`The CA certificate ${cert.subject} expired on ${cert.notAfter.toISOString()}`);
  const { importAs, sign } = caKeyAlgorithm(keyObject);
  const der = keyObject.export({ type: "pkcs8", format: "der" });
  const key = await crypto.subtle.importKey("pkcs8", der, importAs, false, ["sign"]);
  return { cert, key, signingAlgorithm: sign };
}

/** Issues an end-entity certificate for a fresh P-256 key, signed by the CA. */
async function issue(
  ca: PemPair,
  commonName: string,
  days: number,
  extensions: (lib: typeof X509) => X509.Extension[],
): Promise<PemPair> {
  checkDays(days);
  const lib = await x509();
  const signer = await loadSigningCa(lib, ca);
  const subject = commonNameOf(lib, commonName);
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const caKeyId = signer.cert.getExtension(lib.SubjectKeyIdentifierExtension)?.keyId;
  const now = Date.now();
  // A certificate cannot outlive its CA: clients would reject it from then on anyway.
  const notAfter = new Date(Math.min(now + days * DAY_MS, signer.cert.notAfter.getTime()));
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: signer.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    signingAlgorithm: signer.signingAlgorithm,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      ...extensions(lib),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId ? new lib.AuthorityKeyIdentifierExtension(caKeyId) : await lib.AuthorityKeyIdentifierExtension.create(signer.cert.publicKey),
    ],
  });
  return { certPem: pem(cert.toString("pem")), keyPem: await exportPrivateKey(lib, keys.privateKey) };
}

// ---------------------------------------------------------------------------------------------
// API

/** A self-signed CA (P-256): basicConstraints CA:true and keyUsage keyCertSign|cRLSign, both critical. */
export async function createCa({ commonName = "Jobwarden CA", days = 3650 }: { commonName?: string; days?: number } = {}): Promise<PemPair> {
  checkDays(days);
  const lib = await x509();
  const name = commonNameOf(lib, commonName);
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new lib.BasicConstraintsExtension(true, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.toString("pem")), keyPem: await exportPrivateKey(lib, keys.privateKey) };
}

/** A TLS server certificate for a node: SANs for each host (DNS names and IP addresses), EKU serverAuth. */
export async function createServerCertificate({
  ca,
  commonName,
  hosts,
  days = 825,
}: {
  ca: PemPair;
  commonName: string;
  hosts: string[];
  days?: number;
}): Promise<PemPair> {
  const names = [...new Map(hosts.map(subjectAltNameOf).map((n) => [`${n.type}:${n.value}`, n])).values()];
  if (names.length === 0) throw new PkiError("A server certificate needs at least one host (DNS name or IP address)");
  return issue(ca, commonName, days, (lib) => [
    new lib.SubjectAlternativeNameExtension(names),
    new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
  ]);
}

/** A TLS client certificate for a user: CN = login (what client-certificate authentication maps), EKU clientAuth. */
export async function createClientCertificate({ ca, login, days = 365 }: { ca: PemPair; login: string; days?: number }): Promise<PemPair> {
  return issue(ca, login, days, (lib) => [new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.clientAuth])]);
}

/** Subject, issuer, validity, serial and SANs of the first certificate of a PEM text. */
export async function describeCertificate(certPem: string): Promise<CertificateDescription> {
  const lib = await x509();
  const cert = parseCertificate(lib, certPem, "The text");
  const san = cert.getExtension(lib.SubjectAlternativeNameExtension);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber.toUpperCase(),
    sans: (san?.names.items ?? []).map((n) => `${n.type === "ip" ? "IP" : n.type.toUpperCase()}:${n.value}`),
  };
}

/**
 * Writes `<dir>/<baseName>.crt` (0644) and `<dir>/<baseName>.key` (0600), creating dir (0700) if
 * needed. Each file is written to a temporary name then renamed, so a key is never readable by
 * others, not even briefly, and an interrupted run never leaves half a file.
 */
export async function writePem(dir: string, baseName: string, { certPem, keyPem }: PemPair): Promise<{ certPath: string; keyPath: string }> {
  if (!/^[A-Za-z0-9._@-]+$/.test(baseName) || /^\.+$/.test(baseName)) throw new PkiError(`Invalid file base name: ${baseName}`);
  const directory = resolve(dir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const certPath = join(directory, `${baseName}.crt`);
  const keyPath = join(directory, `${baseName}.key`);
  for (const [path, text, mode] of [
    [keyPath, keyPem, 0o600],
    [certPath, certPem, 0o644],
  ] as const) {
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await writeFile(tmp, text, { mode, flag: "wx" });
      await chmod(tmp, mode); // the umask may have removed bits of `mode`
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
  return { certPath, keyPath };
}
