import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressBar } from "./progressBar.ts";

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => {
    text += String(chunk);
  });
  return { stream, text: () => text };
}

describe("createProgressBar", () => {
  it("renders epochs, loss and throughput, and stops after the last batch", () => {
    const { stream, text } = capture();
    const bar = createProgressBar({ stream, label: "round 3", noTTYOutput: true });
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (let batch = 1; batch <= 4; batch++) {
        bar.onProgress({ epoch, epochs: 2, batch, batches: 4, loss: 1 / (epoch * batch), samplesPerSec: 1234.4 });
      }
    }
    expect(text()).toContain("round 3 epoch 1/2");
    expect(text()).toContain("epoch 2/2");
    expect(text()).toContain("100%");
    expect(text()).toContain("loss 0.1250");
    expect(text()).toContain("1234 samples/s");
    const length = text().length;
    bar.stop();
    expect(text().length).toBe(length);
  });

  it("stops early on demand and prints nothing before the first event", () => {
    const { stream, text } = capture();
    const bar = createProgressBar({ stream, noTTYOutput: true });
    bar.stop();
    expect(text()).toBe("");
    bar.onProgress({ epoch: 1, epochs: 3, batch: 1, batches: 10, loss: 2.5, samplesPerSec: 10 });
    bar.stop();
    expect(text()).toContain("epoch 1/3");
  });
});
