import { ATTACK_NAMES, isAttackName } from "../../simulations/attacks/attackCatalogue.ts";
import { type Combo, matrixCombos, runAttackMatrix } from "../../simulations/attacks/runAttackMatrix.ts";

/** The value of `--flag v` in argv, if given. */
function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const list = (name: string) => flag(name)?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

/**
 * The attack matrix (simulations/attacks): every attack × attacker fraction (10%, 30%) ×
 * strategy/scorer combo (FedAvg + samples as the baseline, the config's default, the
 * candidates), 10 participants on mnist Dir(0.5), over the real coordinator, an EDR chain
 * and real TensorFlow.js training, with every participant in this process over socket.io
 * on 127.0.0.1. Subsets: --attacks a,b  --fractions 0.3  --strategies median
 * --scorers shapley  --rounds N  --combos '[{"strategy":{...},"scorer":{...}}]'.
 */
export async function run(): Promise<Record<string, unknown>> {
  const attacks = list("attacks") ?? ATTACK_NAMES;
  const unknown = attacks.filter((a) => !isAttackName(a));
  if (unknown.length > 0) throw new Error(`unknown attacks: ${unknown.join(", ")}; known: ${ATTACK_NAMES.join(", ")}`);
  const strategies = list("strategies");
  const scorers = list("scorers");
  const combosFlag = flag("combos");
  const combos = (combosFlag ? (JSON.parse(combosFlag) as Combo[]) : matrixCombos()).filter(
    (c) => (!strategies || strategies.includes(c.strategy.name)) && (!scorers || scorers.includes(c.scorer.name)),
  );
  if (combos.length === 0) throw new Error("no strategy/scorer combo left after --strategies / --scorers");
  const rounds = flag("rounds");
  const started = performance.now();
  const cells = await runAttackMatrix({
    attacks: attacks.filter(isAttackName),
    fractions: list("fractions")?.map(Number) ?? [0.1, 0.3],
    combos,
    ...(rounds ? { rounds: Number.parseInt(rounds, 10) } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return { seconds: Number(((performance.now() - started) / 1000).toFixed(1)), cells };
}
