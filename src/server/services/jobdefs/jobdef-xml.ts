import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import type { z } from "zod";
import type { Db, Tx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { ZCreateQueueSchema } from "~/server/services/queues/queues";
import { createJobDefInTx } from "./create-jobdef";
import { createJobScheduleInTx, deleteJobScheduleInTx } from "./job-schedules";
import { type JobScheduleData, type PayloadTypeName, ZJobDefSchema, ZJobScheduleSchema, ZQueueNameSchema } from "./jobdef-schema";
import { type JobDefDetail, listJobDefs } from "./read-model";
import { updateJobDefInTx } from "./update-jobdef";

/**
 * JQM's deployment descriptor (res.xsd): `<jqm>` → `<jar>`+ (`<path>`, `<pathType>`,
 * `<jobdefinitions>` → `<jobDefinition>`+). Jobwarden reads and writes the elements of res.xsd that
 * mean something without Java, plus four optional elements of its own inside `<jobDefinition>`
 * (`<priority>`, `<enabled>`, `<alertAfterSeconds>`, `<schedules>`), written only when they differ
 * from the defaults, so that most exports stay valid against res.xsd.
 */

export const XML_MAX_BYTES = 1_000_000;
/** A descriptor is 9 levels deep (jqm › jar › … › parameter › key); deeper files are refused. */
export const XML_MAX_DEPTH = 32;

/** Jobwarden payload type ↔ JQM pathType; NODEMODULE is Jobwarden's own value. */
export const PATH_TYPES: Record<PayloadTypeName, string> = {
  shell: "DEFAULTSHELLCOMMAND",
  exec: "DIRECTEXECUTABLE",
  node: "NODEMODULE",
};
const PAYLOAD_OF_PATH_TYPE = new Map(Object.entries(PATH_TYPES).map(([payload, pathType]) => [pathType, payload as PayloadTypeName]));
const UNSUPPORTED_PATH_TYPES: Record<string, string> = {
  FS: "a Java jar",
  MAVEN: "a Java artifact from Maven",
  MEMORY: "a Java class already in memory",
  POWERSHELLCOMMAND: "a PowerShell command",
};

/* EXPORT */

type XmlNode = { [tag: string]: string | XmlNode | XmlNode[] };

function parametersElement(parameters: Record<string, string>): XmlNode | undefined {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return undefined;
  return { parameter: entries.map(([key, value]) => ({ key, value })) };
}

function jobDefinitionElement(jd: JobDefDetail): XmlNode {
  const el: Record<string, string | XmlNode | XmlNode[] | undefined> = {
    name: jd.applicationName,
    queue: jd.queueName,
    description: jd.description,
    canBeRestarted: String(jd.canBeRestarted),
    javaClassName: "",
    application: jd.application ?? undefined,
    module: jd.module ?? "",
    keyword1: jd.keyword1 ?? undefined,
    keyword2: jd.keyword2 ?? undefined,
    keyword3: jd.keyword3 ?? undefined,
    reasonableRuntimeLimitMinute: jd.alertAfterSeconds && jd.alertAfterSeconds % 60 === 0 ? String(jd.alertAfterSeconds / 60) : undefined,
    highlander: String(jd.highlander),
    parameters: parametersElement(jd.parameters),
    priority: jd.priority !== 0 ? String(jd.priority) : undefined,
    enabled: jd.enabled ? undefined : "false",
    alertAfterSeconds: jd.alertAfterSeconds && jd.alertAfterSeconds % 60 !== 0 ? String(jd.alertAfterSeconds) : undefined,
    schedules: jd.schedules.length
      ? {
          schedule: jd.schedules.map((s) => {
            const sched: Record<string, string | XmlNode | undefined> = {
              cron: s.cronExpression,
              queue: s.queueName ?? undefined,
              priority: s.priority === null ? undefined : String(s.priority),
              enabled: s.enabled ? undefined : "false",
              parameters: parametersElement(s.parameters),
            };
            return Object.fromEntries(Object.entries(sched).filter(([, v]) => v !== undefined)) as XmlNode;
          }),
        }
      : undefined,
  };
  return Object.fromEntries(Object.entries(el).filter(([, v]) => v !== undefined)) as XmlNode;
}

/** The deployment descriptor of every job definition, or only of the one named `name`. */
export async function exportJobDefsXml(db: Db, { name }: { name?: string } = {}): Promise<{ xml: string; count: number }> {
  const jobDefs = await listJobDefs(db, name === undefined ? {} : { names: [name] });
  if (name !== undefined && jobDefs.length === 0) throw new AppError("NOT_FOUND", `No job definition named ${name}`);
  // One <jar> per path and path type, as JQM's exporter groups them.
  const jars = new Map<string, { path: string; pathType: string; jobDefs: JobDefDetail[] }>();
  for (const jd of [...jobDefs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const pathType = PATH_TYPES[jd.payloadType];
    const key = `${pathType}\u0000${jd.path}`;
    const jar = jars.get(key) ?? { path: jd.path, pathType, jobDefs: [] };
    jar.jobDefs.push(jd);
    jars.set(key, jar);
  }
  const builder = new XMLBuilder({ format: true, indentBy: "  ", suppressEmptyNode: false, processEntities: true });
  const body = builder.build({
    jqm: {
      jar: [...jars.values()].map((jar) => ({
        path: jar.path,
        pathType: jar.pathType,
        jobdefinitions: { jobDefinition: jar.jobDefs.map(jobDefinitionElement) },
      })),
    },
  }) as string;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    "<!-- Jobwarden job definitions: a JQM deployment descriptor (res.xsd). pathType NODEMODULE and the elements\n" +
    "     priority, enabled, alertAfterSeconds and schedules are Jobwarden additions. -->\n" +
    body.trimEnd() +
    "\n";
  return { xml, count: jobDefs.length };
}

/* IMPORT: parse and check everything first */

const ZImportedJobDefSchema = ZJobDefSchema.extend({ queueName: ZQueueNameSchema.nullable() });
type ImportedJobDef = z.output<typeof ZImportedJobDefSchema>;

export type ParsedJobDef = {
  /** Where it is in the file, for messages. */
  where: string;
  jobDef: ImportedJobDef;
  /** Elements JQM files do not have: when absent, an existing definition keeps its value. */
  given: { enabled: boolean; priority: boolean };
  /** null when the file has no <schedules>: existing schedules are then kept. */
  schedules: JobScheduleData[] | null;
};

const ARRAY_TAGS = new Set(["jar", "jobDefinition", "parameter", "schedule", "context"]);
const JAR_TAGS = new Set(["path", "filePath", "pathType", "jobdefinitions"]);
const JOB_DEFINITION_TAGS = new Set([
  // res.xsd
  "name", "queue", "description", "canBeRestarted", "javaClassName", "maxTimeRunning", "application", "module",
  "other1", "other2", "other3", "keyword1", "keyword2", "keyword3", "reasonableRuntimeLimitMinute", "highlander",
  "executionContext", "parameters",
  // Jobwarden
  "priority", "enabled", "alertAfterSeconds", "schedules",
]);
const SCHEDULE_TAGS = new Set(["cron", "queue", "priority", "enabled", "parameters"]);
const MAX_ERRORS = 20;

type Parsed = string | { [tag: string]: Parsed | Parsed[] };

/** Reads one element's children, recording in `errors` what does not fit. */
class ElementReader {
  constructor(
    private readonly node: Record<string, unknown>,
    readonly where: string,
    private readonly errors: string[],
  ) {}

  static of(value: unknown, where: string, errors: string[]): ElementReader | null {
    if (value === "" || value === undefined) return new ElementReader({}, where, errors);
    if (typeof value === "string") {
      errors.push(`${where}: contains text where elements are expected`);
      return null;
    }
    if (Array.isArray(value)) {
      errors.push(`${where}: appears more than once`);
      return null;
    }
    return new ElementReader(value as Record<string, unknown>, where, errors);
  }

  error(message: string) {
    this.errors.push(`${this.where}: ${message}`);
  }

  onlyTags(allowed: Set<string>) {
    for (const tag of Object.keys(this.node)) {
      if (tag === "#text") this.error("contains text where elements are expected");
      else if (!allowed.has(tag)) this.error(`unknown element <${tag}>`);
    }
  }

  has(tag: string) {
    return tag in this.node;
  }

  text(tag: string): string | undefined {
    const v = this.node[tag];
    if (v === undefined) return undefined;
    if (typeof v === "string") return v;
    if (Array.isArray(v)) this.error(`<${tag}> appears more than once`);
    else this.error(`<${tag}> must hold text, not elements`);
    return undefined;
  }

  boolean(tag: string): boolean | undefined {
    const v = this.text(tag);
    if (v === undefined) return undefined;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    this.error(`<${tag}> must be true or false, not "${v}"`);
    return undefined;
  }

  integer(tag: string): number | undefined {
    const v = this.text(tag);
    if (v === undefined || v === "") return undefined;
    if (!/^-?\d{1,9}$/.test(v)) {
      this.error(`<${tag}> must be a whole number, not "${v}"`);
      return undefined;
    }
    return Number(v);
  }

  child(tag: string, where = `${this.where} › <${tag}>`): ElementReader | null {
    if (!(tag in this.node)) return null;
    return ElementReader.of(this.node[tag], where, this.errors);
  }

  /** Repeated children (always an array, see ARRAY_TAGS). */
  children(tag: string): unknown[] {
    const v = this.node[tag];
    return Array.isArray(v) ? v : v === undefined ? [] : [v];
  }

  parameters(): Record<string, string> {
    const prms = this.child("parameters");
    if (!prms) return {};
    prms.onlyTags(new Set(["parameter"]));
    const result: Record<string, string> = {};
    prms.children("parameter").forEach((p, i) => {
      const prm = ElementReader.of(p, `${prms.where} › <parameter> #${i + 1}`, this.errors);
      if (!prm) return;
      prm.onlyTags(new Set(["key", "value"]));
      const key = prm.text("key");
      if (!key) return prm.error("needs a <key>");
      if (key in result) return prm.error(`parameter ${key} is given twice`);
      result[key] = prm.text("value") ?? "";
    });
    return result;
  }
}

function zodErrors(where: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${where}: ${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
}

function readSchedules(jd: ElementReader, errors: string[]): JobScheduleData[] | null {
  const list = jd.child("schedules");
  if (!list) return null;
  list.onlyTags(new Set(["schedule"]));
  const schedules: JobScheduleData[] = [];
  list.children("schedule").forEach((value, i) => {
    const s = ElementReader.of(value, `${list.where} › <schedule> #${i + 1}`, errors);
    if (!s) return;
    s.onlyTags(SCHEDULE_TAGS);
    const parsed = ZJobScheduleSchema.safeParse({
      cronExpression: s.text("cron") ?? "",
      queueName: s.text("queue") || null,
      priority: s.integer("priority") ?? null,
      enabled: s.boolean("enabled") ?? true,
      parameters: s.parameters(),
    });
    if (parsed.success) schedules.push(parsed.data);
    else errors.push(...zodErrors(s.where, parsed.error));
  });
  return schedules;
}

function readJobDefinition(jd: ElementReader, payloadType: PayloadTypeName | null, unsupported: string | null, path: string, errors: string[]): ParsedJobDef | null {
  jd.onlyTags(JOB_DEFINITION_TAGS);
  const name = jd.text("name");
  if (!name) {
    jd.error("needs a <name>");
    return null;
  }
  const where = `${jd.where} (${name})`;
  const before = errors.length;
  if (unsupported) errors.push(`Job definition ${name}: ${unsupported}`);
  const context = jd.text("executionContext");
  if (context) errors.push(`Job definition ${name}: <executionContext> ${context} is a Java class loader, which Jobwarden does not have`);
  const minutes = jd.integer("reasonableRuntimeLimitMinute");
  const seconds = jd.integer("alertAfterSeconds");
  const tag = (t: string, old?: string) => jd.text(t) ?? (old ? jd.text(old) : undefined) ?? null;
  const fields = {
    applicationName: name,
    queueName: jd.text("queue") || null,
    description: jd.text("description") ?? "",
    payloadType: payloadType ?? "shell",
    path,
    parameters: jd.parameters(),
    canBeRestarted: jd.boolean("canBeRestarted") ?? true,
    highlander: jd.boolean("highlander") ?? false,
    enabled: jd.boolean("enabled") ?? true,
    priority: jd.integer("priority") ?? 0,
    alertAfterSeconds: seconds ?? (minutes === undefined ? null : minutes * 60),
    application: tag("application"),
    module: tag("module"),
    keyword1: tag("keyword1", "other1"),
    keyword2: tag("keyword2", "other2"),
    keyword3: tag("keyword3", "other3"),
  };
  const schedules = readSchedules(jd, errors);
  const parsed = ZImportedJobDefSchema.safeParse(fields);
  if (!parsed.success) errors.push(...zodErrors(where, parsed.error));
  if (!parsed.success || errors.length > before) return null;
  return { where, jobDef: parsed.data, given: { enabled: jd.has("enabled"), priority: jd.has("priority") }, schedules };
}

/**
 * Reads a deployment descriptor. Throws BAD_REQUEST listing every problem (with the element at
 * fault) when anything is malformed, unknown or unsupported.
 */
export function parseJobDefsXml(xml: string): ParsedJobDef[] {
  const fail = (problems: string[]) => {
    const shown = problems.slice(0, MAX_ERRORS);
    if (problems.length > MAX_ERRORS) shown.push(`… and ${problems.length - MAX_ERRORS} more`);
    throw new AppError("BAD_REQUEST", `Nothing was imported: ${shown.join("\n")}`);
  };
  if (Buffer.byteLength(xml, "utf8") > XML_MAX_BYTES) fail([`the file is larger than ${XML_MAX_BYTES / 1_000_000} MB`]);
  const source = xml.replace(/^\uFEFF/, "");
  if (!source.trim()) fail(["the file is empty"]);
  // Entity declarations are where XML bombs and external entities live; descriptors never need them.
  if (/<!DOCTYPE/i.test(source)) fail(["a DOCTYPE declaration is not accepted (entities are not expanded)"]);
  const valid = XMLValidator.validate(source);
  if (valid !== true) fail([`malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`]);

  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (tag) => ARRAY_TAGS.has(tag),
    maxNestedTags: XML_MAX_DEPTH,
  });
  let doc: Record<string, Parsed> = {};
  try {
    doc = parser.parse(source) as Record<string, Parsed>;
  } catch (e) {
    // The parser's own refusals (depth, prototype property names as tags) are the file's fault.
    const message = e instanceof Error ? e.message : String(e);
    fail([/maximum nested tags/i.test(message) ? `elements are nested deeper than ${XML_MAX_DEPTH} levels` : `the XML cannot be read: ${message.slice(0, 200)}`]);
  }
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== "jqm") fail([`the root element must be <jqm>, found ${roots.map((r) => `<${r}>`).join(", ") || "none"}`]);

  const errors: string[] = [];
  const root = ElementReader.of(doc.jqm, "<jqm>", errors);
  if (!root) return fail(errors);
  root.onlyTags(new Set(["jar", "context"]));
  if (root.has("context")) root.error("<context> (a Java execution context) is not supported by Jobwarden");
  const jars = root.children("jar");
  if (jars.length === 0) root.error("has no <jar>");

  const result: ParsedJobDef[] = [];
  jars.forEach((value, i) => {
    const jar = ElementReader.of(value, `<jar> #${i + 1}`, errors);
    if (!jar) return;
    jar.onlyTags(JAR_TAGS);
    const path = jar.text("path") || jar.text("filePath") || "";
    const pathType = jar.text("pathType") || "FS";
    let payloadType: PayloadTypeName | null = PAYLOAD_OF_PATH_TYPE.get(pathType) ?? null;
    let unsupported: string | null = null;
    if (!payloadType) {
      const what = UNSUPPORTED_PATH_TYPES[pathType];
      const supported = Object.values(PATH_TYPES).join(", ");
      unsupported = what
        ? `pathType ${pathType}${jar.has("pathType") ? "" : " (the default when <pathType> is absent)"} is ${what}, which Jobwarden does not run; use ${supported}`
        : `unknown pathType ${pathType}; use ${supported}`;
      payloadType = null;
    }
    const defs = jar.child("jobdefinitions");
    if (!defs) return jar.error("needs <jobdefinitions>");
    defs.onlyTags(new Set(["jobDefinition"]));
    const list = defs.children("jobDefinition");
    if (list.length === 0) defs.error("has no <jobDefinition>");
    list.forEach((v, j) => {
      const jd = ElementReader.of(v, `${defs.where} › <jobDefinition> #${j + 1}`, errors);
      if (!jd) return;
      const parsed = readJobDefinition(jd, payloadType, unsupported, path, errors);
      if (parsed) result.push(parsed);
    });
  });

  const seen = new Set<string>();
  for (const p of result) {
    if (seen.has(p.jobDef.applicationName)) errors.push(`${p.where}: the name ${p.jobDef.applicationName} is used twice in the file`);
    seen.add(p.jobDef.applicationName);
  }
  if (errors.length) fail(errors);
  return result;
}

/* IMPORT: write */

export type ImportJobDefsResult = { created: string[]; updated: string[]; unchanged: string[]; queuesCreated: string[] };

function scheduleKey(s: { cronExpression: string; queueName: string | null; priority: number | null; enabled: boolean; parameters: Record<string, string> }) {
  return JSON.stringify([s.cronExpression, s.queueName, s.priority, s.enabled, Object.entries(s.parameters).sort()]);
}

async function syncSchedules(tx: Tx, actor: Actor, jd: JobDefDetail, wanted: JobScheduleData[]): Promise<boolean> {
  const remaining = wanted.map(scheduleKey);
  let changed = false;
  for (const s of jd.schedules) {
    const i = remaining.indexOf(scheduleKey(s));
    if (i >= 0) remaining.splice(i, 1, "");
    else {
      await deleteJobScheduleInTx(tx, actor, s.id);
      changed = true;
    }
  }
  for (const [i, s] of wanted.entries()) {
    if (remaining[i] === "") continue;
    await createJobScheduleInTx(tx, actor, jd.id, s);
    changed = true;
  }
  return changed;
}

/** Queues the import would create must have names that queue.create accepts. */
async function checkNewQueueNames(tx: Tx, parsed: ParsedJobDef[]) {
  const wanted = parsed.flatMap((p) => [p.jobDef.queueName, ...(p.schedules ?? []).map((s) => s.queueName)].flatMap((name) => (name ? [{ where: p.where, name }] : [])));
  const existing = new Set((await tx.queue.findMany({ where: { name: { in: [...new Set(wanted.map((w) => w.name))] } }, select: { name: true } })).map((q) => q.name));
  const problems: string[] = [];
  for (const { where, name } of wanted) {
    if (existing.has(name)) continue;
    const checked = ZCreateQueueSchema.shape.name.safeParse(name);
    if (!checked.success) problems.push(...checked.error.issues.map((i) => `${where}: queue ${name}: ${i.message}`));
  }
  if (problems.length) throw new AppError("BAD_REQUEST", `Nothing was imported: ${[...new Set(problems)].slice(0, MAX_ERRORS).join("\n")}`);
}

/**
 * Imports a deployment descriptor as JQM does: an idempotent upsert by name, creating the queues it
 * names when missing. All or nothing: any invalid definition and nothing is written.
 */
export async function importJobDefsXml(db: Db, { actor, xml }: { actor: Actor; xml: string }): Promise<ImportJobDefsResult> {
  const parsed = parseJobDefsXml(xml);
  return db.$transaction(
    async (tx) => {
      const result: ImportJobDefsResult = { created: [], updated: [], unchanged: [], queuesCreated: [] };
      const defaultQueue = await tx.queue.findFirst({ where: { isDefault: true }, select: { name: true } });
      await checkNewQueueNames(tx, parsed);
      const ensureQueue = async (name: string) => {
        if (await tx.queue.findUnique({ where: { name }, select: { id: true } })) return;
        const q = await tx.queue.create({ data: { name, description: "Created by a job definition import" } });
        await createAuditEvent(tx, { actor, action: "queue.create", objectType: "queue", objectId: q.id, after: q });
        result.queuesCreated.push(name);
      };
      const existing = new Map((await listJobDefs(tx, { names: parsed.map((p) => p.jobDef.applicationName) })).map((jd) => [jd.applicationName, jd]));

      for (const p of parsed) {
        for (const s of p.schedules ?? []) if (s.queueName) await ensureQueue(s.queueName);
        const { queueName, ...fields } = p.jobDef;
        if (queueName) await ensureQueue(queueName);
        const current = existing.get(fields.applicationName);
        if (!current) {
          const queue = queueName ?? defaultQueue?.name;
          if (!queue) throw new AppError("BAD_REQUEST", `${p.where}: no <queue> and no default queue`);
          const created = await createJobDefInTx(tx, actor, { ...fields, queueName: queue });
          for (const s of p.schedules ?? []) await createJobScheduleInTx(tx, actor, created.id, s);
          result.created.push(fields.applicationName);
          continue;
        }
        const { enabled, priority, ...rest } = fields;
        const { changed } = await updateJobDefInTx(tx, actor, current.id, {
          ...rest,
          ...(queueName ? { queueName } : {}),
          ...(p.given.enabled ? { enabled } : {}),
          ...(p.given.priority ? { priority } : {}),
        });
        const schedulesChanged = p.schedules ? await syncSchedules(tx, actor, current, p.schedules) : false;
        (changed || schedulesChanged ? result.updated : result.unchanged).push(fields.applicationName);
      }
      return result;
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

