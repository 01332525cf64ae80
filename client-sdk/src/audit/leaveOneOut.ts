import { type CoalitionGame, grandCoalition } from "./coalitionGame.ts";

/**
 * Leave-one-out values: φ_i = v(N) − v(N \ {i}), n + 1 evaluations. Cheap, but blind to
 * redundancy: two similar updates each look dispensable, so both score near zero.
 */
export async function leaveOneOut(game: CoalitionGame): Promise<number[]> {
  const all = grandCoalition(game.size);
  const whole = await game.value(all);
  const values: number[] = [];
  for (let i = 0; i < game.size; i++) values.push(whole - (await game.value(all & ~(1n << BigInt(i)))));
  return values;
}
