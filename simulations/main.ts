// `npm run sim -- ...`: `niid-bench` runs the NIID-Bench reproduction
// (simulations/niidBench/main.ts); anything else is the attack scenario CLI
// (simulations/attacks/main.ts), with its arguments as they were.
if (process.argv[2] === "niid-bench") await import("./niidBench/main.ts");
else await import("./attacks/main.ts");
