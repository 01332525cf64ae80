"""PyTorch CPU side of `npm run bench -- train`: one job of test/bench/train.ts, same model,
data size, batch, epochs, optimizer and warm-up, on `--threads` threads. Prints one JSON
line: {"name", "seconds", "torch", "threads", "blas"}. Exits 3 with a message when torch is
missing.
"""

import argparse
import json
import os
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as error:
    print(f"torch not importable: {error}", file=sys.stderr)
    sys.exit(3)

NUM_SAMPLES = 8192
WARMUP_SAMPLES = 1024
BATCH_SIZE = 64


def mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def simple_cnn():
    # NIID-Bench's SimpleCNNMNIST: conv 6@5x5, pool, conv 16@5x5, pool, fc 120, 84, 10.
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


JOBS = {
    "mlp": {"model": mlp, "shape": (784,), "epochs": 2, "momentum": 0.0},
    "simple-cnn": {"model": simple_cnn, "shape": (1, 28, 28), "epochs": 1, "momentum": 0.9},
}


def train(job, num_samples, epochs):
    """Model creation and the whole training loop, timed; data generation is not."""
    generator = torch.Generator().manual_seed(1)
    x = torch.rand((num_samples, *job["shape"]), generator=generator)
    y = torch.randint(0, 10, (num_samples,), generator=generator)
    started = time.perf_counter()
    model = job["model"]()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=job["momentum"])
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = torch.randperm(num_samples, generator=generator)
        for start in range(0, num_samples, BATCH_SIZE):
            index = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
    return time.perf_counter() - started


def loaded_blas():
    """Paths of the BLAS libraries this process loaded (Linux), else None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps}
    except OSError:
        return None
    libraries = [path for path in paths if path.startswith("/") and any(key in os.path.basename(path).lower() for key in ("blas", "mkl"))]
    return ", ".join(sorted(libraries)) or None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", choices=sorted(JOBS), required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    job = JOBS[args.job]
    train(job, WARMUP_SAMPLES, 1)
    seconds = train(job, NUM_SAMPLES, job["epochs"])
    print(json.dumps({"name": args.job, "seconds": seconds, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas()}))


if __name__ == "__main__":
    main()
