"""SeLoRA on a Llama-shaped LM and a tiny Flux transformer (issue 16), as ratios measured side by side in one run.

Configurations, each on its own copy of one frozen model (random weights built from config), all at rank 4 with s = 8
in the same modules, trained with AdamW on a fixed batch (forward, loss, backward, step, zero_grad):
  peft_lora           peft's LoraConfig(r=4, lora_alpha=32): the reference
  selora              selora's own layer (add_selora, rank 4), a plain step
  selora_probed       the same, a step with the Fisher probe (threshold out of reach, so the rank stays 4)
  peft_selora         SeLoRAConfig(r=4, lora_alpha=32) through peft, SeLoRAGrower(model), a plain step
  peft_selora_probed  the same, a probed step
The configurations run interleaved rep by rep, in a rotating order; each one's minimum over the reps is reported,
with its ratio to peft_lora and probed / plain.

    python bench/bench_peft.py                 # writes bench/results_peft.json
    python bench/bench_peft.py --reps 5        # fewer repetitions
    python bench/bench_peft.py --quick         # checks the script runs (2 reps, no file written)
"""
import copy, time
import torch
from torch import nn
from selora.inject import TINY_FLUX   # the tiny Flux transformer of 04_inject

LLAMA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FLUX_TARGETS = ["to_q", "to_k", "to_v", "to_out.0", "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out"]

def build(name):
    "(model, targets, loss(model)) for 'llama' or 'flux'"
    torch.manual_seed(0); g = torch.Generator().manual_seed(0)
    if name == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM
        m = LlamaForCausalLM(LlamaConfig(vocab_size=80, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128))
        ids = torch.randint(0, 80, (16, 64), generator=g)
        return m, LLAMA_TARGETS, lambda mod: mod(input_ids=ids, labels=ids).loss
    from diffusers import FluxTransformer2DModel
    m = FluxTransformer2DModel(**TINY_FLUX)
    B, L, T = 4, 64, 16
    d = dict(hidden_states=torch.randn(B, L, 4, generator=g), encoder_hidden_states=torch.randn(B, T, 32, generator=g),
             pooled_projections=torch.randn(B, 32, generator=g), timestep=torch.rand(B, generator=g),
             img_ids=torch.zeros(L, 3), txt_ids=torch.zeros(T, 3))
    target = torch.randn(B, L, 4, generator=g)
    return m, FLUX_TARGETS, lambda mod: nn.functional.mse_loss(mod(**d).sample, target)

class Config:
    "One configuration: its model copy, optimizer and (for SeLoRA) grower"
    def __init__(self, kind, model, targets, loss):
        from peft import LoraConfig, get_peft_model
        from selora import add_selora, SeLoRAConfig, SeLoRAGrower
        m = copy.deepcopy(model).requires_grad_(False)
        self.loss, self.probed, self.grower = loss, kind.endswith("_probed"), None
        if kind == "peft_lora": m = get_peft_model(m, LoraConfig(r=4, lora_alpha=32, target_modules=targets))
        elif kind.startswith("peft_selora"): m = get_peft_model(m, SeLoRAConfig(r=4, lora_alpha=32, target_modules=targets))
        else: layers = add_selora(m, target_modules=targets, rank=4, alpha=32.0)
        params = [p for p in m.parameters() if p.requires_grad]
        self.n_layers = sum(1 for mod in m.modules() if hasattr(mod, "lora_A"))
        self.model, self.opt = m, torch.optim.AdamW(params, lr=1e-4)
        if kind != "peft_lora": self.grower = SeLoRAGrower(m if kind.startswith("peft") else layers, self.opt, threshold=1e9, interval=1)
        self.step_no = 0
    def step(self):
        self.step_no += 1
        ctx = self.grower.probe(self.step_no) if self.probed else torch.enable_grad()
        with ctx: self.loss(self.model).backward()
        self.opt.step()
        if self.grower is not None and self.probed: self.grower.grow(self.step_no)
        self.opt.zero_grad(set_to_none=True)

KINDS = ("peft_lora", "selora", "selora_probed", "peft_selora", "peft_selora_probed")

def bench(name, reps):
    model, targets, loss = build(name)
    cfgs = {k: Config(k, model, targets, loss) for k in KINDS}
    counts = {c.n_layers for c in cfgs.values()}
    assert len(counts) == 1, f"the configurations adapt different numbers of layers: {counts}"
    for c in cfgs.values(): c.step(); c.step()            # warm-up
    times = {k: [] for k in KINDS}
    for r in range(reps):
        order = KINDS[r % len(KINDS):] + KINDS[:r % len(KINDS)]
        for k in order:
            t = time.perf_counter(); cfgs[k].step(); times[k].append(time.perf_counter() - t)
    best = {k: min(v) for k, v in times.items()}
    ratio = {k: best[k] / best["peft_lora"] for k in KINDS}
    ranks = {k: sorted({l.rank for l in c.grower.layers.values()}) for k, c in cfgs.items() if c.grower is not None}
    return dict(layers=counts.pop(), step_ms={k: round(v * 1e3, 3) for k, v in best.items()},
                vs_peft_lora={k: round(v, 3) for k, v in ratio.items()},
                probed_over_plain=dict(selora=round(best["selora_probed"] / best["selora"], 3),
                                       peft_selora=round(best["peft_selora_probed"] / best["peft_selora"], 3)),
                ranks_after=ranks)

def main():
    from _common import parser, record, write
    ap = parser(__doc__, "results_peft.json")
    ap.add_argument("--reps", type=int, default=20); ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.quick: a.reps = 2
    torch.set_num_threads(a.threads)
    res = record(a.quick) | {"threads": a.threads, "reps": a.reps, "models": {n: bench(n, a.reps) for n in ("llama", "flux")}}
    for n, r in res["models"].items():
        print(f"{n}: {r['layers']} layers; step ms {r['step_ms']}\n  vs peft LoRA {r['vs_peft_lora']}\n"
              f"  probed/plain {r['probed_over_plain']}")
    write(a, res)

if __name__ == "__main__":
    main()
