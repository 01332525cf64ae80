/**
 * A token bucket: holds up to `burst` tokens and refills at `perMinute`. Each `take()`
 * spends one token, or returns false when none is left.
 */
export function createTokenBucket(p: { perMinute: number; burst: number; now: () => number }) {
  let tokens = p.burst;
  let last = p.now();
  return {
    take(): boolean {
      const now = p.now();
      tokens = Math.min(p.burst, tokens + (Math.max(0, now - last) * p.perMinute) / 60_000);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export type TokenBucket = ReturnType<typeof createTokenBucket>;
