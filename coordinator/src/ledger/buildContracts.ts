import hre from "hardhat";

/**
 * Compiles the contracts as `hardhat build --no-tests` does: a fresh clone has no
 * artifacts after `npm ci`, and Ignition deploys from them. Incremental (an up-to-date
 * build takes well under a second) and quiet. Even quiet, Hardhat writes a blank line to
 * stdout after compiling; it goes to stderr here, so `deploy --json` prints only its result.
 */
export async function buildContracts(): Promise<void> {
  const log = console.log;
  console.log = (...lines: unknown[]) => console.error(...lines);
  try {
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  } finally {
    console.log = log;
  }
}
