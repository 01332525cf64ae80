import type { Hex } from "viem";
import { FedLedgerError, messages, type RecordedModel } from "@fedledger/client-sdk";
import type { ContentStore } from "./contentStore.ts";
import type { StateStore } from "./stateStore.ts";

export type RecordedModelsDependencies = {
  state: StateStore;
  content: ContentStore;
  /** The ledger's genesis model hash (read once, then kept). */
  genesisModelHash: () => Promise<Hex>;
};

/**
 * Serves `model:fetch`: the genesis model or a recorded round's aggregate, never any
 * other stored object (updates are private until recorded, and a hash alone does not
 * say which kind an object is). The newest model served is kept in memory, since every
 * participant asks for it when its round ends.
 */
export function createRecordedModels(deps: RecordedModelsDependencies) {
  let genesis: Promise<Hex> | undefined;
  let newest: { round: number; modelHash: Hex; model: Promise<Uint8Array> } | undefined;

  const genesisHash = (): Promise<Hex> => {
    genesis ??= deps.genesisModelHash().then(
      (hash) => hash.toLowerCase() as Hex,
      (error: unknown) => {
        genesis = undefined; // read again next time
        throw new FedLedgerError("INTERNAL", "Could not read the genesis model hash", { cause: error });
      },
    );
    return genesis;
  };

  const read = (round: number, modelHash: Hex): Promise<Uint8Array> => {
    if (newest?.modelHash === modelHash) return newest.model;
    const model = deps.content.get(modelHash);
    if (!newest || round >= newest.round) {
      const entry = { round, modelHash, model };
      newest = entry;
      model.catch(() => {
        if (newest === entry) newest = undefined;
      });
    }
    return model;
  };

  return {
    /**
     * The model `payload` names. Throws INVALID_PAYLOAD for a malformed request,
     * MODEL_NOT_RECORDED for any hash that is neither the genesis model's nor a recorded
     * round's aggregate, INTERNAL when the stored model cannot be read.
     */
    async fetch(payload: unknown): Promise<RecordedModel> {
      const parsed = messages.modelRequestSchema.safeParse(payload);
      if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed model request", { details: messages.describeIssues(parsed.error) });
      const modelHash = parsed.data.modelHash.toLowerCase() as Hex;
      const round = modelHash === (await genesisHash()) ? 0 : deps.state.recordedRoundOf(modelHash);
      if (round === undefined) throw new FedLedgerError("MODEL_NOT_RECORDED", "No recorded round produced this model", { details: modelHash });
      return { round, modelHash, model: await read(round, modelHash) };
    },
  };
}

export type RecordedModels = ReturnType<typeof createRecordedModels>;
