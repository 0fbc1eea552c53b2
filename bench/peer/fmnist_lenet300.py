#!/usr/bin/python3
"""Independent PyTorch peer of the `fmnist-lenet300` recipe (issue #3).

Every row of /work/shared/research/recipes.md § `fmnist-lenet300` is implemented here from the
recipe text and rigl-spec.md §2–§4, not from the report's code. Run with Debian's interpreter
(/usr/bin/python3, python3-torch + libopenblas0-pthread):

  /usr/bin/python3 bench/peer/fmnist_lenet300.py --method rigl --distribution erk --sparsity 0.9 \
      --seed 0 --out results/peer/fmnist-lenet300/rigl-erk-0.90-seed0.json

Conventions (all from recipes.md unless a rigl-spec section is named):
- update step g (0-based) iff (g + 1) % 100 == 0 and g < 7035; it REPLACES the optimizer step
  for set/snfs/rigl/gmp (gmp too on its 7 update steps before g = 700: no prune, no SGD step,
  the report's main.py › train convention);
- drop fraction f(g) = 0.15·(1 + cos(π·g/7035)); k = floor(f·n_active) per layer (rigl-spec §2.2.2);
- ties in every top-k are broken by flat index (stable sort), rigl-spec §2.2.3;
- finalTrainLoss = per-sample mean of the cross-entropy over the last epoch's 60,000 images.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ModuleNotFoundError as err:   # pyenv's python3 has no torch: use Debian's interpreter
    sys.exit(f"{err}: run with /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread)")

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530                      # recipes.md row "data"
BATCH = 128                                     # recipes.md row "data order"
EPOCHS = 20
STEPS_PER_EPOCH = math.ceil(60000 / BATCH)      # 469 (last partial batch of 96 kept)
TOTAL_STEPS = EPOCHS * STEPS_PER_EPOCH          # 9,380
UPDATE_INTERVAL = 100                           # ΔT, rigl-spec §2.1
T_END = 7035                                    # 0.75 × 9,380 (recipes.md "mask updates")
ALPHA = 0.3                                     # initial drop fraction, rigl-spec §2.1
MOMENTUM, WEIGHT_DECAY = 0.9, 5e-4              # recipes.md row "optimizer"
GMP_START = 700                                 # recipes.md row "pruning (GMP)"
SMALL_DENSE_WIDTHS = {0.90: (34, 11), 0.95: (17, 6), 0.98: (7, 2)}  # recipes.md "small-dense"
METHODS = ("dense", "static", "set", "snfs", "rigl", "gmp", "small-dense")
SPARSE_METHODS = ("static", "set", "snfs", "rigl")   # the ones with a layer-wise distribution
DYNAMIC_METHODS = ("set", "snfs", "rigl", "gmp")     # the ones with mask-update steps


# ---------------------------------------------------------------- data (recipes.md "data")
def read_idx(path):
    """Parse a gzip'ed idx file (magic 0x0801 labels / 0x0803 images, big-endian dims)."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file (header {raw[:4].hex()})")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load_split(prefix):
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    x = (x - MEAN) / STD
    return x, torch.from_numpy(labels.astype(np.int64))


# ---------------------------------------------------------------- model (recipes.md "model", "init")
def make_mlp(h1, h2):
    """784-h1-h2-10 MLP, ReLU, biases everywhere; nn.Linear's default init is
    U(−1/√fan_in, 1/√fan_in) for weights and biases (kaiming_uniform(a=√5) ≡ that bound)."""
    return nn.Sequential(nn.Linear(784, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 10))


# ---------------------------------------------------------------- layer-wise densities (rigl-spec §4)
def erk_densities(shapes, sparsity):
    """ERK per rigl-spec §4.2 (the GR procedure): ε solved so active counts match, layers with
    ε·raw > 1 made dense (every layer at the max raw at once), repeat."""
    sizes = [int(np.prod(s)) for s in shapes]
    raws = [sum(s) / int(np.prod(s)) for s in shapes]
    dense = set()
    while True:
        rhs, divisor = 0.0, 0.0
        for i, n in enumerate(sizes):
            n_zeros = math.floor(sparsity * n)
            if i in dense:
                rhs -= n_zeros
            else:
                rhs += n - n_zeros
                divisor += raws[i] * n
        eps = rhs / divisor
        max_raw = max(raws[i] for i in range(len(sizes)) if i not in dense)
        if max_raw * eps > 1:
            dense |= {i for i in range(len(sizes)) if i not in dense and raws[i] == max_raw}
        else:
            return [1.0 if i in dense else eps * raws[i] for i in range(len(sizes))]


def active_counts(shapes, sparsities):
    """Exact per-layer counts n_active = N − floor(s·N) (rigl-spec §2.4 get_n_zeros, §4.3)."""
    return [int(np.prod(sh)) - math.floor(s * int(np.prod(sh))) for sh, s in zip(shapes, sparsities)]


def random_exact_mask(shape, n_active, gen):
    """A mask with exactly n_active ones at uniformly random positions (rigl-spec §2.4)."""
    n = int(np.prod(shape))
    mask = torch.zeros(n)
    mask[torch.randperm(n, generator=gen)[:n_active]] = 1.0
    return mask.view(shape)


def smallest_k(scores, k):
    """Flat indices of the k smallest scores, ties by flat index (stable sort)."""
    return torch.sort(scores.flatten(), stable=True).indices[:k]


def largest_k(scores, k):
    return torch.sort(scores.flatten(), descending=True, stable=True).indices[:k]


# ---------------------------------------------------------------- mask updates
def drop_fraction(g):
    """Cosine decay, rigl-spec §2.1 Eq. (1): f(g) = (α/2)·(1 + cos(π·g/T_end))."""
    return ALPHA / 2 * (1 + math.cos(math.pi * g / T_END))


def rigl_set_update(weights, masks, momenta, g, method, gen):
    """RigL / SET per rigl-spec §2.2 (items 2–10) and §3.3, layer by layer, no redistribution."""
    f = drop_fraction(g)
    for w, m, v in zip(weights, masks, momenta):
        old = m.clone().flatten()
        n_active = int(old.sum().item())
        k = math.floor(f * n_active)
        if k == 0:
            continue
        flat = old.clone()
        # drop: the k smallest |w| among active (inactive excluded explicitly, §2.2.3)
        drop_scores = torch.where(old > 0, w.detach().abs().flatten(), torch.full_like(old, math.inf))
        flat[smallest_k(drop_scores, k)] = 0.0
        # grow among inactive-after-drop (§2.2.4)
        if method == "rigl":   # largest |dense gradient| of this mini-batch
            grow_scores = torch.where(flat == 0, w.grad.abs().flatten(), torch.full_like(old, -math.inf))
            grown = largest_k(grow_scores, k)
        else:                  # SET: uniformly at random (§3.3)
            candidates = torch.nonzero(flat == 0).flatten()
            grown = candidates[torch.randperm(len(candidates), generator=gen)[:k]]
        flat[grown] = 1.0
        newly = (flat > 0) & (old == 0)      # grown AND previously inactive (§2.2.7)
        with torch.no_grad():
            w.view(-1)[newly] = 0.0           # §2.2.5: grown weights start at 0
            v.view(-1)[newly] = 0.0           # §2.2.6: and their momentum at 0
            m.copy_(flat.view_as(m))
            w.mul_(m)                         # §2.2.10: dropped weights and momentum → 0
            v.mul_(m)


class SnfsState:
    """The report's SNFS (rigl-spec §3.4 items 1–6): momentum growth with momentum-based
    redistribution across layers, dense momentum, with §3.4's own rounding (ceil for the prune
    count and the layer's regrowth share, floor for the number grown)."""

    def __init__(self, masks):
        self.baseline_nonzero = int(sum(m.sum().item() for m in masks))
        self.adjusted_growth = 0.0
        self.adjustments = []

    def update(self, weights, masks, momenta, g):
        f = drop_fraction(g)
        n_layers = len(masks)
        # 1. statistic: mean |momentum| over each layer's active weights, normalised to sum 1
        stats = [v.flatten()[m.flatten() > 0].abs().mean().item() for m, v in zip(masks, momenta)]
        total = sum(stats)
        share = [s / total for s in stats]
        nnz = [int(m.sum().item()) for m in masks]
        zeros = [m.numel() - n for m, n in zip(masks, nnz)]
        # 2. per-layer prune rate, lowered for nearly dense layers whose share is above average
        rates = []
        for i, m in enumerate(masks):
            sparsity = zeros[i] / m.numel()
            rates.append(min(sparsity, f) if sparsity < 0.2 and share[i] > 1.0 / n_layers else f)
        # 3. prune ceil(p_l·nnz_l) smallest |w| among active
        removed, new_flats = [], []
        for w, m, p, n in zip(weights, masks, rates, nnz):
            flat = m.clone().flatten()
            k = math.ceil(p * n)
            scores = torch.where(flat > 0, w.detach().abs().flatten(), torch.full_like(flat, math.inf))
            flat[smallest_k(scores, k)] = 0.0
            removed.append(k)
            new_flats.append(flat)
        total_removed = sum(removed)
        # 4. redistribute: ceil(c_l·(removed + adjustment)), capped at 0.99·(zeros + removed),
        #    the excess spread evenly over layers, iterated (≤ 1000 rounds)
        regrowth, residual, mean_residual, rounds = {}, 1, 0.0, 0
        while residual > 0 and rounds < 1000:
            residual = 0.0
            for i in range(n_layers):
                cap = 0.99 * (zeros[i] + removed[i])
                r = regrowth.get(i, math.ceil(share[i] * (total_removed + self.adjusted_growth)))
                r += mean_residual
                if r > cap:
                    regrowth[i] = cap
                    residual += r - cap
                else:
                    regrowth[i] = r
            mean_residual = residual / n_layers
            rounds += 1
        # 5. grow floor(regrowth_l) inactive-after-prune weights with the largest |momentum|;
        #    previously inactive weights are 0, a pruned-and-regrown one keeps its value;
        #    the momentum buffer is never masked (dense)
        nonzero_new = 0
        for i, (w, m, v) in enumerate(zip(weights, masks, momenta)):
            flat = new_flats[i]
            k = max(0, math.floor(regrowth[i]))
            scores = torch.where(flat == 0, v.flatten().abs(), torch.full_like(flat, -math.inf))
            flat[largest_k(scores, k)] = 1.0
            with torch.no_grad():
                m.copy_(flat.view_as(m))
                w.mul_(m)
            nonzero_new += int(flat.sum().item())
        # 6. drift correction of the total count
        self.adjustments.append(self.baseline_nonzero - nonzero_new)
        self.adjusted_growth = (0.25 * self.adjusted_growth + 0.75 * self.adjustments[-1]
                                + float(np.mean(self.adjustments)))


def gmp_sparsity(g, final_sparsity):
    """Zhu & Gupta cubic schedule (rigl-spec §3.6; recipes.md "pruning (GMP)")."""
    progress = min(1.0, (g - GMP_START) / (T_END - GMP_START))
    return final_sparsity * (1.0 - (1.0 - progress) ** 3)


def gmp_update(weights, masks, momenta, g, final_sparsity):
    """Global magnitude pruning: one threshold over all weight matrices so that
    round(s(g)·N_total) weights are zero; pruned weights stay zero (already-pruned rank first)."""
    if g < GMP_START:
        return
    sizes = [m.numel() for m in masks]
    n_zero = round(gmp_sparsity(g, final_sparsity) * sum(sizes))
    scores = torch.cat([torch.where(m.flatten() > 0, w.detach().abs().flatten(),
                                    torch.full((m.numel(),), -1.0)) for w, m in zip(weights, masks)])
    flat = torch.ones(sum(sizes))
    flat[smallest_k(scores, n_zero)] = 0.0
    offset = 0
    with torch.no_grad():
        for w, m, v, n in zip(weights, masks, momenta, sizes):
            m.copy_(flat[offset:offset + n].view_as(m))
            w.mul_(m)
            v.mul_(m)
            offset += n


# ---------------------------------------------------------------- training
def learning_rate(epoch):
    """recipes.md row "learning rate": 0.1 / 0.01 / 0.001 at epochs 0–9 / 10–14 / 15–19."""
    return 0.1 if epoch < 10 else (0.01 if epoch < 15 else 0.001)


def blas_in_use():
    with open("/proc/self/maps") as fh:
        libs = sorted({line.split()[-1] for line in fh if "blas" in line.lower() and "/" in line})
    if any("openblas" in lib for lib in libs):
        return "openblas"
    return "reference" if libs else "none-loaded"


def evaluate(model, x, y):
    with torch.no_grad():
        return 100.0 * int((model(x).argmax(dim=1) == y).sum()) / len(y)


def train(args):
    t0 = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)                    # nn.Linear default init draws from this
    mask_gen = torch.Generator().manual_seed(args.seed * 1000 + 1)   # masks and SET growth
    data_gen = torch.Generator().manual_seed(args.seed * 1000 + 2)   # per-epoch permutations
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    if len(x_train) != 60000 or len(x_test) != 10000:
        raise ValueError(f"expected 60,000/10,000 images, got {len(x_train)}/{len(x_test)}")

    h1, h2 = SMALL_DENSE_WIDTHS[args.sparsity] if args.method == "small-dense" else (300, 100)
    model = make_mlp(h1, h2)
    linears = [mod for mod in model if isinstance(mod, nn.Linear)]
    weights = [lin.weight for lin in linears]
    shapes = [tuple(w.shape) for w in weights]      # (out, in): ERK's sum/prod is order-free
    masked = args.method in SPARSE_METHODS or args.method == "gmp"

    masks = None
    if args.method in SPARSE_METHODS:
        if args.distribution == "erk":
            densities = erk_densities(shapes, args.sparsity)
            layer_sparsities = [1.0 - d for d in densities]
        else:                                       # uniform, no first-layer exception (recipes.md)
            densities = [1.0 - args.sparsity] * len(shapes)
            layer_sparsities = [args.sparsity] * len(shapes)
        counts = active_counts(shapes, layer_sparsities)
        masks = [random_exact_mask(s, n, mask_gen) for s, n in zip(shapes, counts)]
    elif args.method == "gmp":                      # dense start (rigl-spec §3.6)
        densities = [1.0] * len(shapes)
        masks = [torch.ones(s) for s in shapes]
    else:
        densities = [1.0] * len(shapes)
    if masks is not None:
        with torch.no_grad():
            for w, m in zip(weights, masks):
                w.mul_(m)

    # PyTorch SGD: d = g + wd·w; v ← 0.9·v + d; w ← w − lr·v (no dampening, no Nesterov)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    for p in model.parameters():                    # create the buffers now so updates can edit them
        opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    momenta = [opt.state[w]["momentum_buffer"] for w in weights]
    snfs = SnfsState(masks) if args.method == "snfs" else None

    g, mask_updates, epoch_acc, last_loss = 0, 0, [], float("nan")
    n_train = len(x_train)
    for epoch in range(args.epochs):
        for group in opt.param_groups:
            group["lr"] = learning_rate(epoch)
        perm = torch.randperm(n_train, generator=data_gen)
        loss_sum = 0.0
        for start in range(0, n_train, BATCH):
            idx = perm[start:start + BATCH]
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            loss_sum += loss.item() * len(idx)
            is_update = (args.method in DYNAMIC_METHODS and (g + 1) % UPDATE_INTERVAL == 0
                         and g < T_END)
            if is_update:                            # replaces the optimizer step (rigl-spec §2.2)
                if args.method in ("rigl", "set"):
                    rigl_set_update(weights, masks, momenta, g, args.method, mask_gen)
                elif args.method == "snfs":
                    snfs.update(weights, masks, momenta, g)
                else:
                    gmp_update(weights, masks, momenta, g, args.sparsity)
                mask_updates += 1
            else:
                if masked and args.method != "snfs":
                    for w, m in zip(weights, masks):  # mask gradients before momentum (§2.3)
                        w.grad.mul_(m)
                opt.step()
                if masked:                            # SNFS: dense momentum, re-mask the weights
                    with torch.no_grad():
                        for w, m in zip(weights, masks):
                            w.mul_(m)
            g += 1
        last_loss = loss_sum / n_train
        epoch_acc.append(evaluate(model, x_test, y_test))
        if args.verbose:
            print(f"epoch {epoch} loss {last_loss:.4f} acc {epoch_acc[-1]:.2f} "
                  f"({time.time() - t0:.1f}s)", file=sys.stderr)

    if masks is not None:                            # the invariant: inactive weights exactly 0
        for w, m in zip(weights, masks):
            if bool((w.detach()[m == 0] != 0).any()):
                raise AssertionError("an inactive weight is non-zero")
    layers = []
    for i, w in enumerate(weights):
        active = int((masks[i] > 0).sum().item()) if masks is not None else w.numel()
        layers.append({"name": f"fc{i + 1}", "shape": list(shapes[i]), "size": w.numel(),
                       "targetDensity": densities[i], "activeCount": active})
    wall = time.time() - t0
    return {
        "recipe": "fmnist-lenet300", "implementation": "bench/peer/fmnist_lenet300.py (PyTorch)",
        "method": args.method,
        "distribution": args.distribution if args.method in SPARSE_METHODS else None,
        "sparsity": args.sparsity if args.method != "dense" else 0.0,
        "seed": args.seed, "epochs": args.epochs, "steps": g,
        "testAccuracy": epoch_acc[-1], "bestTestAccuracy": max(epoch_acc),
        "finalTrainLoss": last_loss, "epochTestAccuracy": epoch_acc,
        "layers": layers, "totalActive": sum(layer["activeCount"] for layer in layers),
        "maskUpdates": mask_updates, "hidden": [h1, h2],
        "wallSeconds": wall, "wallMs": round(wall * 1000),
        "torchVersion": torch.__version__, "blas": blas_in_use(), "threads": torch.get_num_threads(),
        "conventions": {"k": "floor (snfs: ceil prune, ceil share, floor grow)",
                        "updateStep": "(g+1)%100==0 and g<7035, replaces optimizer step",
                        "regrownKeepsState": True, "ties": "flat index",
                        "finalTrainLoss": "per-sample mean over the last epoch"},
    }


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--method", required=True, choices=METHODS)
    ap.add_argument("--distribution", default="erk", choices=("erk", "uniform"),
                    help="layer-wise distribution for static/set/snfs/rigl (ignored otherwise)")
    ap.add_argument("--sparsity", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--out", help="write the JSON result here (else stdout)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--verbose", action="store_true", help="per-epoch progress on stderr")
    args = ap.parse_args(argv)
    if args.method == "small-dense" and args.sparsity not in SMALL_DENSE_WIDTHS:
        ap.error(f"--sparsity {args.sparsity}: small-dense widths exist only for "
                 f"{sorted(SMALL_DENSE_WIDTHS)}")
    if args.method != "dense" and not 0.0 < args.sparsity < 1.0:
        ap.error(f"--sparsity {args.sparsity}: must lie in (0, 1)")
    if not 1 <= args.epochs <= EPOCHS:   # fewer epochs = a prefix of the 20-epoch schedule (smoke)
        ap.error(f"--epochs {args.epochs}: must lie in [1, {EPOCHS}] (T_end and the lr epochs are "
                 f"pinned to the {EPOCHS}-epoch recipe)")
    if args.threads < 1:
        ap.error(f"--threads {args.threads}: must be ≥ 1")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = train(args)
    text = json.dumps(result, indent=1)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        tmp = args.out + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(text + "\n")
        os.replace(tmp, args.out)                   # atomic: the grid skips files that exist
    else:
        print(text)


if __name__ == "__main__":
    main()
