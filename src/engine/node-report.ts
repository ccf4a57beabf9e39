import { networkInterfaces } from "node:os";

/** The node's network interfaces, as the console's binding editor offers them. */
export function measureInterfaces() {
  return Object.entries(networkInterfaces()).flatMap(([name, addrs]) =>
    (addrs ?? []).map((a) => ({ name, address: a.address, family: a.family, internal: a.internal })),
  );
}

