#!/usr/bin/python3
"""PyTorch step-timing peer for the benchmarks (issue #7); setup as env-measurements.md §2c.

One training step = zero_grad, forward, loss, backward, SGD(momentum 0.9, lr 0.01).step(),
loss.item(); batch 128 of fixed random inputs; `--warmup` untimed steps then `--steps` timed
ones; the median is reported. Cases:
  mlp        MLP 784-300-100-10, ReLU, softmax cross-entropy
  lenet5     conv 20@5×5 valid, ReLU, maxpool 2, conv 50@5×5 valid, ReLU, maxpool 2,
             fc 800→500, ReLU, fc 500→10
  wrn-conv   one WRN-22-2 block conv: 3×3, 32→32, padding 1, on 128×32×32×32; gradients for weight,
             bias and the input; loss = mean(conv(x)·R) with a fixed random R
  rigl-mlp   the MLP at RigL ERK sparsity S (--sparsity, default 0.9: counts 18,715 / 6,906 / 1,000)
             done as the report does it, dense-masked: dense matmuls, gradients multiplied by the
             mask before the step and the weights re-masked after it (a non-update RigL step);
             --sparsity 0.5,0.9 times it once per sparsity, one line each
Each thread count runs in its own child process so that OPENBLAS_NUM_THREADS is set before
OpenBLAS loads; 2-thread children also get OMP_WAIT_POLICY=PASSIVE (env-measurements.md §3: the
default OpenMP spin collapses when the other core is busy). Output: one JSON line per case and
thread count on stdout:
  {"case", "sparsity" (rigl-mlp: S; null otherwise), "threads", "msPerStep" (median),
   "samples" (the timed per-step ms, in order), "samplesPerSecond", "batch", "warmup", "blas",
   "torchVersion", "ompWaitPolicy"}
Usage: /usr/bin/python3 bench/peer/steps.py [--cases mlp,lenet5,wrn-conv,rigl-mlp] [--threads 1,2]
       [--sparsity 0.9[,0.95,...]] [--steps 20] [--warmup 3] [--seed 0]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CASES = ("mlp", "lenet5", "wrn-conv", "rigl-mlp")
SPARSE_CASES = ("rigl-mlp",)    # the cases that take --sparsity
BATCH = 128


def build_case(name, gen, sparsity):
    """Returns (params, step_closure) for one case; the closure runs forward + backward."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if name in ("mlp", "rigl-mlp"):
        model = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
                              nn.Linear(100, 10))
        x = torch.randn(BATCH, 784, generator=gen)
        y = torch.randint(0, 10, (BATCH,), generator=gen)
        masks = None
        if name == "rigl-mlp":
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from fmnist_lenet300 import active_counts, erk_densities, random_exact_mask
            weights = [m.weight for m in model if isinstance(m, nn.Linear)]
            shapes = [tuple(w.shape) for w in weights]
            counts = active_counts(shapes, [1 - d for d in erk_densities(shapes, sparsity)])
            masks = [random_exact_mask(s, n, gen) for s, n in zip(shapes, counts)]
            with torch.no_grad():
                for w, m in zip(weights, masks):
                    w.mul_(m)
            masks = list(zip(weights, masks))
        return model.parameters(), (lambda: F.cross_entropy(model(x), y)), masks
    if name == "lenet5":
        model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
        x = torch.randn(BATCH, 1, 28, 28, generator=gen)
        y = torch.randint(0, 10, (BATCH,), generator=gen)
        return model.parameters(), (lambda: F.cross_entropy(model(x), y)), None
    if name == "wrn-conv":
        conv = nn.Conv2d(32, 32, 3, padding=1)
        x = torch.randn(BATCH, 32, 32, 32, generator=gen, requires_grad=True)
        r = torch.randn(BATCH, 32, 32, 32, generator=gen)

        def loss_fn():
            x.grad = None                              # the input gradient is computed every step
            return (conv(x) * r).mean()
        return conv.parameters(), loss_fn, None
    raise ValueError(f"--cases: unknown case {name!r}; known: {', '.join(CASES)}")


def time_case(name, threads, steps, warmup, seed, sparsity=None):
    import torch
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    params, loss_fn, masks = build_case(name, gen, sparsity)
    opt = torch.optim.SGD(list(params), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        if masks:
            for w, m in masks:
                w.grad.mul_(m)
        opt.step()
        if masks:
            with torch.no_grad():
                for w, m in masks:
                    w.mul_(m)
        return loss.item()

    for _ in range(warmup):
        step()
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return samples


def blas_in_use():
    with open("/proc/self/maps") as fh:
        libs = {line.split()[-1] for line in fh if "blas" in line.lower() and "/" in line}
    return "openblas" if any("openblas" in lib for lib in libs) else ("reference" if libs else "none-loaded")


def child(args):
    import torch
    runs = [(name, s) for name in args.cases
            for s in (args.sparsity if name in SPARSE_CASES else [None])]
    for name, sparsity in runs:
        samples = time_case(name, args.threads[0], args.steps, args.warmup, args.seed, sparsity)
        ms = statistics.median(samples)
        print(json.dumps({"case": name, "sparsity": sparsity, "threads": args.threads[0],
                          "msPerStep": round(ms, 4),
                          "samples": [round(s, 4) for s in samples],
                          "samplesPerSecond": round(BATCH * 1000.0 / ms, 1), "batch": BATCH,
                          "warmup": args.warmup, "blas": blas_in_use(),
                          "torchVersion": torch.__version__,
                          "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "default")}),
              flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="PyTorch step timings (one JSON line per case)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--sparsity", default="0.9",
                    help="comma-separated RigL ERK sparsities for rigl-mlp (default 0.9)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.cases = [c for c in args.cases.split(",") if c]
    for c in args.cases:
        if c not in CASES:
            ap.error(f"--cases: unknown case {c!r}; known: {', '.join(CASES)}")
    try:
        args.threads = [int(t) for t in args.threads.split(",") if t]
    except ValueError:
        ap.error(f"--threads {args.threads!r}: expected comma-separated integers")
    if not args.threads or min(args.threads) < 1:
        ap.error(f"--threads {args.threads!r}: each thread count must be ≥ 1")
    try:
        args.sparsity = [float(s) for s in args.sparsity.split(",") if s]
    except ValueError:
        ap.error(f"--sparsity {args.sparsity!r}: expected comma-separated numbers")
    if not args.sparsity or not all(0.0 < s < 1.0 for s in args.sparsity):
        ap.error(f"--sparsity {args.sparsity!r}: each sparsity must lie in (0, 1)")
    if args.steps < 1 or args.warmup < 0:
        ap.error(f"--steps {args.steps} must be ≥ 1 and --warmup {args.warmup} ≥ 0")
    return args


def main():
    args = parse_args(sys.argv[1:])
    try:
        import torch  # noqa: F401  (checked here so the message names the fix)
    except ModuleNotFoundError as err:
        print(f"steps.py: {err}: run with /usr/bin/python3 (apt-get install python3-torch "
              "libopenblas0-pthread)", file=sys.stderr)
        return 2
    if args.child:
        child(args)
        return 0
    for t in args.threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
        if t > 1:
            env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--cases", ",".join(args.cases),
               "--threads", str(t), "--sparsity", ",".join(repr(s) for s in args.sparsity),
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--seed", str(args.seed)]
        rc = subprocess.call(cmd, env=env)
        if rc != 0:
            print(f"steps.py: child for --threads {t} exited with {rc}", file=sys.stderr)
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
