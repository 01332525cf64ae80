import { describe, expect, it } from "vitest";
import { parseCoordinatorConfig } from "@fedledger/coordinator";
import { configProblems as problemsOf } from "../fixtures/configProblems.ts";
import { TINY_SPEC } from "../fixtures/coordinatorHarness.ts";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

const minimal = () => ({
  chain: { rpcUrl: "http://127.0.0.1:8545", ledger: LEDGER },
  model: { spec: TINY_SPEC },
  training: { epochs: 2, batchSize: 16, learningRate: 0.1 },
});

/** The paths named by the problem lines ("path: message"). */
const pathsOf = (problems: readonly string[]) => problems.map((line) => line.slice(0, line.indexOf(": ")));

describe("parseCoordinatorConfig", () => {
  it("accepts a minimal config and fills every default", () => {
    expect(parseCoordinatorConfig(minimal())).toEqual({
      chain: { rpcUrl: "http://127.0.0.1:8545", ledger: LEDGER },
      server: {
        host: "127.0.0.1",
        port: 8080,
        ackTimeoutMs: 30_000,
        challengeTtlMs: 60_000,
        loginTimeoutMs: 10_000, maxConnections: 1_024, maxConnectionsPerAddress: 64, maxPendingLogins: 256, submissionsPerMinute: 120, submissionBurst: 40, registryPollIntervalMs: 2_000, finalModelGraceMs: 5_000,
      },
      rounds: {
        rounds: 10,
        fractionFit: 1,
        minFitClients: 2,
        minAvailableClients: 2,
        fitTimeoutMs: 120_000,
        availabilityTimeoutMs: 120_000,
        maxAttemptsPerRound: 3,
        retryBackoffMs: 1_000,
      },
      model: { spec: TINY_SPEC, seed: 0, dtype: "f32" },
      training: { epochs: 2, batchSize: 16, learningRate: 0.1, optimizer: "sgd", momentum: 0, weightDecay: 0, proximalMu: 0 },
      strategy: { name: "clip", medianMultiple: 1, inner: { name: "fedavg" } },
      safety: { outlierNormMultiple: 10, maxLossIncrease: 1, copyCosine: 0.99999, replayCosine: 0.99999 },
      storage: { dir: ".fedledger/coordinator" },
      modelCard: { name: "fedledger model", purpose: expect.stringContaining("Its intended purpose has not been stated") },
    });
  });

  it("keeps given values and fills the defaults of a partial section", () => {
    const config = parseCoordinatorConfig({
      ...minimal(),
      server: { port: 0, tls: { certFile: "cert.pem", keyFile: "key.pem" } },
      rounds: { rounds: 3, minFitClients: 3, minAvailableClients: 5 },
      model: { spec: TINY_SPEC, seed: 42, dtype: "i8" },
      safety: { maxUpdateNorm: 2.5, maxLossIncrease: null },
      evaluation: { dataset: "mnist" },
    });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 0, tls: { certFile: "cert.pem", keyFile: "key.pem" }, ackTimeoutMs: 30_000, challengeTtlMs: 60_000, loginTimeoutMs: 10_000 });
    expect(config.rounds).toMatchObject({ rounds: 3, minFitClients: 3, minAvailableClients: 5, fractionFit: 1, maxAttemptsPerRound: 3 });
    expect(config.model).toEqual({ spec: TINY_SPEC, seed: 42, dtype: "i8" });
    expect(config.safety).toEqual({ maxUpdateNorm: 2.5, outlierNormMultiple: 10, maxLossIncrease: null, copyCosine: 0.99999, replayCosine: 0.99999 });
    expect(config.evaluation).toEqual({ dataset: "mnist", testFraction: 0.15, seed: 7 });
  });

  it("reports every problem at once, one per line", () => {
    const problems = problemsOf({
      chain: { rpcUrl: "not a url", ledger: "0x1234" },
      server: { port: 70_000 },
      rounds: { fractionFit: 0, maxAttemptsPerRound: 1.5 },
      model: { spec: TINY_SPEC, dtype: "f64" },
      training: { epochs: 0, batchSize: 16, learningRate: 0.1 },
    });
    const paths = pathsOf(problems);
    for (const path of [
      "chain.rpcUrl",
      "chain.ledger",
      "server.port",
      "rounds.fractionFit",
      "rounds.maxAttemptsPerRound",
      "model.dtype",
      "training.epochs",
    ]) {
      expect(paths, problems.join("\n")).toContain(path);
    }
    expect(problems).toHaveLength(7);
  });

  it("reports missing required sections", () => {
    expect(pathsOf(problemsOf({})).sort()).toEqual(["chain", "model", "training"]);
    expect(pathsOf(problemsOf(null))).toEqual(["(root)"]);
  });

  it("refuses unknown keys, at the top level and inside sections (strict)", () => {
    expect(problemsOf({ ...minimal(), colour: "blue" })).toEqual([expect.stringMatching(/^\(root\): .*colour/)]);
    expect(pathsOf(problemsOf({ ...minimal(), server: { prot: 9000 } }))).toEqual(["server"]);
    expect(pathsOf(problemsOf({ ...minimal(), training: { epochs: 2, batchSize: 16, learningRate: 0.1, seed: 5 } }))).toEqual(["training"]);
    expect(pathsOf(problemsOf({ ...minimal(), chain: { rpcUrl: "http://127.0.0.1:8545", ledger: LEDGER, privateKey: "0x01" } }))).toEqual(["chain"]);
  });

  it("refuses minFitClients above minAvailableClients", () => {
    expect(pathsOf(problemsOf({ ...minimal(), rounds: { minFitClients: 3, minAvailableClients: 2 } }))).toEqual(["rounds.minFitClients"]);
    expect(parseCoordinatorConfig({ ...minimal(), rounds: { minFitClients: 2, minAvailableClients: 2 } }).rounds.minFitClients).toBe(2);
  });

  it("reports the cross-field rule together with schema problems", () => {
    const paths = pathsOf(problemsOf({ ...minimal(), chain: { rpcUrl: "not a url", ledger: minimal().chain.ledger }, rounds: { minFitClients: 3, minAvailableClients: 2 } }));
    expect(paths).toEqual(expect.arrayContaining(["chain.rpcUrl", "rounds.minFitClients"]));
  });

  it("reports cross-field rules with missing and mistyped fields too, every problem of the file at once", () => {
    // A missing or mistyped field stops a refinement of the whole schema; these rules still run.
    const problems = problemsOf({
      chain: { rpcUrl: "not a url", ledger: "0x1234" },
      server: { port: "8080" },
      rounds: { minFitClients: 5, minAvailableClients: 4, fractionFit: 0 },
      model: { spec: TINY_SPEC },
      strategy: { name: "krum", f: 2 },
      colour: "blue",
    });
    expect(pathsOf(problems).sort(), problems.join("\n")).toEqual(
      ["(root)", "chain.ledger", "chain.rpcUrl", "rounds.fractionFit", "rounds.minFitClients", "server.port", "strategy.f", "training"].sort(),
    );
    expect(problems).toContain("rounds.minFitClients: cannot exceed rounds.minAvailableClients");
    expect(problems.find((line) => line.startsWith("strategy.f: "))).toMatch(/minFitClients >= 2f \+ 3 = 7, got 5/);
    // A default counts: minFitClients 3 against the default minAvailableClients 2.
    expect(pathsOf(problemsOf({ model: { spec: TINY_SPEC }, rounds: { minFitClients: 3 } })).sort()).toEqual(["chain", "rounds.minFitClients", "training"]);
  });

  it("refuses a bad model spec", () => {
    const lastNotSoftmax = { kind: "mlp", inputShape: [4], layers: [{ units: 3, activation: "relu" }] };
    expect(pathsOf(problemsOf({ ...minimal(), model: { spec: lastNotSoftmax } }))).toEqual(["model.spec"]);
    expect(pathsOf(problemsOf({ ...minimal(), model: { spec: { ...TINY_SPEC, kind: "cnn" } } }))).toEqual(["model.spec.kind"]);
    expect(pathsOf(problemsOf({ ...minimal(), model: { spec: { ...TINY_SPEC, inputShape: [] } } }))).toEqual(["model.spec.inputShape"]);
    expect(pathsOf(problemsOf({ ...minimal(), model: { spec: TINY_SPEC, seed: -1 } }))).toEqual(["model.seed"]);
  });

  it("refuses a bad training config", () => {
    const training = (overrides: Record<string, unknown>) => pathsOf(problemsOf({ ...minimal(), training: { epochs: 2, batchSize: 16, learningRate: 0.1, ...overrides } }));
    expect(training({ learningRate: 0 })).toEqual(["training.learningRate"]);
    expect(training({ batchSize: 0.5 })).toEqual(["training.batchSize"]);
    expect(training({ optimizer: "rmsprop" })).toEqual(["training.optimizer"]);
    expect(training({ proximalMu: -1 })).toEqual(["training.proximalMu"]);
    expect(pathsOf(problemsOf({ ...minimal(), training: { epochs: 2 } })).sort()).toEqual(["training.batchSize", "training.learningRate"]);
  });
});
