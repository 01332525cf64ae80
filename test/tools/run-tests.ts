// Runs every test suite (Solidity on EDR, then vitest) and ends with one summary line,
// `N passed, N failed`, which CI reads. Exits non-zero if anything failed.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ensureChromium } from "./ensure-chromium.ts";

type Counts = { passed: number; failed: number };

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const tee = (chunk: Buffer, to: NodeJS.WriteStream) => {
      output += chunk.toString();
      to.write(chunk);
    };
    child.stdout.on("data", (c: Buffer) => tee(c, process.stdout));
    child.stderr.on("data", (c: Buffer) => tee(c, process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function solidity(): Promise<Counts> {
  const { code, output } = await run("hardhat", ["test", "solidity"]);
  const plain = stripVTControlCharacters(output);
  const passed = Number(/(\d+) passing/.exec(plain)?.[1] ?? 0);
  const failed = Number(/(\d+) failing/.exec(plain)?.[1] ?? 0);
  // A crash before any test ran still counts as a failure.
  return { passed, failed: failed === 0 && code !== 0 ? 1 : failed };
}

async function vitest(): Promise<Counts> {
  const report = join(mkdtempSync(join(tmpdir(), "fedledger-vitest-")), "report.json");
  const { code } = await run("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number };
    return { passed: json.numPassedTests, failed: json.numFailedTests === 0 && code !== 0 ? 1 : json.numFailedTests };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

// The dashboard's browser test needs Debian's chromium; a fresh machine gets it here (as root).
ensureChromium();
const results = [await solidity(), await vitest()];
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
