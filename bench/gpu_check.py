"""The prepared GPU check: SeLoRA's training step on an SD-1.5-shaped U-Net and CLIP text encoder, against LoRA's.

One process, random weights built from config (nothing downloaded), 512 px (64x64 latents), batch 8, the frozen base in
bf16 under autocast, the adapters in float32, Adam. The arms are measured interleaved, round after round, and compared
by their medians:
- `lora-r4`: LoRA at rank 4 everywhere (peft, as `make_adapter("lora")` builds it);
- `selora`: SeLoRA grown to a seeded allocation of mean rank about 4 (ranks 1-8 per layer), tensors at their ranks;
- `selora-capacity`: the same allocation inside tensors of capacity 16 (fixed shape);
- `lora-at-selora`: LoRA with SeLoRA's allocation as its rank pattern;
- each SeLoRA arm also probed (a growth test's step: the Fisher probe's hooks on);
- `selora-capacity` compiled (`torch.compile`, inductor) against its own eager code, and then grown in place, to show
  that growth does not recompile (dynamo's frame counter);
- 20 fp16 steps with loss scaling (`torch.amp.GradScaler`), which must end finite.
Reported: seconds per step and the ratios to LoRA r=4's, peak memory above the loaded models and its ratio to LoRA
r=4's, compile time, recompilations, the fp16 losses; the device, versions and commit open the file.

    bash bench/gpu_check.sh            # on a GPU: writes bench/results_gpu.json (under 4 minutes on an H100)
    bash bench/gpu_check.sh --smoke    # the same code at tiny size on the CPU (aot_eager), under 2 minutes; the tests run it
"""
import copy, json, statistics, sys, time
from contextlib import nullcontext
from pathlib import Path
import torch
from torch import nn
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # selora from this checkout, installed or not
sys.path.insert(0, str(Path(__file__).resolve().parent))

def base(smoke:bool, dev, dtype):
    "A U-Net and a CLIP text encoder of SD 1.5's shapes (tiny ones with --smoke), random, frozen, in `dtype`"
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from selora.inject import SD15_UNET, SD15_CLIP_TEXT, TINY_UNET, TINY_CLIP_TEXT
    torch.manual_seed(0)
    with torch.device(dev):
        u = UNet2DConditionModel(**(TINY_UNET if smoke else SD15_UNET))
        te = CLIPTextModel(CLIPTextConfig(**(TINY_CLIP_TEXT if smoke else SD15_CLIP_TEXT)))
    return u.to(dtype).requires_grad_(False), te.to(dtype).requires_grad_(False)

def allocation(adapter, seed=0, hi=8)->dict:
    "A seeded rank per layer in 1..hi (mean about hi/2), what a SeLoRA run might have grown to"
    g = torch.Generator().manual_seed(seed)
    return {q: int(torch.randint(1, hi + 1, (1,), generator=g)) for q in sorted(adapter.layers)}

def arm(method, u, te, **kw):
    "(unet, text encoder, adapter, optimizer) on copies of the base"
    from selora.methods import make_adapter
    u, te = copy.deepcopy(u), copy.deepcopy(te)
    grow_to = kw.pop("grow_to", None)
    ad = make_adapter(method, u, te, **kw)
    if grow_to is not None:
        for q, l in ad.layers.items():
            while l.rank < grow_to[q]: l.expand()
    return u, te, ad, ad.make_optimizer(torch.optim.Adam, lr=1e-4)

def main():
    from _common import record
    import argparse
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny models on the CPU, 2 rounds: checks the script runs")
    p.add_argument("--out", default=None, help="results file (default bench/results_gpu.json; none with --smoke)")
    p.add_argument("--reps", type=int, default=8)
    a = p.parse_args()
    t_start = time.perf_counter()
    from selora.fisher import FisherProbe
    from torch._dynamo.utils import counters
    dev = torch.device("cuda" if torch.cuda.is_available() and not a.smoke else "cpu")
    if not a.smoke and dev.type != "cuda": sys.exit("gpu_check: no CUDA device here; run it on a GPU, or pass --smoke")
    dtype, latent, n, reps = torch.bfloat16, (8 if a.smoke else 64), (2 if a.smoke else 8), (2 if a.smoke else a.reps)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    u0, te0 = base(a.smoke, dev, dtype)
    g = torch.Generator().manual_seed(0)
    x, eps = (torch.randn(n, 4, latent, latent, generator=g).to(dev) for _ in range(2))
    ids = torch.randint(0, te0.config.vocab_size, (n, 77 if not a.smoke else 16), generator=g).to(dev)
    t = torch.randint(0, 1000, (n,), generator=g).to(dev)

    sel = arm("selora", u0, te0)
    ranks = allocation(sel[2]); del sel
    arms = {"lora-r4": arm("lora", u0, te0, rank=4), "selora": arm("selora", u0, te0, grow_to=ranks),
            "selora-capacity": arm("selora", u0, te0, grow_to=ranks, capacity=16),
            "lora-at-selora": arm("lora", u0, te0, rank_pattern=ranks)}
    def step(name, probe=False, amp=dtype, scaler=None):
        u, te, ad, opt = arms[name]
        with (FisherProbe(ad.layers) if probe else nullcontext()), torch.autocast(dev.type, dtype=amp):
            loss = nn.functional.mse_loss(u(x, t, encoder_hidden_states=te(ids)[0]).sample.float(), eps)
            (scaler.scale(loss) if scaler else loss).backward()
        (scaler.step(opt), scaler.update()) if scaler else opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.detach()
    cases = [(k, False) for k in arms] + [("selora", True), ("selora-capacity", True)]
    label = lambda k, pr: k + (" probed" if pr else "")
    for k, pr in cases: step(k, pr)                       # warm-up: Adam's state, cuDNN's choices
    times, peaks = {label(*c): [] for c in cases}, {}
    for r in range(reps):
        for k, pr in (cases if r % 2 == 0 else cases[::-1]):
            sync(); t0 = time.perf_counter(); step(k, pr); sync(); times[label(k, pr)].append(time.perf_counter() - t0)
    if dev.type == "cuda":
        for k, pr in cases:
            sync(); before = torch.cuda.memory_allocated(); torch.cuda.reset_peak_memory_stats()
            step(k, pr); sync(); peaks[label(k, pr)] = (torch.cuda.max_memory_allocated() - before) / 2**20
    sec = {k: statistics.median(v) for k, v in times.items()}
    res = record(a.smoke) | {"device": torch.cuda.get_device_name() if dev.type == "cuda" else "cpu (smoke)",
                             "shape": "tiny" if a.smoke else "SD 1.5 U-Net + CLIP ViT-L/14 text encoder",
                             "latent": latent, "batch": n, "dtype": "bf16", "rounds": reps,
                             "selora mean rank": sum(ranks.values()) / len(ranks), "seconds per step": sec,
                             "step / lora-r4": {k: v / sec["lora-r4"] for k, v in sec.items()},
                             "probed / plain": {k: sec[f"{k} probed"] / sec[k] for k in ("selora", "selora-capacity")},
                             "capacity / growing": sec["selora-capacity"] / sec["selora"],
                             "selora / lora-at-selora": sec["selora"] / sec["lora-at-selora"]}
    if peaks: res |= {"peak MB above the models": peaks, "peak / lora-r4": {k: v / peaks["lora-r4"] for k, v in peaks.items()}}
    res["compile"] = compiled(arms["selora-capacity"], step, sync, "aot_eager" if a.smoke else "inductor", reps, counters)
    for k in ("selora", "lora-at-selora"): del arms[k]
    res["fp16"] = fp16(u0, te0, step, arms, dev)
    res["seconds"] = time.perf_counter() - t_start
    print(json.dumps({k: v for k, v in res.items() if k != "environment"}, indent=1))
    out = a.out or (None if a.smoke else str(Path(__file__).with_name("results_gpu.json")))
    if out: Path(out).write_text(json.dumps(res, indent=1) + "\n"); print(f"wrote {out}")
    if not res["fp16"]["finite"]: sys.exit("gpu_check: the fp16 steps did not end finite")

def compiled(arm_, step, sync, backend, reps, counters)->dict:
    "The capacity arm compiled in place against its own eager code (set_stance), then grown: no recompilation"
    u, te, ad, opt = arm_
    u.compile(backend=backend)
    t0 = time.perf_counter(); step("selora-capacity"); sync(); first = time.perf_counter() - t0
    frames = counters["frames"]["total"]
    times = {"compiled": [], "eager": []}
    for r in range(reps):
        for k in (["compiled", "eager"] if r % 2 == 0 else ["eager", "compiled"]):
            with (torch.compiler.set_stance("force_eager") if k == "eager" else nullcontext()):
                sync(); t0 = time.perf_counter(); step("selora-capacity"); sync(); times[k].append(time.perf_counter() - t0)
    with torch.no_grad():
        for l in list(ad.layers.values())[::3]: l.expand()             # growth, in place
    step("selora-capacity"); step("selora-capacity"); sync()
    sec = {k: statistics.median(v) for k, v in times.items()}
    return {"backend": backend, "first step (compiling) s": first, "seconds per step": sec,
            "compiled / eager": sec["compiled"] / sec["eager"],
            "frames compiled after warm-up, growth included": counters["frames"]["total"] - frames}

def fp16(u0, te0, step, arms, dev)->dict:
    "20 steps of SeLoRA (capacity 16) with the base in fp16 and the loss scaled: the losses, the final scale, finiteness"
    arms["fp16"] = arm("selora", u0.to(torch.float16), te0.to(torch.float16), capacity=16)
    scaler = torch.amp.GradScaler(dev.type)
    losses = [step("fp16", amp=torch.float16, scaler=scaler).item() for _ in range(20)]
    ps = [p for p in arms["fp16"][2].trainable_parameters()]
    finite = all(map(lambda v: v == v and abs(v) != float("inf"), losses)) and all(torch.isfinite(p).all() for p in ps)
    return {"losses": losses, "final loss scale": scaler.get_scale(), "finite": bool(finite)}

if __name__ == "__main__": main()
