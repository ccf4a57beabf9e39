import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./engine-log";

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

/** Files left in the delivery dir of a successful run (regular files, one level, no links). */
export async function collectDeliveryDir(deliveryDir: string): Promise<string[]> {
  const entries = await readdir(deliveryDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(deliveryDir, e.name));
}

/** A node payload may only hand over files inside its own work dir. */
export function isInside(dir: string, file: string) {
  const rel = relative(resolve(dir), resolve(dir, file));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
