import type { Address } from "viem";
import { DEFAULT_STRATEGY } from "../strategies/registry.ts";

/** Until `deploy` prints the real one: a well-formed address that holds no ledger. */
const PLACEHOLDER_LEDGER = "0x0000000000000000000000000000000000000000";

/**
 * The commented example config `fedledger-operator init` writes: JSON with `//` comments
 * (parseJsonc reads it), valid as written, every section explained.
 */
export function exampleConfigText(p: { rpcUrl?: string; ledger?: Address } = {}): string {
  return `// fedledger coordinator config, written by \`fedledger-operator init\`: JSON with comments.
// A key left out takes its default; the README ("The coordinator") lists them all.
// No secrets here: the coordinator's key comes from FEDLEDGER_OPERATOR_KEY,
// FEDLEDGER_MNEMONIC or --keystore.
{
  "chain": {
    // The chain's JSON-RPC endpoint (\`npx hardhat node\` serves one on 127.0.0.1:8545).
    "rpcUrl": ${JSON.stringify(p.rpcUrl ?? "http://127.0.0.1:8545")},
    // The ContributionLedger: the address \`fedledger-operator deploy --config THIS_FILE\` prints.
    "ledger": ${JSON.stringify(p.ledger ?? PLACEHOLDER_LEDGER)}
  },
  "server": {
    // Where participants connect; with "0.0.0.0" (every interface) also set "publicUrl",
    // the URL they dial, which every login is bound to. "tls": { "certFile", "keyFile" } for https.
    "host": "127.0.0.1",
    "port": 8080
  },
  "rounds": {
    "rounds": 10,              // rounds to record, then stop
    "minFitClients": 2,        // fewest updates a round records
    "minAvailableClients": 2,  // participants connected before a round starts
    "fitTimeoutMs": 120000     // how long a round waits for updates
  },
  "model": {
    // A Sequential model: this \`mlp\` shorthand, or TensorFlow.js / Keras model.toJSON() output.
    // The spec and seed fix the genesis weights, whose hash \`deploy\` writes on the ledger:
    // change neither after deploying. [28, 28] fits 28x28 IDX images (MNIST-like).
    "spec": {
      "kind": "mlp",
      "inputShape": [28, 28],
      "layers": [
        { "units": 128, "activation": "relu" },
        { "units": 10, "activation": "softmax" }
      ]
    },
    "seed": 0
  },
  // Local training, sent to every participant each round ("optimizer": "sgd" or "adam").
  "training": { "epochs": 2, "batchSize": 32, "learningRate": 0.1, "optimizer": "sgd" },
  // The aggregation rule (README, "Strategies"); this is the default.
  "strategy": ${JSON.stringify(DEFAULT_STRATEGY)},
  // Contribution scores (README, "Contribution scores"): by default "shapley" with
  // evaluation data, else "samples". To choose: "scorer": { "name": "leave-one-out" },
  // Held-out data each candidate model is evaluated on, which must fit the model: IDX files,
  // "csv:holdout.csv" (with "labelColumn"), or "mnist". Without it there is no validation
  // gate and rewards follow sample counts.
  "evaluation": { "dataset": "idx:t10k-images-idx3-ubyte.gz,t10k-labels-idx1-ubyte.gz" },
  // What \`fedledger-operator report\` (the model card) says of the model, all optional:
  // "modelCard": { "name": "…", "provider": "…", "purpose": "the task, its intended users and setting",
  //                "limitations": "…", "contact": "…" },
  // The coordinator's state and every signed update: keep it, audits re-derive from it.
  "storage": { "dir": ".fedledger/coordinator" }
}
`;
}
