/**
 * All-or-nothing file writes: the pieces go to a temporary file in the same
 * directory, which is flushed to disk and then renamed over the target. A
 * reader sees either the old file or the complete new one, never a partial
 * write; if anything fails (a piece that cannot be produced, a full disk, a
 * failed rename), the temporary file is removed and the old file is intact.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

export function writeFileAtomic(file: string, pieces: Iterable<Uint8Array>): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | null = fs.openSync(tmp, "wx", 0o644);
  try {
    for (const piece of pieces) {
      let off = 0;
      while (off < piece.length) off += fs.writeSync(fd, piece, off, piece.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    throw e;
  }
  syncDir(dir);
}

/** Make the rename itself durable; some platforms cannot open directories, which is harmless. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
