import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream, existsSync } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "~/server/domain/node-files";

async function sha256(file: string) {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Only a short, plain extension survives; the stored name is random. */
function safeExtension(name: string) {
  const ext = extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : "";
}

/** Opens without following a link nor waiting on a FIFO: a payload may swap the file meanwhile. */
const SAFE_READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function openRegularFile(file: string) {
  const handle = await open(file, SAFE_READ);
  if ((await handle.stat()).isFile()) return handle;
  await handle.close();
  throw new Error(`${basename(file)} is not a regular file`);
}

/** Sets a stored deliverable's mode to PRIVATE_FILE_MODE, through a handle (never a link's target). */
async function restrict(file: string) {
  const handle = await openRegularFile(file);
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
}

/** Copies `source` into a new file `target` created with PRIVATE_FILE_MODE. */
async function copyPrivately(source: string, target: string) {
  const from = await openRegularFile(source);
  try {
    const to = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
    try {
      const buffer = Buffer.alloc(256 * 1024);
      for (let read; (read = (await from.read(buffer, 0, buffer.length, null)).bytesRead) > 0; ) {
        for (let written = 0; written < read; ) written += (await to.write(buffer, written, read - written)).bytesWritten;
      }
      await to.chmod(PRIVATE_FILE_MODE);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

export type DeliverableData = {
  jobInstanceId: number;
  nodeName: string;
  fileFamily: string | null;
  originalName: string;
  storedPath: string;
  size: number;
  sha256: string;
  downloadId: string;
};

/**
 * Moves a file into deliverablesDir/<run id>/<random><ext> and returns the row that records it, with
 * a 128-bit random download id. The original name is kept as data only (it is untrusted: never a
 * path). A failure (a full disk…) leaves no partial file behind.
 */
export async function moveDeliverable(opts: {
  runId: number;
  nodeName: string;
  deliverablesDir: string;
  file: string;
  fileFamily?: string | null;
}): Promise<DeliverableData> {
  const source = await lstat(opts.file);
  if (!source.isFile()) throw new Error(`${basename(opts.file)} is not a regular file`);
  const dir = join(opts.deliverablesDir, String(opts.runId));
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const storedName = `${randomBytes(16).toString("hex")}${safeExtension(opts.file)}`;
  const target = join(dir, storedName);
  try {
    // A file of another account (an isolated payload's) is copied: the stored file is the node's own.
    const renamed = source.uid === process.getuid?.() && (await rename(opts.file, target).then(() => true, () => false));
    if (renamed) await restrict(target);
    else {
      await copyPrivately(opts.file, target);
      await unlink(opts.file);
    }
    const { size } = await stat(target);
    return {
      jobInstanceId: opts.runId,
      nodeName: opts.nodeName,
      fileFamily: opts.fileFamily?.slice(0, 200) ?? null,
      originalName: basename(opts.file).slice(0, 255),
      storedPath: relative(opts.deliverablesDir, target),
      size,
      sha256: await sha256(target),
      downloadId: randomBytes(16).toString("hex"),
    };
  } catch (err) {
    await rm(target, { force: true });
    throw err;
  }
}

/** Removes deliverable files that were moved but not recorded (their run's end was refused). */
export async function removeDeliverableFiles(deliverablesDir: string, files: DeliverableData[]) {
  for (const f of files) await rm(join(deliverablesDir, f.storedPath), { force: true });
}

/**
 * A run's delivery dir, opened without following a link: its payload owns the work dir around it and
 * may have replaced it by a link to anything. Null when the payload removed it.
 */
async function openDeliveryDir(deliveryDir: string): Promise<FileHandle | null> {
  try {
    return await open(deliveryDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP" || code === "ENOTDIR") throw new Error("the delivery directory was replaced by a link or a file: refused");
    throw err;
  }
}

const PROC_FD = "/proc/self/fd";
const hasProcFd = existsSync(PROC_FD);

/**
 * `name` inside the opened directory, resolved through the descriptor (an openat): no component the
 * payload controls is looked up by path. Without /proc (not Linux), by path: not for isolated runs.
 */
function entryOf(dir: FileHandle, deliveryDir: string, name: string, isolated: boolean) {
  if (hasProcFd) return join(PROC_FD, String(dir.fd), name);
  if (isolated) throw new Error("payload isolation needs /proc (Linux) to take deliverables safely");
  return join(deliveryDir, name);
}

/** What an isolated payload may name: one plain entry of its delivery dir, never a path. */
export function isPlainName(name: unknown): name is string {
  return typeof name === "string" && name.length > 0 && name.length <= 255 && name !== "." && name !== ".." && !/[/\0]/.test(name);
}

/**
 * Takes one file an isolated payload left in its delivery dir, as the payload account could have read
 * it: opened without following a link, through the directory's descriptor, and only a regular file of
 * that account with no other link (a hard link to a file of the node's is not the payload's to give,
 * whatever fs.protected_hardlinks says). The node copies from that descriptor, so a name swapped
 * meanwhile changes nothing, then removes the entry.
 */
async function takeFile(opts: {
  runId: number;
  nodeName: string;
  deliverablesDir: string;
  dir: FileHandle;
  deliveryDir: string;
  name: string;
  owner: number;
  fileFamily?: string | null;
  originalName?: string;
}): Promise<DeliverableData> {
  const entry = entryOf(opts.dir, opts.deliveryDir, opts.name, true);
  let source: FileHandle;
  try {
    source = await open(entry, SAFE_READ);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw new Error(`${opts.name} is a link, not a file: refused`);
    throw new Error(`${opts.name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const originalName = basename(typeof opts.originalName === "string" && opts.originalName ? opts.originalName : opts.name).slice(0, 255);
  const dir = join(opts.deliverablesDir, String(opts.runId));
  const target = join(dir, `${randomBytes(16).toString("hex")}${safeExtension(originalName)}`);
  try {
    const s = await source.stat();
    if (!s.isFile()) throw new Error(`${opts.name} is not a regular file: refused`);
    if (s.uid !== opts.owner) throw new Error(`${opts.name} does not belong to the payload account: refused`);
    if (s.nlink !== 1) throw new Error(`${opts.name} has other hard links: refused`);
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const hash = createHash("sha256");
    let size = 0;
    const to = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
    try {
      const buffer = Buffer.alloc(256 * 1024);
      for (let read; (read = (await source.read(buffer, 0, buffer.length, null)).bytesRead) > 0; ) {
        hash.update(buffer.subarray(0, read));
        size += read;
        for (let written = 0; written < read; ) written += (await to.write(buffer, written, read - written)).bytesWritten;
      }
      await to.chmod(PRIVATE_FILE_MODE);
    } finally {
      await to.close();
    }
    await unlink(entry).catch(() => undefined);
    return {
      jobInstanceId: opts.runId,
      nodeName: opts.nodeName,
      fileFamily: typeof opts.fileFamily === "string" ? opts.fileFamily.slice(0, 200) : null,
      originalName,
      storedPath: relative(opts.deliverablesDir, target),
      size,
      sha256: hash.digest("hex"),
      downloadId: randomBytes(16).toString("hex"),
    };
  } catch (err) {
    await rm(target, { force: true });
    throw err;
  } finally {
    await source.close();
  }
}

/**
 * A file an isolated payload hands over during its run (ctx.addDeliverable): its payload process has
 * moved it into the delivery dir, and names it there. Anything but a plain name is refused.
 */
export async function takeDeliverable(opts: {
  runId: number;
  nodeName: string;
  deliverablesDir: string;
  deliveryDir: string;
  name: unknown;
  owner: number;
  fileFamily?: unknown;
  originalName?: unknown;
}): Promise<DeliverableData> {
  if (!isPlainName(opts.name)) throw new Error("addDeliverable: an isolated payload names a file of its delivery directory, never a path: refused");
  const dir = await openDeliveryDir(opts.deliveryDir);
  if (!dir) throw new Error("addDeliverable: the delivery directory is gone");
  try {
    return await takeFile({
      ...opts,
      name: opts.name,
      dir,
      fileFamily: typeof opts.fileFamily === "string" ? opts.fileFamily : null,
      originalName: typeof opts.originalName === "string" ? opts.originalName : undefined,
    });
  } finally {
    await dir.close();
  }
}

/**
 * Takes the files left in the delivery dir of a successful run (regular files, one level, no links),
 * read through the directory's descriptor. `owner`: the payload account's uid for an isolated run (its
 * files are copied, see takeFile); null for the node's own account (moved). On a failure, the files
 * already stored are removed and the error says which file was refused.
 */
export async function takeDeliveryDir(opts: {
  runId: number;
  nodeName: string;
  deliverablesDir: string;
  deliveryDir: string;
  owner: number | null;
}): Promise<DeliverableData[]> {
  const dir = await openDeliveryDir(opts.deliveryDir);
  if (!dir) return [];
  const taken: DeliverableData[] = [];
  try {
    const entries = await readdir(hasProcFd ? join(PROC_FD, String(dir.fd)) : opts.deliveryDir, { withFileTypes: true });
    for (const e of entries.filter((e) => e.isFile())) {
      taken.push(
        opts.owner === null
          ? await moveDeliverable({ ...opts, file: entryOf(dir, opts.deliveryDir, e.name, false) })
          : await takeFile({ ...opts, owner: opts.owner, dir, name: e.name }),
      );
    }
    return taken;
  } catch (err) {
    await removeDeliverableFiles(opts.deliverablesDir, taken);
    throw err;
  } finally {
    await dir.close();
  }
}

/**
 * The file a payload running as the node's own account names (ctx.addDeliverable): inside its work
 * dir once links are resolved, and not itself a link (moveDeliverable checks that).
 */
export async function resolveInside(workDir: string, path: string): Promise<string> {
  const file = isAbsolute(path) ? path : join(workDir, path);
  if (!isInside(workDir, file)) throw new Error("addDeliverable: the file must be inside the run's work directory");
  const parent = await realpath(dirname(file));
  const resolved = join(parent, basename(file));
  if (!isInside(await realpath(workDir), resolved)) throw new Error("addDeliverable: the file must be inside the run's work directory");
  return resolved;
}

/** A node payload may only hand over files inside its own work dir. */
export function isInside(dir: string, file: string) {
  const rel = relative(resolve(dir), resolve(dir, file));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
