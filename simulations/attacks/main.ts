// `npm run sim -- [options]`: one attack scenario over the real coordinator, a real EDR
// chain and real training (all participants in this process, over socket.io on
// 127.0.0.1). Prints the result as JSON. The whole matrix: `npm run bench -- attacks`.
import { Command } from "commander";
import pino from "pino";
import { createValidationUtility } from "@fedledger/client-sdk";
import { selectBackend } from "@fedledger/client-sdk/training";
import { ATTACK_NAMES, ATTACKS, isAttackName } from "./attackCatalogue.ts";
import { loadFederationData } from "./federationData.ts";
import { runScenario, type Scenario } from "./runScenario.ts";
import { SIMULATION_ROUNDS, SIMULATION_TRAINING } from "./simulationSettings.ts";
import { runOnSimulationChain } from "./simulationChain.ts";

const options = new Command()
  .name("fedledger-sim")
  .option("--attack <name>", `clean, or one of: ${ATTACK_NAMES.join(", ")}`, "clean")
  .option("--fraction <f>", "attacker fraction of the 10 participants", Number.parseFloat, 0.3)
  .option("--strategy <json>", 'strategy config, e.g. {"name":"median"} (coordinator default if omitted)')
  .option("--scorer <json>", 'scorer config, e.g. {"name":"samples"} (coordinator default if omitted)')
  .option("--safety <json>", "safety config (coordinator defaults if omitted)")
  .option("--rounds <n>", "rounds", (v) => Number.parseInt(v, 10), SIMULATION_ROUNDS)
  .option("--log <level>", "coordinator log level on stderr", "silent")
  .parse()
  .opts<{ attack: string; fraction: number; strategy?: string; scorer?: string; safety?: string; rounds: number; log: string }>();

if (options.attack !== "clean" && !isAttackName(options.attack)) {
  console.error(`unknown attack "${options.attack}"; known: clean, ${ATTACK_NAMES.join(", ")}`);
  process.exit(2);
}
const scenario: Scenario = isAttackName(options.attack) ? { attack: options.attack, fraction: options.fraction } : { attack: "clean" };
await selectBackend();
const data = await loadFederationData();
await runOnSimulationChain(async (chain) => {
  if (isAttackName(options.attack)) console.error(`${options.attack} (${ATTACKS[options.attack].kind}): ${ATTACKS[options.attack].summary}`);
  return runScenario({
    chain,
    data,
    utility: createValidationUtility(data.spec, data.validation),
    scenario,
    strategy: options.strategy ? (JSON.parse(options.strategy) as never) : undefined,
    scorer: options.scorer ? (JSON.parse(options.scorer) as never) : undefined,
    ...(options.safety ? { safety: JSON.parse(options.safety) as never } : {}),
    rounds: options.rounds,
    training: SIMULATION_TRAINING,
    logger: pino({ level: options.log }, pino.destination(2)),
    log: (line) => console.error(line),
  });
});
