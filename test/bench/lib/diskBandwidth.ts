// The fsync'd write bandwidth of the filesystem holding a directory: what bounds durable
// ingest there. Like `dd if=/dev/zero of=DIR/x bs=4M count=N conv=fsync`: N 4 MiB writes
// to one new file, then one fsync; the time includes the fsync.
import { randomFillSync } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";

const CHUNK = 4 << 20;

/** MB/s (10^6 bytes) of `megabytes` written to a fresh file in `dir` and fsync'd. */
export async function fsyncWriteMBps(dir: string, megabytes = 256): Promise<number> {
  const chunk = randomFillSync(new Uint8Array(CHUNK)); // not zeros: a filesystem may compress or skip those
  const count = Math.max(1, Math.round((megabytes * 1e6) / CHUNK));
  const path = join(dir, `.disk-bandwidth-${process.pid}`);
  const started = process.hrtime.bigint();
  const handle = await open(path, "w");
  try {
    for (let i = 0; i < count; i++) {
      for (let done = 0; done < CHUNK; ) done += (await handle.write(chunk, done, CHUNK - done, i * CHUNK + done)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await rm(path, { force: true });
  return (count * CHUNK) / 1e6 / seconds;
}
