import { createSampleCountScorer } from "./sampleCountScorer.ts";
import { runScorerConformance } from "./scorer.conformance.ts";

runScorerConformance("sample-count", createSampleCountScorer);
