import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    include: ["client-sdk/src/**/*.test.ts", "coordinator/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: on a 2-core CI machine, one file
    // at a time. Most files wait on a chain, sockets or child processes, so two overlap well.
    maxWorkers: 2,
  },
});
