import type { Db, DbOrTx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { KNOWN_PARAMETERS, knownParameter } from "./known-parameters";

import { ZParameterKeySchema, ZParameterValueSchema } from "~/server/domain/parameter-schemas";

export { ZParameterKeySchema, ZParameterValueSchema };


/** Known keys must hold a value their reader accepts; free keys (JQM allows them) take anything. */
function validateValue(key: string, value: string) {
  const known = knownParameter(key);
  const problem = known?.validate(value);
  if (problem) throw new AppError("BAD_REQUEST", `${key} ${problem}`);
  return known ? value.trim() : value;
}

/**
 * JQM's GET /prm, for the console: every parameter set, plus the ones Jobwarden reads that are not
 * set (value null), each with its description and default; unknown keys are "not used by Jobwarden".
 */
export async function findParameters(db: DbOrTx) {
  const rows = await db.globalParameter.findMany({ orderBy: { key: "asc" } });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const describe = (key: string) => {
    const k = knownParameter(key);
    return k
      ? { known: true as const, description: k.description, defaultValue: k.defaultValue, appliesWhen: k.appliesWhen, accepts: k.accepts }
      : { known: false as const, description: null, defaultValue: null, appliesWhen: null, accepts: null };
  };
  const all = [
    ...rows.map((r) => ({ key: r.key, value: r.value as string | null, updatedAt: r.updatedAt as Date | null, ...describe(r.key) })),
    ...KNOWN_PARAMETERS.filter((k) => !byKey.has(k.key)).map((k) => ({ key: k.key, value: null, updatedAt: null, ...describe(k.key) })),
  ];
  return all.sort((a, b) => Number(b.known) - Number(a.known) || a.key.localeCompare(b.key));
}

export async function getParameter(db: DbOrTx, key: string) {
  const row = await db.globalParameter.findUnique({ where: { key } });
  if (!row) throw new AppError("NOT_FOUND", `No global parameter ${key}`);
  return row;
}

/** JQM's POST /prm. */
export async function createParameter(db: Db, { actor, key: rawKey, value: rawValue }: { actor: Actor; key: string; value: string }) {
  const key = parseInput(ZParameterKeySchema, rawKey);
  const value = validateValue(key, parseInput(ZParameterValueSchema, rawValue));
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.globalParameter.findUnique({ where: { key }, select: { key: true } })) {
        throw new AppError("CONFLICT", `The global parameter ${key} already exists`);
      }
      const row = await tx.globalParameter.create({ data: { key, value } });
      await createAuditEvent(tx, { actor, action: "prm.create", objectType: "prm", objectId: key, after: { key, value } });
      return row;
    });
  } catch (e) {
    if (typeof e === "object" && e && "code" in e && e.code === "P2002") throw new AppError("CONFLICT", `The global parameter ${key} already exists`);
    throw e;
  }
}

/** JQM's PUT /prm/{id}: a new value for an existing key. */
export async function updateParameter(db: Db, { actor, key, value: rawValue }: { actor: Actor; key: string; value: string }) {
  const value = validateValue(key, parseInput(ZParameterValueSchema, rawValue));
  return db.$transaction(async (tx) => {
    const before = await tx.globalParameter.findUnique({ where: { key } });
    if (!before) throw new AppError("NOT_FOUND", `No global parameter ${key}`);
    const row = await tx.globalParameter.update({ where: { key }, data: { value } });
    await createAuditEvent(tx, { actor, action: "prm.update", objectType: "prm", objectId: key, before: { key, value: before.value }, after: { key, value } });
    return row;
  });
}

/** JQM's DELETE /prm/{id}: a known parameter falls back to its default. */
export async function deleteParameter(db: Db, { actor, key }: { actor: Actor; key: string }) {
  return db.$transaction(async (tx) => {
    const before = await tx.globalParameter.findUnique({ where: { key } });
    if (!before) throw new AppError("NOT_FOUND", `No global parameter ${key}`);
    await tx.globalParameter.delete({ where: { key } });
    await createAuditEvent(tx, { actor, action: "prm.delete", objectType: "prm", objectId: key, before: { key, value: before.value } });
    return { key };
  });
}
