"""Step time with cached VAE latents (and text embeddings) against without, measured side by side in one run.

A step is `train`'s: `diffusion_loss` on a batch, backward, Adam step, with SeLoRA in the U-Net (and in the text
encoder where it trains). Cached, the step reads the VAE posterior's mean and std (and the text embedding) instead of
encoding the images (and the prompts); the draws are the same. Two settings per model:
- the paper's: U-Net and text encoder adapted, so only the latents can be cached;
- the text encoder frozen (`train_text_encoder=False`): latents and text embeddings cached.
Configurations alternate rep by rep; medians are compared.

    python bench/bench_cache.py                    # the embedded default (64 px, batch 8) and SD-1.5-shaped (256 px, batch 2)
    python bench/bench_cache.py --models embedded  # the embedded default only (the other model's results are kept)
    python bench/bench_cache.py --quick            # checks the script runs (embedded, 2 reps, no file written)
"""
import statistics, time
import torch

def sd15_pipeline():
    "An SD-1.5-shaped pipeline with random weights built from config (U-Net, VAE and CLIP ViT-L/14 text encoder)"
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel, AutoencoderKL, DDPMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel
    from selora.inject import SD15_UNET, SD15_CLIP_TEXT
    from selora.data import clip_tokenizer
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, norm_num_groups=32,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
    return StableDiffusionPipeline(unet=UNet2DConditionModel(**SD15_UNET), vae=vae, text_encoder=CLIPTextModel(CLIPTextConfig(**SD15_CLIP_TEXT)),
                                   tokenizer=clip_tokenizer(), scheduler=DDPMScheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)

def bench(name, reps):
    from selora.pipelines import load_pipeline
    from selora.methods import make_adapter
    from selora.objectives import diffusion_loss, draw_noise, vae_posterior
    size, batch = (64, 8) if name == "embedded" else (256, 2)
    out = {}
    for te_trains in (True, False):
        pipe = load_pipeline("embedded", 0) if name == "embedded" else sd15_pipeline()
        if not te_trains: pipe.text_encoder.requires_grad_(False)
        ad = make_adapter("selora", pipe.unet, pipe.text_encoder if te_trains else None)
        opt = ad.make_optimizer(torch.optim.Adam, lr=1e-4)
        g = torch.Generator().manual_seed(0)
        px = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
        ids = pipe.tokenizer(["a chest x-ray"] * batch, padding="max_length", max_length=pipe.tokenizer.model_max_length, return_tensors="pt").input_ids
        with torch.no_grad():
            cached = dict(latent_dist=vae_posterior(pipe.vae, px))
            cached |= dict(input_ids=ids) if te_trains else dict(encoder_hidden_states=pipe.text_encoder(ids)[0])
        ways = {"not cached": dict(pixel_values=px, input_ids=ids), "cached": cached}
        draws = draw_noise(pipe, batch, (size, size), torch.Generator().manual_seed(1))
        def step(x):
            t0 = time.perf_counter()
            diffusion_loss(pipe, **x, draws=draws).backward(); opt.step(); opt.zero_grad(set_to_none=True)
            return time.perf_counter() - t0
        for x in ways.values(): step(x)                     # warm up
        times = {k: [] for k in ways}
        for r in range(reps):
            for k in (list(ways) if r % 2 == 0 else list(ways)[::-1]): times[k].append(step(ways[k]))
        med = {k: statistics.median(v) for k, v in times.items()}
        key = "U-Net and text encoder adapted (latents cached)" if te_trains else "text encoder frozen (latents and text cached)"
        out[key] = dict(seconds=med, ratio=med["cached"] / med["not cached"])
        print(f"{name}, {key}: {med['not cached'] * 1e3:.0f} ms -> {med['cached'] * 1e3:.0f} ms, cached / not cached {out[key]['ratio']:.3f}", flush=True)
    return dict(size=size, batch=batch, reps=reps) | out

def main():
    from _common import parser, record, write
    p = parser(__doc__, "results_cache.json")
    p.add_argument("--models", default="embedded,sd15"); p.add_argument("--reps", type=int, default=10)
    a = p.parse_args()
    if a.quick: a.models, a.reps = "embedded", 2
    res = {m: bench(m, a.reps if m == "embedded" else max(3, a.reps // 3)) for m in a.models.split(",")}
    res |= record(a.quick) | dict(threads=torch.get_num_threads())
    write(a, res, merge=True)                    # a run of some models keeps the others' results

if __name__ == "__main__": main()
