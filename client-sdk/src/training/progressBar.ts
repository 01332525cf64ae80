import cliProgress from "cli-progress";
import type { TrainProgress } from "./trainLocal.ts";

export type ProgressBarOptions = {
  /** Default: process.stderr. */
  stream?: NodeJS.WritableStream;
  /** Printed before the bar, e.g. "round 3". */
  label?: string;
  /** Also draw when the stream is not a terminal (e.g. a log file). Default false. */
  noTTYOutput?: boolean;
};

export type TrainingProgressBar = {
  /** Pass as `trainLocal({ onProgress })`. */
  onProgress: (progress: TrainProgress) => void;
  /** Stops the bar early (after an error); the bar stops by itself after the last batch. */
  stop: () => void;
};

/**
 * A `cli-progress` bar fed by `trainLocal` progress events, for command-line tools. The
 * training library itself never prints; this adapter is opt-in.
 */
export function createProgressBar(options: ProgressBarOptions = {}): TrainingProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label ? `${options.label} ` : ""}epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} | {rate} samples/s | ETA {eta_formatted}`,
      stream: options.stream ?? process.stderr,
      noTTYOutput: options.noTTYOutput ?? false,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  const stop = (): void => {
    if (!running) return;
    running = false;
    bar.stop();
  };
  const onProgress = (progress: TrainProgress): void => {
    const total = progress.epochs * progress.batches;
    const value = (progress.epoch - 1) * progress.batches + progress.batch;
    const payload = {
      epoch: progress.epoch,
      epochs: progress.epochs,
      loss: progress.loss.toFixed(4),
      rate: Math.round(progress.samplesPerSec),
    };
    if (!running) {
      running = true;
      bar.start(total, value, payload);
    } else {
      bar.setTotal(total);
      bar.update(value, payload);
    }
    if (value >= total) stop();
  };
  return { onProgress, stop };
}
