import { FedAvg } from "./fedAvg.ts";
import { runStrategyConformance } from "./strategy.conformance.ts";

runStrategyConformance("FedAvg", (setup) => new FedAvg({ ...setup, fractionFit: 0.5, minFitClients: 2, minAvailableClients: 2 }));
