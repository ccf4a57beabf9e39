import { describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientAddress, isAddressOrRange, parseTrustedProxies, resolveClientAddress, stampClientAddress } from "./client-address";

describe("resolveClientAddress", () => {
  const trusted = parseTrustedProxies("127.0.0.1, 10.0.0.0/8, fd00::/8");

  it("takes an untrusted peer as the client, whatever it forwards", () => {
    expect(resolveClientAddress("192.0.2.1", "203.0.113.1", trusted)).toBe("192.0.2.1");
    expect(resolveClientAddress("::ffff:192.0.2.1", "203.0.113.1", trusted)).toBe("192.0.2.1");
    expect(resolveClientAddress("2001:db8::1", "203.0.113.1", parseTrustedProxies(""))).toBe("2001:db8::1");
  });

  it("reads a trusted peer's X-Forwarded-For from the right, past trusted hops only", () => {
    expect(resolveClientAddress("::ffff:127.0.0.1", "203.0.113.1", trusted)).toBe("203.0.113.1");
    expect(resolveClientAddress("127.0.0.1", "192.0.2.9, 203.0.113.1, 10.2.3.4", trusted)).toBe("203.0.113.1");
    expect(resolveClientAddress("fd00::5", "2001:db8::7", trusted)).toBe("2001:db8::7");
    // Every hop a trusted proxy: the first one is as far as the chain goes.
    expect(resolveClientAddress("127.0.0.1", "10.0.0.1, 10.0.0.2", trusted)).toBe("10.0.0.1");
    // Garbage from the right ends the walk at the last address a trusted proxy vouched for.
    expect(resolveClientAddress("127.0.0.1", "203.0.113.1, not-an-ip", trusted)).toBe("127.0.0.1");
    expect(resolveClientAddress("127.0.0.1", undefined, trusted)).toBe("127.0.0.1");
  });

  it("validates TRUSTED_PROXIES entries", () => {
    expect(isAddressOrRange("10.0.0.0/8")).toBe(true);
    expect(isAddressOrRange("fd00::/8")).toBe(true);
    expect(isAddressOrRange("10.0.0.0/33")).toBe(false);
    expect(isAddressOrRange("proxy.example")).toBe(false);
    expect(() => parseTrustedProxies("10.0.0.1, proxy.example")).toThrow(/proxy\.example/);
  });
});

describe("clientAddress", () => {
  it("believes only a value the guard stamped in this process", () => {
    expect(clientAddress(new Headers({ [CLIENT_ADDRESS_HEADER]: stampClientAddress("192.0.2.4") }))).toBe("192.0.2.4");
    expect(clientAddress(new Headers({ [CLIENT_ADDRESS_HEADER]: "192.0.2.4" }))).toBeNull();
    expect(clientAddress(new Headers({ [CLIENT_ADDRESS_HEADER]: "0123456789abcdef0123456789abcdef 192.0.2.4" }))).toBeNull();
    expect(clientAddress(new Headers({ "x-forwarded-for": "192.0.2.4" }))).toBeNull();
  });
});
