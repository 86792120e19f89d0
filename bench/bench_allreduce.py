"""Averaging the adapter gradients over processes: one all-reduce of their concatenation against one per tensor.

Two gloo processes on this machine hold gradients shaped like SeLoRA's on SD 1.5 + CLIP ViT-L/14 (every adapted
Linear of the U-Net and the text encoder, at rank `--rank`: an A of r x in and a B of out x r each). Each process
averages them `--reps` times both ways, interleaved (rotating which goes first), and the medians are compared:

    python bench/bench_allreduce.py                 # rank 4; writes bench/results_allreduce.json
    python bench/bench_allreduce.py --quick         # checks the script runs (2 reps, no file written)

The flattened way is `selora.training._average_gradients`, what a training step does.
"""
import os, socket, statistics, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

def shapes(rank:int)->list[tuple[int, int]]:
    "(out, in) of every Linear that SeLoRA adapts in SD 1.5's U-Net and text encoder (models built on the meta device)"
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from selora.inject import SD15_UNET, SD15_CLIP_TEXT
    from selora.inject import target_layers
    with torch.device("meta"): models = (UNet2DConditionModel(**SD15_UNET), CLIPTextModel(CLIPTextConfig(**SD15_CLIP_TEXT)))
    return [(l.out_features, l.in_features) for m in models for _, l, *_ in target_layers(m)]

def worker(r, world, port, linears, rank, reps, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=r, world_size=world)
    g = torch.Generator().manual_seed(r)
    grads = [t for o, i in linears for t in (torch.randn(rank, i, generator=g), torch.randn(o, rank, generator=g))]
    def per_tensor():
        for t in grads: dist.all_reduce(t); t.div_(world)
    def flat():
        f = torch.cat([t.flatten() for t in grads]); dist.all_reduce(f); f.div_(world); i = 0
        for t in grads: t.copy_(f[i:(i := i + t.numel())].view_as(t))
    ways, times = {"per tensor": per_tensor, "flattened": flat}, {"per tensor": [], "flattened": []}
    for rep in range(reps):
        order = list(ways) if rep % 2 == 0 else list(ways)[::-1]
        for k in order:
            dist.barrier(); t0 = time.perf_counter(); ways[k](); times[k].append(time.perf_counter() - t0)
    if r == 0: out.update({k: statistics.median(v) for k, v in times.items()} | {"calls per tensor": len(grads)})
    dist.destroy_process_group()

def main():
    from _common import parser, record, write
    p = parser(__doc__, "results_allreduce.json")
    p.add_argument("--rank", type=int, default=4); p.add_argument("--reps", type=int, default=30)
    a = p.parse_args()
    if a.quick: a.reps = 2
    linears = shapes(a.rank)
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    out = mp.Manager().dict()
    mp.spawn(worker, args=(2, port, linears, a.rank, a.reps, out), nprocs=2, join=True)
    res = record(a.quick) | dict(out) | {"layers": len(linears), "rank": a.rank, "processes": 2, "backend": "gloo",
                                          "elements": sum(a.rank * (o + i) for o, i in linears)}
    res["per tensor / flattened"] = res["per tensor"] / res["flattened"]
    print(f"{res['layers']} layers ({res['calls per tensor']} tensors, {res['elements']:,} values): "
          f"per tensor {res['per tensor'] * 1e3:.2f} ms, flattened {res['flattened'] * 1e3:.2f} ms, "
          f"ratio {res['per tensor / flattened']:.2f}")
    write(a, res)

if __name__ == "__main__": main()
