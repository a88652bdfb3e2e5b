import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `path` so that readers see the old file or the new one, never half of it: a temp file in the
 * same directory (same filesystem, so rename is atomic), mode 0600 (compose files may hold secrets),
 * flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // Persist the rename itself; best effort (not every filesystem lets a directory be fsynced).
  const dirHandle = await open(dir, 'r').catch(() => null);
  await dirHandle?.sync().catch(() => undefined);
  await dirHandle?.close();
}
