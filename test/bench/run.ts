// Benchmark entry point: `npm run bench -- NAME [--json]`.
// Progress goes to stderr; the result is one JSON object on the last line of stdout.
import { readdirSync } from "node:fs";
import { Command } from "commander";

export type BenchOptions = { dir?: string };

const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.replace(/\.ts$/, ""));

const program = new Command()
  .name("bench")
  .argument("<name>", `benchmark to run: ${available.join(", ")}`)
  .option("--json", "print only the JSON result on stdout", false)
  .option("--dir <path>", "working directory for benchmarks that store data (default: the OS temp dir)")
  // A benchmark may read its own flags from process.argv (e.g. attacks --attacks sign-flip).
  .allowUnknownOption()
  .action(async (name: string, options: { json: boolean; dir?: string }) => {
    if (!available.includes(name)) {
      console.error(`unknown benchmark "${name}"; available: ${available.join(", ")}`);
      process.exit(2);
    }
    const module = (await import(`./${name}.ts`)) as { run: (o: BenchOptions) => Promise<Record<string, unknown>> };
    const result = await module.run(options.dir ? { dir: options.dir } : {});
    if (!options.json) console.log(`${name}:`);
    console.log(JSON.stringify(result));
  });

await program.parseAsync();
process.exit(0);
