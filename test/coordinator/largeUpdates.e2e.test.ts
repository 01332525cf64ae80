import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { contentHash, encodeWeights, initialWeights, layerLayout, parseModelSpec, STORE_OBJECTS_DIR } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { institution, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";
import { joined, recorded } from "../fixtures/federation.ts";
import { craftSubmission, type RawClient } from "../fixtures/rawClient.ts";

// A model whose updates (524 KB) travel as socket attachments and are checked on the
// coordinator's worker thread: the whole path over real sockets, a real chain and the
// real worker, from the fit instruction to the on-chain record.
const SPEC = { kind: "mlp", inputShape: [4], layers: [{ units: 16_384, activation: "relu" }, { units: 3, activation: "softmax" }] };
const spec = parseModelSpec(SPEC);
const layout = layerLayout(spec);

/** Small pseudo-random values, distinct per seed. */
function update(seed: number): Float32Array[] {
  let x = seed * 2654435761 || 1;
  return layout.map((layer) =>
    Float32Array.from({ length: layer.shape.reduce((a, b) => a * b, 1) }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return ((x >>> 0) / 4294967296 - 0.5) * 1e-3;
    }),
  );
}

describe("large updates (binary attachments, checked on the worker)", () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it("are received whole, checked on the worker, stored as signed and recorded", async () => {
    const [alice, bob] = [institution(1), institution(2)];
    const genesisModelHash = await contentHash(encodeWeights(initialWeights(spec, 0), layout));
    const ledger = await startLedger({ institutions: [alice, bob], genesisModelHash });
    closers.push(() => ledger.chain.close());
    const { coordinator, url, config } = await startCoordinator(ledger, { model: { spec: SPEC, seed: 0 } });
    closers.push(() => coordinator.close());
    const clients: RawClient[] = [await joined(url, alice), await joined(url, bob)];
    closers.push(() => clients.forEach((c) => c.close()));
    const run = coordinator.run();

    const sent = await Promise.all(
      [alice, bob].map(async (inst, i) => {
        const client = clients[i] as RawClient;
        const fit = await client.nextFit(1);
        // The global model arrived whole through its attachment.
        expect(await contentHash(fit.model)).toBe(fit.baseModelHash);
        const submission = await craftSubmission({ account: inst.account, session: client.session, fit, layout, update: update(i + 1), commitment: inst.commitment });
        expect(submission.update.byteLength).toBeGreaterThan(500_000);
        const bytes = new Uint8Array(submission.update);
        expect(await client.submit(submission)).toMatchObject({ ok: true, data: { updateHash: submission.updateHash, duplicate: false } });
        return { hash: submission.updateHash, bytes };
      }),
    );
    await run;

    const checked = (await coordinator.metrics.updatesChecked.get()).values;
    expect(checked.map((v) => [v.labels.where, v.value])).toEqual([["worker", 2]]);
    const { participants } = await recorded(ledger);
    expect(participants(1n).map((p) => p?.toLowerCase()).sort()).toEqual([alice.account.address, bob.account.address].map((a) => a.toLowerCase()).sort());
    const store = createDirectoryContentStore(join(config.storage.dir, STORE_OBJECTS_DIR));
    for (const { hash, bytes } of sent) {
      const stored = await store.get(hash);
      expect(Buffer.from(stored).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
