import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one coordinator, in their own registry. */
export function createCoordinatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "fedledger_" });
  const registers = [registry];
  return {
    registry,
    rounds: new Counter({ name: "fedledger_rounds_total", help: "Rounds finished, by outcome", labelNames: ["status"], registers }),
    currentRound: new Gauge({ name: "fedledger_current_round", help: "Round in progress", registers }),
    updatesAccepted: new Counter({ name: "fedledger_updates_accepted_total", help: "Signed updates accepted and stored", registers }),
    updatesRefused: new Counter({
      name: "fedledger_updates_refused_total",
      help: "Submissions refused, by error code",
      labelNames: ["reason"],
      registers,
    }),
    updatesChecked: new Counter({
      name: "fedledger_updates_checked_total",
      help: "Accepted updates by where their hash and values were checked: worker or event_loop",
      labelNames: ["where"],
      registers,
    }),
    bytesReceived: new Counter({ name: "fedledger_update_bytes_received_total", help: "Bytes of update payloads received", registers }),
    aggregationSeconds: new Histogram({
      name: "fedledger_aggregation_seconds",
      help: "Time to aggregate a round",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    gasUsed: new Counter({ name: "fedledger_ledger_gas_used_total", help: "Gas used by recordRound transactions", registers }),
    testAccuracy: new Gauge({ name: "fedledger_global_model_accuracy", help: "Server-side accuracy of the latest global model", registers }),
  };
}

export type CoordinatorMetrics = ReturnType<typeof createCoordinatorMetrics>;
