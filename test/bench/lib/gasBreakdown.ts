// Where a transaction's gas goes, from the chain's own opcode trace (debug_traceTransaction,
// which EDR serves): the intrinsic cost, then each call frame's opcodes grouped as storage
// reads, storage writes, logs, calls and the rest.
import type { Hex, PublicClient } from "viem";

type StructLog = { op: string; gas: number; gasCost: number; depth: number };
type Trace = { gas: number; structLogs: StructLog[] };

/** Gas by frame (1: the called contract, 2: what it calls, …) and by kind of opcode. */
export type GasBreakdown = { intrinsic: number; frames: Record<string, Record<string, number>> };

function kindOf(op: string): string {
  if (op === "SLOAD" || op === "SSTORE") return op;
  if (op.startsWith("LOG")) return "LOG";
  if (op === "CALL" || op === "STATICCALL" || op === "DELEGATECALL") return "CALL (access, not the callee's work)";
  return "other opcodes";
}

export async function gasBreakdown(client: PublicClient, hash: Hex): Promise<GasBreakdown> {
  const trace = (await client.request({ method: "debug_traceTransaction" as never, params: [hash, {}] as never })) as Trace;
  const receipt = await client.getTransactionReceipt({ hash });
  const logs = trace.structLogs;
  const frames: Record<string, Record<string, number>> = {};
  let topLevel = 0;
  for (let i = 0; i < logs.length; i++) {
    const op = logs[i] as StructLog;
    const next = logs[i + 1];
    let cost: number;
    if (next && next.depth === op.depth) cost = op.gas - next.gas;
    else if (next && next.depth > op.depth) {
      // A call: what it cost the caller, less what the callee's own opcodes cost.
      let j = i + 1;
      let callee = 0;
      while (j < logs.length && (logs[j] as StructLog).depth > op.depth) j++;
      for (let k = i + 1; k < j; k++) {
        const inner = logs[k] as StructLog;
        const after = logs[k + 1];
        if (inner.depth === op.depth + 1) callee += after && after.depth === inner.depth ? inner.gas - after.gas : after && after.depth > inner.depth ? 0 : inner.gasCost;
      }
      const total = op.gas - (logs[j]?.gas ?? op.gas);
      cost = total - callee;
      if (op.depth === 1) topLevel += total;
      const frame = (frames[String(op.depth)] ??= {});
      frame[kindOf(op.op)] = (frame[kindOf(op.op)] ?? 0) + cost;
      continue;
    } else cost = op.gasCost;
    if (op.depth === 1) topLevel += cost;
    const frame = (frames[String(op.depth)] ??= {});
    frame[kindOf(op.op)] = (frame[kindOf(op.op)] ?? 0) + cost;
  }
  return { intrinsic: Number(receipt.gasUsed) - topLevel, frames };
}
