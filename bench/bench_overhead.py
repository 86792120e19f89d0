"""SeLoRA's training time and memory against LoRA's, as the paper compares them: at SeLoRA's final rank (Appendix D).

The paper puts SeLoRA's time at about (1 + 1/t) times LoRA's. Measured here in one process, configurations
interleaved rep by rep with a rotating order, minimum over reps (bench_core.py's method), on the embedded base (64 px,
batch 8, U-Net and text encoder adapted) with the final ranks of a SeLoRA run of the study (default: the decisive
study's λ = 1.1 verdict run, seed 0, 800 steps, kept in study/s31):
  lora_r4         LoRA r = 4 in every layer (the paper's baseline)
  lora_final      LoRA with SeLoRA's final rank in each layer (`rank_pattern`): the same parameters as SeLoRA at the end
  selora          SeLoRA grown to those ranks, a plain step
  selora_probed   the same, a step with the Fisher probe (a growth test)
  growth          one growth test's expansions: the mean number of layers the run grew per test, timed
SeLoRA amortised over its interval t = plain + (probed − plain) / t + growth / t. Peak memory: each configuration in
a fresh process, its peak resident set over 3 steps (CPU RSS, as bench_adapters.py).

    python bench/bench_overhead.py                 # the embedded base, the study's ranks; writes bench/results_overhead.json
    python bench/bench_overhead.py --quick         # checks the script runs (the tiny pipeline, ranks of 2; no file written)
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import torch

RUN = "study/s31/verdict/selora-lam1.1/seed0"   # a kept SeLoRA run of the decisive study: its ranks.json and config.json
KINDS = ("lora_r4", "lora_final", "selora", "selora_probed")

def final_ranks(a)->tuple[dict, float, int]:
    "The run's final ranks, its mean number of layers grown per test, and its interval t"
    from selora.io import project_root
    run = project_root()/a.run
    r, cfg = json.loads((run/"ranks.json").read_text()), json.loads((run/"config.json").read_text())
    tests = len({h[0] for h in r["history"]}) or 1
    return r["ranks"], len(r["history"]) / max(tests, 1), cfg["interval"]

def build(kind:str, base:str, ranks:dict, batch:int, size:int):
    "(forward_backward(step_context), adapter, optimizer) of one configuration on its own copy of the base"
    from selora.pipelines import load_pipeline
    from selora.methods import make_adapter
    from selora.objectives import diffusion_loss, draw_noise
    pipe = load_pipeline(base, 0)
    if kind.startswith("lora"):
        ad = make_adapter("lora", pipe.unet, pipe.text_encoder, rank=4, alpha=32.0,
                          rank_pattern=ranks if kind == "lora_final" else None)
    else:
        ad = make_adapter("selora", pipe.unet, pipe.text_encoder, alpha=8.0, threshold=1e30, interval=1)
        for q, l in ad.layers.items():
            while l.rank < ranks[q]: l.expand()                          # grown to the run's final ranks
    opt = ad.make_optimizer(torch.optim.Adam, lr=1e-4)
    g = torch.Generator().manual_seed(0)
    px = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
    ids = pipe.tokenizer(["a chest x-ray"] * batch, padding="max_length", return_tensors="pt").input_ids
    draws = draw_noise(pipe, batch, (size, size), torch.Generator().manual_seed(1))
    return (lambda st: st.backward(diffusion_loss(pipe, px, ids, draws=draws))), ad, opt

def stepper(kind, *args):
    "One training step of a configuration: its step context (a test at step 1 when probed), backward, optimizer, hooks"
    fb, ad, opt = build(kind, *args)
    s = 1 if kind == "selora_probed" else 0                              # interval 1: step 1 is a test, step 0 never
    def step():
        with ad.step(s) as st: fb(st)
        opt.step(); ad.after_step(s); opt.zero_grad(set_to_none=True)   # λ out of reach: the probe runs, nothing grows
    return step

def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t

def growth_seconds(base, ranks, batch, size, per_test:float)->float:
    "The time of one test's expansions: every layer grown once after a probed step, scaled to the run's layers per test"
    fb, ad, opt = build("selora", base, ranks, batch, size)
    ad.grower.threshold = 1.0                                          # every layer passes
    with ad.step(1) as st: fb(st)
    opt.step()
    t = timed(lambda: ad.after_step(1))                                # expansions and the optimizer's state surgery
    opt.zero_grad(set_to_none=True)
    return t / len(ad.layers) * per_test

def memory_child(kind, base, ranks_file, batch, size):
    "In a fresh process: the peak RSS over 3 steps of one configuration (printed as JSON)"
    step = stepper(kind, base, json.loads(Path(ranks_file).read_text()), batch, size)
    with open("/proc/self/clear_refs", "w") as f: f.write("5")         # reset VmHWM to the current RSS
    rss = lambda k: next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(k))
    before = rss("VmRSS:")
    for _ in range(3): step()
    print(json.dumps(dict(peak_rss=rss("VmHWM:"), peak_increase=rss("VmHWM:") - before)))

def main():
    from _common import parser, record, write
    ap = parser(__doc__, "results_overhead.json")
    ap.add_argument("--run", default=RUN, help="a SeLoRA run folder of the project whose final ranks to use")
    ap.add_argument("--reps", type=int, default=8); ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--_memory", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    base, size = ("tiny", 32) if a.quick else ("embedded", 64)
    if a._memory: return memory_child(a._memory[0], a._memory[1], a._memory[2], a.batch, size)
    if a.quick:
        from selora.pipelines import load_pipeline
        from selora.methods import make_adapter
        p = load_pipeline("tiny", 0); names = make_adapter("lora", p.unet, p.text_encoder).layers
        ranks, per_test, t, a.reps, a.batch = {q: 2 for q in names}, 3.0, 40, 2, 2
    else: ranks, per_test, t = final_ranks(a)
    steps = {k: stepper(k, base, ranks, a.batch, size) for k in KINDS}
    for f in steps.values(): f(); f()                                   # warm-up
    times, keys = {k: [] for k in KINDS}, list(KINDS)
    for i in range(a.reps):
        for k in keys[i % len(keys):] + keys[:i % len(keys)]: times[k].append(timed(steps[k]))
    best = {k: min(v) for k, v in times.items()}
    grow = growth_seconds(base, ranks, a.batch, size, per_test)
    amortised = best["selora"] + (best["selora_probed"] - best["selora"]) / t + grow / t
    ranks_file = Path(os.environ.get("TMPDIR", "/tmp"))/f"selora_overhead_ranks_{os.getpid()}.json"
    ranks_file.write_text(json.dumps(ranks))
    mem = {}
    for k in (("lora_final", "selora") if a.quick else ("lora_r4", "lora_final", "selora")):   # quick: the code path once
        r = subprocess.run([sys.executable, __file__, "--_memory", k, base, str(ranks_file), "--batch", str(a.batch)]
                           + (["--quick"] if a.quick else []), capture_output=True, text=True)
        if r.returncode: raise RuntimeError(f"memory run {k} failed:\n{r.stderr[-3000:]}")
        mem[k] = json.loads(r.stdout.strip().splitlines()[-1])
    ranks_file.unlink()
    res = record(a.quick) | dict(base=base, run=a.run, batch=a.batch, reps=a.reps, interval=t, layers=len(ranks),
                                 mean_rank=sum(ranks.values()) / len(ranks), grown_per_test=per_test, min_seconds=best,
                                 growth_seconds=grow, selora_amortised=amortised,
                                 ratios={"selora amortised / lora_final": amortised / best["lora_final"],
                                         "selora amortised / lora_r4": amortised / best["lora_r4"],
                                         "selora plain / lora_final": best["selora"] / best["lora_final"],
                                         "paper's estimate 1 + 1/t": 1 + 1 / t},
                                 memory=mem, peak_rss_over_lora_final=mem["selora"]["peak_rss"] / mem["lora_final"]["peak_rss"])
    print(f"{base}, mean final rank {res['mean_rank']:.1f} over {len(ranks)} layers, t = {t}: "
          + "  ".join(f"{k} {v:.3f}" for k, v in res["ratios"].items())
          + f"   [LoRA at the final ranks {best['lora_final'] * 1e3:.0f} ms, peak RSS SeLoRA / it "
          f"{res['peak_rss_over_lora_final']:.3f}]", flush=True)
    write(a, res)

if __name__ == "__main__": main()
