"""Step time and peak memory of every method of `make_adapter` against LoRA r=4 (the paper's Tables 7-8, as ratios).

Each configuration trains the U-Net only (random weights built from config; random latents 4x16x16, batch 2, random
text conditioning of 77 tokens) with the protocol of nbs/07_adapters: step_context / forward / MSE /
before_backward / backward / AdamW step / after_step / zero_grad.

time    In one process, interleaved rep by rep with a rotating order, minimum over reps (bench_core.py's method).
        All adapters share one copy of the frozen base weights. Configurations:
          lora            peft LoRA r=4, alpha=4 (the reference)
          selora          SeLoRA at its starting rank 1, a step without the Fisher probe
          selora_probed   the same, a step with the probe (threshold set out of reach, so the rank stays 1)
          selora_t40      amortized at the paper's interval t=40: plain + (probed - plain) / 40
          dylora          DyLoRA r_max=4: the mean over b=1..4 of each b's minimum (b ~ U{1..4} per step)
          adalora         peft AdaLoRA 6 -> 4 in its budgeting phase (importance update + masking every step)
memory  One fresh subprocess per method: build the U-Net, the adapter and AdamW, reset the kernel's peak-RSS mark
        (/proc/self/clear_refs "5"), run 3 training steps, read VmHWM. Reported: the peak RSS of the process, and
        the increase of the peak over the RSS just before the steps (activations, gradients, AdamW moments and what
        the allocator keeps). CPU RSS, not GPU memory; it counts whole pages the process holds.

    python bench/bench_adapters.py                   # tiny and SD-1.5-shaped U-Nets, writes bench/results_adapters.json
    python bench/bench_adapters.py --models tiny     # quick
    python bench/bench_adapters.py --threads 1       # on a shared 2-core machine (2 threads stall each other there)
    python bench/bench_adapters.py --quick           # checks the script runs (tiny, 2 reps, no file written)
"""
import argparse, copy, json, os, subprocess, sys, time
import torch
from torch import nn

METHODS = ("lora", "selora", "dylora", "adalora")
CFG = dict(lora={}, selora={}, dylora={}, adalora=dict(total_step=100_000, tinit=0, tfinal=1_000))

def build(name, batch):
    from diffusers import UNet2DConditionModel
    from selora.inject import TINY_UNET, SD15_UNET
    cfg, ctx_dim = (TINY_UNET, 32) if name == "tiny" else (SD15_UNET, 768)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**cfg)
    g = torch.Generator().manual_seed(0)
    data = dict(x=torch.randn(batch, 4, 16, 16, generator=g), t=torch.randint(0, 1000, (batch,), generator=g),
                ctx=torch.randn(batch, 77, ctx_dim, generator=g), eps=torch.randn(batch, 4, 16, 16, generator=g))
    return unet, data

def shared_copy(unet):
    "A copy of the module tree that shares the (frozen) base parameters and buffers with `unet`"
    memo = {id(t): t for t in list(unet.parameters()) + list(unet.buffers())}
    return copy.deepcopy(unet, memo)

class Trainer:
    "One adapter with its optimizer and its own step counter"
    def __init__(self, method, unet, data, **cfg):
        from selora.methods import make_adapter
        self.model, self.d, self.step_no = unet, data, 0
        self.ad = make_adapter(method, unet, **{**CFG[method], **cfg})
        self.opt = self.ad.make_optimizer(torch.optim.AdamW, lr=1e-4)
    def step(self, step=None, **ctx_kw):
        s = self.step_no if step is None else step
        d = self.d
        with self.ad.step_context(s, **ctx_kw):
            loss = nn.functional.mse_loss(self.model(d["x"], d["t"], encoder_hidden_states=d["ctx"]).sample, d["eps"])
            self.ad.before_backward(loss, s).backward()
        self.opt.step(); self.ad.after_step(s); self.opt.zero_grad(set_to_none=True)
        self.step_no += 1

def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t

def bench_time(name, reps, batch):
    base, d = build(name, batch)
    tr = {m: Trainer(m, shared_copy(base), d) for m in METHODS}
    probe = Trainer("selora", shared_copy(base), d, interval=40, threshold=1e30)
    runs = {"lora": lambda: tr["lora"].step(),
            "selora": lambda: tr["selora"].step(step=1),            # 1 % 40 != 0: no probe, no growth
            "selora_probed": lambda: probe.step(step=40),           # probed (a test step); the threshold keeps rank 1
            "adalora": lambda: tr["adalora"].step()}
    for b in range(1, 5): runs[f"dylora_b{b}"] = (lambda b=b: tr["dylora"].step(b=b))
    for f in runs.values(): f(); f()                                # warm-up
    times, keys = {k: [] for k in runs}, list(runs)
    for i in range(reps):                                           # rotate the order so no configuration always goes first
        for k in keys[i % len(keys):] + keys[:i % len(keys)]: times[k].append(timed(runs[k]))
    best = {k: min(v) for k, v in times.items()}                    # other load only ever adds time
    best["dylora"] = sum(best[f"dylora_b{b}"] for b in range(1, 5)) / 4
    best["selora_t40"] = best["selora"] + (best["selora_probed"] - best["selora"]) / 40
    assert set(tr["selora"].ad.rank_map().values()) == {1} and set(probe.ad.rank_map().values()) == {1}
    ratios = {k: best[k] / best["lora"] for k in ("selora", "selora_probed", "selora_t40", "dylora", "adalora")}
    params = {m: t.ad.num_trainable() for m, t in tr.items()}
    return dict(model=name, batch=batch, reps=reps, layers=len(tr["lora"].ad.layers), min_seconds=best, all_seconds=times,
                time_over_lora=ratios, trainable_params=params)

def _rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field): return int(line.split()[1]) * 1024
    raise RuntimeError(field)

def memory_child(name, method, batch, steps=3):
    "Runs in a fresh process: peak RSS of `steps` training steps (printed as JSON)"
    unet, d = build(name, batch)
    tr = Trainer(method, unet, d, **(dict(interval=40) if method == "selora" else {}))
    tr.step_no = 40                                                 # SeLoRA: step 40 is a growth test, probed
    kw = dict(b=4) if method == "dylora" else {}                    # DyLoRA at b = r_max, its largest step
    with open("/proc/self/clear_refs", "w") as f: f.write("5")      # reset VmHWM to the current RSS
    before = _rss("VmRSS:")
    for _ in range(steps): tr.step(**kw)
    peak = _rss("VmHWM:")
    print(json.dumps(dict(rss_before=before, peak_rss=peak, peak_increase=peak - before, steps=steps)))

def bench_memory(name, batch, methods=METHODS):
    out = {}
    for m in methods:
        r = subprocess.run([sys.executable, __file__, "--_memory", name, m, "--batch", str(batch), "--threads", str(torch.get_num_threads())],
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if r.returncode: raise RuntimeError(f"memory run {name}/{m} failed:\n{r.stderr[-3000:]}")
        out[m] = json.loads(r.stdout.strip().splitlines()[-1])
    ratios = {m: dict(peak_rss=out[m]["peak_rss"] / out["lora"]["peak_rss"],
                      peak_increase=out[m]["peak_increase"] / out["lora"]["peak_increase"]) for m in methods if m != "lora"}
    return dict(bytes=out, over_lora=ratios)

def main():
    from _common import parser, record, write
    ap = parser(__doc__, "results_adapters.json")
    ap.add_argument("--models", nargs="+", default=["tiny", "sd15"], choices=["tiny", "sd15"])
    ap.add_argument("--reps", type=int, default=None, help="timed steps per configuration (default: 21 tiny, 5 sd15)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's); 1 is steadier on a shared machine")
    ap.add_argument("--_memory", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    if a._memory: return memory_child(*a._memory, batch=a.batch)
    if a.quick: a.models, a.reps = ["tiny"], 2
    out = record(a.quick) | dict(threads=torch.get_num_threads(), load_before=os.getloadavg(), results=[])
    for m in a.models:
        r = bench_time(m, a.reps or (21 if m == "tiny" else 5), a.batch)
        r["memory"] = bench_memory(m, a.batch, ("lora", "selora") if a.quick else METHODS)   # quick: the code path once
        out["results"].append(r)
        print(f"{m:5s} ({r['layers']} layers, batch {a.batch}) step time / LoRA r=4: "
              + "  ".join(f"{k} {v:.3f}" for k, v in r["time_over_lora"].items())
              + f"   [LoRA step {r['min_seconds']['lora']:.3f} s]", flush=True)
        mem, lo = r["memory"]["over_lora"], r["memory"]["bytes"]["lora"]
        print("      peak RSS / LoRA: " + "  ".join(f"{k} {v['peak_rss']:.3f}" for k, v in mem.items())
              + "   peak increase / LoRA: " + "  ".join(f"{k} {v['peak_increase']:.3f}" for k, v in mem.items())
              + f"   [LoRA peak {lo['peak_rss'] / 2**20:.0f} MiB, +{lo['peak_increase'] / 2**20:.0f} MiB]", flush=True)
    out["load_after"] = os.getloadavg()
    write(a, out)

if __name__ == "__main__":
    main()
