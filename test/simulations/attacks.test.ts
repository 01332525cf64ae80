import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createValidationUtility, type ValidationUtility } from "@fedledger/client-sdk";
import { selectBackend } from "@fedledger/client-sdk/training";
import { alieUpdate, alieZ } from "../../simulations/attacks/alie.ts";
import { byzantineBoost } from "../../simulations/attacks/attackCatalogue.ts";
import { type FederationData, loadFederationData } from "../../simulations/attacks/federationData.ts";
import { BASELINE, type Combo, comboOptions, defaultCombo } from "../../simulations/attacks/runAttackMatrix.ts";
import { runScenario, type Scenario, type ScenarioResult } from "../../simulations/attacks/runScenario.ts";
import { type SimulationChain, startSimulationChain } from "../../simulations/attacks/simulationChain.ts";
import { SIMULATION_TRAINING } from "../../simulations/attacks/simulationSettings.ts";
import { spearman } from "../../simulations/attacks/spearman.ts";

describe("attack parameters and measures", () => {
  it("ALIE's z_max is Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − m; its update is mean − z·std per coordinate", () => {
    expect(alieZ(10, 3)).toBeCloseTo(0.5244, 3); // Φ⁻¹(0.7)
    expect(alieZ(10, 1)).toBeCloseTo(0, 6);
    expect(alieZ(50, 12)).toBeCloseTo(0.5828, 3); // Φ⁻¹(0.72)
    const update = alieUpdate([[Float32Array.of(1, 0)], [Float32Array.of(3, 0)]], 2);
    expect([...update[0]!]).toEqual([0, 0]); // mean 2, std 1
  });

  it("Byzantine boosts stay just under the coordinator's norm-outlier bound", () => {
    expect(byzantineBoost(10)).toBe(8);
    expect(byzantineBoost(2.5)).toBe(2);
    expect(byzantineBoost(1.1)).toBe(1);
    expect(byzantineBoost(null)).toBe(10);
  });

  it("Spearman's ρ ranks ties by their mean rank, and is null when undefined", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 1000])).toBe(1);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 4);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
  });
});

// A few cells of `npm run bench -- attacks`, 3 rounds each: 10 participants on mnist
// Dir(0.5), the real coordinator on an EDR chain, socket.io on 127.0.0.1, TensorFlow.js
// training; attackers are raw protocol peers.
describe("attack simulations (real coordinator, chain, socket.io and training)", () => {
  let chain: SimulationChain;
  let data: FederationData;
  let utility: ValidationUtility;
  let clean: ScenarioResult;
  const run = (scenario: Scenario, combo: Combo = defaultCombo()) =>
    runScenario({
      chain,
      data,
      utility,
      scenario,
      ...comboOptions(combo),
      rounds: 3,
      training: SIMULATION_TRAINING,
      rankCorrelation: false,
    });

  beforeAll(async () => {
    await selectBackend();
    data = await loadFederationData();
    utility = createValidationUtility(data.spec, data.validation);
    chain = await startSimulationChain();
    clean = await run({ attack: "clean" });
  });
  afterAll(() => chain?.close());

  it("zero-update free riders at 30% are left out as copies and earn nothing", async () => {
    const result = await run({ attack: "zero", fraction: 0.3 });
    expect(result.roundsRecorded).toBe(3);
    expect(result.attackerIdentities).toBe(3);
    expect(result.attackerShare).toBe(0);
    expect(result.leftOut).toContain("COPIED_UPDATE");
    expect(result.accuracy).toBeGreaterThan(clean.accuracy - 0.03);
  });

  it("sign-flippers at 30% are paid by the baseline, and neither paid nor harmful with the defaults", async () => {
    const baseline = await run({ attack: "sign-flip", fraction: 0.3 }, BASELINE);
    expect(baseline.attackerShare).toBeGreaterThan(0.1);
    const result = await run({ attack: "sign-flip", fraction: 0.3 });
    expect(result.attackerShare).toBe(0);
    expect(result.leftOut).toContain("NO_VALIDATED_GAIN");
    expect(result.accuracy).toBeGreaterThan(clean.accuracy - 0.03);
    expect(result.accuracy).toBeGreaterThan(baseline.accuracy);
  });

  it("an inflated sample count is refused before the ack; the attacker then earns at most its tiny registered share", async () => {
    const result = await run({ attack: "inflated-count", fraction: 0.3 });
    expect(result.refusals).toContain("INVALID_PAYLOAD");
    expect(result.roundsRecorded).toBe(3);
    expect(result.attackerShare).toBeLessThanOrEqual(0.02);
  });

  it("the last global change sent back is left out as a replay from round 2 on", async () => {
    // One replaying identity: three would be left out as copies of each other first.
    const result = await run({ attack: "replay-global", fraction: 0.1 });
    expect(result.roundsRecorded).toBe(3);
    expect(result.attackerShare).toBe(0);
    expect(result.leftOut).toContain("REPLAYED_UPDATE");
  });
});
