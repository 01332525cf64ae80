// Starts a command line's TypeScript entry from a source checkout, as
// `node --conditions=source ENTRY` would. Plain JavaScript on purpose: it must run on any
// Node, including a machine's Node 20, which cannot run the sources. The running Node is
// used when it strips types and takes module hooks (22.18 and later; under `npx` and npm
// scripts that is the project's pinned Node, first on their PATH); otherwise the command
// is re-executed on the pinned runtime that `npm ci` installs (the `node` devDependency).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The export condition under which the workspaces map their packages to the TypeScript sources. */
const SOURCE_CONDITION = "source";

/** Runs `entry` (a file URL of a .ts command-line main) with this process's arguments; its exit code is this process's. */
export async function launch(entry) {
  if (typeof module.registerHooks === "function" && process.features.typescript) return runHere(entry);
  const node = pinnedNode(entry);
  if (node === undefined) {
    process.stderr.write(
      `error [INTERNAL]: this command runs from TypeScript sources and needs Node.js 22.18 or later (this is ${process.version}); ` +
        "run `npm ci` in the project, which installs its pinned Node.js\n",
    );
    process.exit(1);
  }
  runOn(node, entry);
}

function runHere(entry) {
  module.registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const conditions = context.conditions ?? [];
      return nextResolve(specifier, conditions.includes(SOURCE_CONDITION) ? context : { ...context, conditions: [...conditions, SOURCE_CONDITION] });
    },
  });
  process.argv[1] = fileURLToPath(entry);
  return import(entry.href);
}

/** The `node` devDependency's binary in the nearest node_modules above `entry`. */
function pinnedNode(entry) {
  const binary = join("node_modules", "node", "bin", process.platform === "win32" ? "node.exe" : "node");
  for (let dir = dirname(fileURLToPath(entry)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, binary))) return join(dir, binary);
    if (dirname(dir) === dir) return undefined;
  }
}

function runOn(node, entry) {
  const child = spawn(node, [`--conditions=${SOURCE_CONDITION}`, fileURLToPath(entry), ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C on a terminal reaches the child directly (one process group): passing SIGINT on
  // too would deliver it twice, and a second SIGINT forces a participant out. A signal sent
  // to this process alone (no terminal, or SIGTERM/SIGHUP) is passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (signal !== "SIGINT" || !process.stdin.isTTY) child.kill(signal);
    });
  }
  child.once("error", (error) => {
    process.stderr.write(`error [INTERNAL]: cannot start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.once("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
