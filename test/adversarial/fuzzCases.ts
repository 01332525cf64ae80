import { type CaseProducer, type FuzzCase, type FuzzClass } from "./fuzzCase.ts";
import { createFuzzRng } from "./fuzzRng.ts";
import { deepNesting, msgpackBomb, prototypeKeys, socketioPacket, truncated, wrongType } from "./packetCases.ts";
import { engineioPacket, http, lengthHeader, oversized, randomBytes, wsFrame } from "./transportCases.ts";

/** How often each class is drawn. Oversized frames are rare: each one moves megabytes. */
const CLASSES: Record<FuzzClass, { weight: number; produce: CaseProducer }> = {
  "wrong-type": { weight: 30, produce: wrongType },
  "prototype-keys": { weight: 8, produce: prototypeKeys },
  "msgpack-bomb": { weight: 10, produce: msgpackBomb },
  "deep-nesting": { weight: 5, produce: deepNesting },
  truncated: { weight: 8, produce: truncated },
  "socketio-packet": { weight: 12, produce: socketioPacket },
  "engineio-packet": { weight: 8, produce: engineioPacket },
  "ws-frame": { weight: 6, produce: wsFrame },
  "length-header": { weight: 3, produce: lengthHeader },
  oversized: { weight: 0.5, produce: oversized },
  "random-bytes": { weight: 6, produce: randomBytes },
  http: { weight: 3, produce: http },
};

/**
 * `count` malformed frames and payloads, fixed by `seed`: the same seed gives the same
 * cases (and, for the same valid templates, the same bytes) on any machine. Every class
 * appears at least once whenever `count` is at least the number of classes.
 */
export function generateFuzzCases(options: { seed: number; count: number }): FuzzCase[] {
  const r = createFuzzRng(options.seed);
  const names = Object.keys(CLASSES) as FuzzClass[];
  const total = names.reduce((n, k) => n + CLASSES[k].weight, 0);
  const draw = (): FuzzClass => {
    let x = r.next() * total;
    for (const name of names) {
      x -= CLASSES[name].weight;
      if (x < 0) return name;
    }
    return names[names.length - 1]!;
  };
  return Array.from({ length: options.count }, (_, id) => {
    const klass = id < names.length ? names[id]! : draw();
    return { id, klass, ...CLASSES[klass].produce(r) };
  });
}
