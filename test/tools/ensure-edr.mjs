// Installs EDR's native binding when npm skipped it.
//
// npm runs on the machine's Node (20 on some hosts). EDR's platform package declares
// `engines.node >= 22`, and npm silently drops optional packages whose engines do not
// match the Node that runs npm, even though this project pins Node 24 for everything
// it runs. This postinstall step runs under the pinned Node (npm puts
// node_modules/.bin first on PATH), checks that the binding loads, and if it does not,
// fetches the exact platform package from the registry with `npm pack` and unpacks it.
// It does nothing where npm installed the binding itself.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

// Checked in a fresh process: Node caches failed module lookups within one process.
function bindingLoads() {
  try {
    execFileSync(process.execPath, ["-e", 'require("@nomicfoundation/edr")'], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function platformPackage() {
  const { platform, arch } = process;
  if (platform === "linux") {
    const glibc = process.report.getReport().header.glibcVersionRuntime;
    return `@nomicfoundation/edr-linux-${arch}-${glibc ? "gnu" : "musl"}`;
  }
  if (platform === "win32") return `@nomicfoundation/edr-win32-${arch}-msvc`;
  return `@nomicfoundation/edr-${platform}-${arch}`;
}

if (!bindingLoads()) {
  // The package's exports hide package.json; find its folder from the main entry.
  let dir = dirname(require.resolve("@nomicfoundation/edr"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const name = platformPackage();
  const target = join(dir, "..", name.split("/")[1]);
  const work = mkdtempSync(join(tmpdir(), "edr-"));
  console.log(`ensure-edr: npm skipped ${name}@${version}; fetching it`);
  execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", work, "--silent"], { stdio: "inherit" });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`ensure-edr: npm pack produced no tarball for ${name}@${version}`);
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", target, "--strip-components=1"]);
  rmSync(work, { recursive: true, force: true });
  if (!bindingLoads()) throw new Error(`ensure-edr: ${name}@${version} installed but the binding still fails to load`);
  console.log(`ensure-edr: installed ${name}@${version}`);
}
