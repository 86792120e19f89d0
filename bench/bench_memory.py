"""Peak memory of a SeLoRA training step with gradient checkpointing against without, in one run.

Four cases, each in a fresh process (so that its peak is its own): plain step and probed step (SeLoRA's FisherProbe
on, as at a growth test), each without and with the U-Net's gradient checkpointing. A step is the adapter step of
`train`: forward, MSE on the noise, backward, Adam step. The U-Net is SD-1.5-shaped with random weights built from
config; the latents are random. Reported: each case's peak above the memory held before the step (the model, its
adapters, Adam's state and the data), and the ratios with / without checkpointing. On the CPU the peak is the resident
set sampled every millisecond during the step, with glibc told to hand big blocks back to the OS when they are freed
(`MALLOC_MMAP_THRESHOLD_`), so that the first step's activations are not counted as held; on CUDA it is
`torch.cuda.max_memory_allocated`.

    python bench/bench_memory.py                         # SD-1.5-shaped U-Net, latents 32x32 (256 px), batch 2
    python bench/bench_memory.py --model tiny --latent 16  # the tiny U-Net
    python bench/bench_memory.py --quick                 # checks the script runs (tiny, latents 8x8, no file written)
"""
import json, os, subprocess, sys, time

CHILD = r"""
import json, os, sys, threading, time, torch
from torch import nn
from diffusers import UNet2DConditionModel
from selora import add_selora, lora_parameters, FisherProbe
from selora.inject import TINY_UNET, SD15_UNET
model, latent, batch, ckpt, probe = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
cfg, ctx_dim = (TINY_UNET, 32) if model == "tiny" else (SD15_UNET, 768)
torch.manual_seed(0)
unet = UNet2DConditionModel(**cfg).to(dev).requires_grad_(False)
layers = add_selora(unet)
for l in layers.values(): nn.init.normal_(l.lora_B.weight, std=1e-3)    # a trained adapter: B != 0
if ckpt: unet.enable_gradient_checkpointing()
g = torch.Generator().manual_seed(0)
x, eps = (torch.randn(batch, 4, latent, latent, generator=g).to(dev) for _ in range(2))
t, ctx = torch.randint(0, 1000, (batch,), generator=g).to(dev), torch.randn(batch, 77, ctx_dim, generator=g).to(dev)
opt = torch.optim.Adam(lora_parameters(layers), lr=1e-4)
def step():
    with (FisherProbe(layers) if probe else torch.enable_grad()):
        nn.functional.mse_loss(unet(x, t, encoder_hidden_states=ctx).sample, eps).backward()
    opt.step(); opt.zero_grad(set_to_none=True)
step()                          # Adam's state exists after the first step: measure the second
page = os.sysconf("SC_PAGE_SIZE")
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * page / 2**20
if dev.type == "cuda":
    torch.cuda.synchronize(); before = torch.cuda.memory_allocated(); torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter(); step(); torch.cuda.synchronize(); sec = time.perf_counter() - t0
    peak = (torch.cuda.max_memory_allocated() - before) / 2**20
else:                           # the resident set, sampled every millisecond during the step (torch releases the GIL)
    before, top, done = rss(), [0.0], threading.Event()
    def watch():
        while not done.is_set(): top[0] = max(top[0], rss()); time.sleep(0.001)
    w = threading.Thread(target=watch); w.start()
    t0 = time.perf_counter(); step(); sec = time.perf_counter() - t0
    done.set(); w.join(); peak = max(top[0], rss()) - before
print(json.dumps(dict(peak_above_mb=peak, before_mb=before if dev.type == "cpu" else before / 2**20, seconds=sec, device=dev.type, layers=len(layers))))
"""

def child(*args):
    env = os.environ | {"MALLOC_MMAP_THRESHOLD_": "65536", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}   # big blocks go back to the OS when freed
    r = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], capture_output=True, text=True, env=env)
    if r.returncode: raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    from _common import parser, record, write
    p = parser(__doc__, "results_memory.json")
    p.add_argument("--model", default="sd15", choices=("sd15", "tiny")); p.add_argument("--latent", type=int, default=32)
    p.add_argument("--batch", type=int, default=2)
    a = p.parse_args()
    if a.quick: a.model, a.latent = "tiny", 8
    rows = {}
    for ckpt in (0, 1):
        for probe in (0, 1):
            t0 = time.time(); r = child(a.model, a.latent, a.batch, ckpt, probe)
            rows[f"{'checkpointing' if ckpt else 'no checkpointing'}, {'probed' if probe else 'plain'} step"] = r
            print(f"checkpointing={bool(ckpt)} probe={bool(probe)}: {r['peak_above_mb']:.0f} MB above the "
                  f"{r['before_mb']:.0f} MB held before the step, {r['seconds']:.2f} s ({time.time() - t0:.0f} s with "
                  "the build)", flush=True)
    k = list(rows)
    peak = lambda i: rows[k[i]]["peak_above_mb"]
    ratios = {"plain step, with / without checkpointing": peak(2) / peak(0),
              "probed step, with / without checkpointing": peak(3) / peak(1),
              "with checkpointing, probed / plain step": peak(3) / peak(2),
              "step time, plain, with / without checkpointing": rows[k[2]]["seconds"] / rows[k[0]]["seconds"]}
    for n, v in ratios.items(): print(f"{n}: {v:.3f}")
    write(a, record(a.quick) | dict(model=a.model, latent=a.latent, batch=a.batch, cases=rows, ratios=ratios))

if __name__ == "__main__": main()
