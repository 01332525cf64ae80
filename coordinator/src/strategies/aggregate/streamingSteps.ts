/** Longest a streaming aggregation runs before letting the event loop turn. */
const YIELD_AFTER_MS = 4;

/** A function that returns a promise to await once YIELD_AFTER_MS have passed since it last did, else undefined. */
export function yielder(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < YIELD_AFTER_MS) return undefined;
    last = now;
    return new Promise((resolve) => setImmediate(resolve));
  };
}

/**
 * Waits for every read, then throws the first failure: a read still in flight after an
 * early rejection would write into scratch that is already reused.
 */
export async function allReads(reads: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(reads)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}
