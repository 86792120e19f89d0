"""The engines a fixed-shape SeLoRA (`capacity`) opens: DDP against the manual all-reduce, and compiled against eager.

1. Data parallel: two gloo processes train a tiny diffusers U-Net (SeLoRA at capacity 8 in every attention and
   feed-forward Linear) on the same step: forward, MSE, backward, gradients averaged over the processes. "manual" is
   what a growing SeLoRA does (`selora.training._average_gradients`: one all-reduce of the concatenated gradients
   after the backward); "ddp" is accelerate's DDP (`Accelerator.prepare` of the adapted model, as `train` does with a
   capacity), whose bucketed all-reduce overlaps the backward. Interleaved, medians compared.
2. Compiled: one process, the same U-Net eager and `torch.compile`d (inductor), interleaved after warm-up.

    python bench/bench_engines.py            # writes bench/results_engines.json
    python bench/bench_engines.py --quick    # checks the script runs (aot_eager instead of inductor, 2 reps, no file)

On 2 CPU cores the two processes share the cores, so the DDP overlap has little room; the ratio on GPUs is what the
prepared GPU check measures (bench/gpu_check.sh).
"""
import os, socket, statistics, time
import torch
from torch import nn
import torch.multiprocessing as mp

def model(seed=0, capacity=8):
    from diffusers import UNet2DConditionModel
    from selora import add_selora
    from selora.inject import TINY_UNET
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(**TINY_UNET).requires_grad_(False)
    layers = add_selora(unet, capacity=capacity)
    for l in layers.values(): nn.init.normal_(l.lora_B.weight[:, :1], std=1e-2)   # a trained adapter: B != 0
    return unet, layers

def batch(n, latent, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, latent, latent, generator=g), torch.randn(n, 8, 32, generator=g), torch.randn(n, 4, latent, latent, generator=g)

def ddp_worker(r, world, port, latent, n, reps, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(r),
                      LOCAL_RANK=str(r), LOCAL_WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    from accelerate import Accelerator, DistributedDataParallelKwargs
    from selora.adapters import Components
    from selora.layer import lora_parameters
    from selora.training import _process_mean
    acc = Accelerator(cpu=True, kwargs_handlers=[DistributedDataParallelKwargs(broadcast_buffers=False)])
    unet, layers = model()
    ddp = acc.prepare(Components({"unet": unet}))
    x, ctx, eps = batch(n, latent, seed=r)
    params, mean = lora_parameters(layers), _process_mean(world)
    loss = lambda: nn.functional.mse_loss(unet(x, 10, encoder_hidden_states=ctx).sample, eps)
    def manual():
        loss().backward()
        grads = [p.grad for p in params]; flat, i = mean(torch.cat([g.flatten() for g in grads])), 0
        for g in grads: g.copy_(flat[i:(i := i + g.numel())].view_as(g))
    def with_ddp(): ddp(loss).backward()
    ways, times = {"manual": manual, "ddp": with_ddp}, {"manual": [], "ddp": []}
    for rep in range(reps + 1):
        for k in (list(ways) if rep % 2 == 0 else list(ways)[::-1]):
            torch.distributed.barrier(); t0 = time.perf_counter(); ways[k]()
            if rep: times[k].append(time.perf_counter() - t0)            # the first round warms up
            for p in params: p.grad = None
    if r == 0: out.update({k: statistics.median(v) for k, v in times.items()})
    acc.wait_for_everyone(); torch.distributed.destroy_process_group()

def compiled(latent, n, reps, backend):
    unet, layers = model()
    x, ctx, eps = batch(n, latent)
    eager_step = lambda: nn.functional.mse_loss(unet(x, 10, encoder_hidden_states=ctx).sample, eps).backward()
    compiled_unet = torch.compile(unet, backend=backend)
    compiled_step = lambda: nn.functional.mse_loss(compiled_unet(x, 10, encoder_hidden_states=ctx).sample, eps).backward()
    t0 = time.perf_counter(); compiled_step(); compile_s = time.perf_counter() - t0
    ways, times = {"eager": eager_step, "compiled": compiled_step}, {"eager": [], "compiled": []}
    for rep in range(reps):
        for k in (list(ways) if rep % 2 == 0 else list(ways)[::-1]):
            t0 = time.perf_counter(); ways[k](); times[k].append(time.perf_counter() - t0)
            unet.zero_grad(set_to_none=True)
    return {k: statistics.median(v) for k, v in times.items()} | {"first compiled step (compiling)": compile_s,
                                                                   "backend": backend}

def main():
    from _common import parser, record, write
    p = parser(__doc__, "results_engines.json")
    p.add_argument("--reps", type=int, default=10); p.add_argument("--latent", type=int, default=16)
    p.add_argument("--batch", type=int, default=4)
    a = p.parse_args()
    if a.quick: a.reps, a.latent, a.batch = 2, 8, 2
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    out = mp.Manager().dict()
    mp.spawn(ddp_worker, args=(2, port, a.latent, a.batch, a.reps, out), nprocs=2, join=True)
    dp = dict(out) | {"processes": 2, "backend": "gloo", "batch per process": a.batch, "latent": a.latent}
    dp["ddp / manual"] = dp["ddp"] / dp["manual"]
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    co = compiled(a.latent, a.batch * 2, a.reps, "aot_eager" if a.quick else "inductor")
    co["compiled / eager"] = co["compiled"] / co["eager"]
    res = record(a.quick) | {"model": "tiny U-Net, SeLoRA capacity 8", "data parallel": dp, "compile": co,
                             "ddp / manual": dp["ddp / manual"], "compiled / eager": co["compiled / eager"]}
    print(f"step with 2 processes: manual all-reduce {dp['manual'] * 1e3:.1f} ms, DDP {dp['ddp'] * 1e3:.1f} ms, "
          f"ratio {dp['ddp / manual']:.2f}; one process: eager {co['eager'] * 1e3:.1f} ms, compiled ({co['backend']}) "
          f"{co['compiled'] * 1e3:.1f} ms, ratio {co['compiled / eager']:.2f}")
    write(a, res)

if __name__ == "__main__": main()
