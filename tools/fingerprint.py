"""Fixed-seed fingerprints of short training runs, one per method: to show that a refactor changes no behaviour.

    python tools/fingerprint.py out.json            # train each method briefly and write its fingerprint
    python tools/fingerprint.py out.json --check before.json   # and compare with an earlier one (exit 1 if any differs)
    python tools/fingerprint.py out.json --full     # also every method under the matched protocol, and the tiny SDXL,
                                                    # SD3 and Flux pipelines with their text encoders trained

A fingerprint holds the SHA-256 of every tensor of the adapters the run wrote (best and last), the final ranks, the
growth history and tests, the per-step losses and the validation losses: everything but wall times.
"""
import argparse, hashlib, json, sys, tempfile
from pathlib import Path

RUNS = {   # method: TrainConfig fields (the embedded default, with a few growth tests)
    "selora": dict(method="selora", interval=5),
    "selora-released": dict(method="selora", interval=5, growth_test="released", threshold=1.0),
    "lora": dict(method="lora"),
    "dylora": dict(method="dylora"),
    "adalora": dict(method="adalora", protocol="matched"),
}
EMBEDDED = dict(base_model="embedded", dataset="phantom_iu", resolution=64, batch_size=4, epochs=1, seed=0)
FULL = {f"{n}-matched": kw | dict(protocol="matched") for n, kw in RUNS.items() if n != "adalora"}
FULL |= {"adalora-paper": dict(method="adalora", protocol="paper")}
FAMILY = dict(dataset="phantom_iu", resolution=32, batch_size=4, epochs=1, seed=0, interval=4, protocol="matched")
FULL |= {f"tiny-{f}-{m}": FAMILY | dict(base_model=f"tiny-{f}", method=m, train_text_encoder=(m == "selora"))
         for f in ("sdxl", "sd3", "flux") for m in ("selora", "lora")}

def _tensors(path):
    from safetensors.torch import load_file
    return {k: hashlib.sha256(v.contiguous().view(-1).view(dtype=__import__("torch").uint8).numpy().tobytes()).hexdigest()[:16]
            for k, v in sorted(load_file(path).items())}

def fingerprint(run:Path)->dict:
    import csv
    m, r = json.loads((run/"metrics.json").read_text()), json.loads((run/"ranks.json").read_text())
    with open(run/"log.csv") as f: losses = [(row["step"], row["loss"], row["total_rank"], row["events"]) for row in csv.DictReader(f)]
    return dict(val_losses=m["val_losses"], best_val=m["best_val"], best_step=m["best_step"], total_rank=m["total_rank"],
                ranks=r["ranks"], history=r["history"], tests=r.get("tests"), losses=losses,
                tensors={p.name: _tensors(p) for p in sorted(run.glob("*.safetensors"))})

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out"); p.add_argument("--check"); p.add_argument("--steps", type=int, default=24)
    p.add_argument("--full", action="store_true", help="both protocols and the tiny SDXL / SD3 / Flux runs")
    a = p.parse_args(argv)
    import torch; torch.set_num_threads(1)
    from selora.config import TrainConfig
    from selora.training import train
    fps = {}
    with tempfile.TemporaryDirectory() as d:
        for name, kw in (RUNS | FULL if a.full else RUNS).items():
            out = Path(d)/name
            kw = kw if "base_model" in kw else EMBEDDED | kw
            train(TrainConfig(**kw, max_steps=a.steps, out_dir=str(out)), progress=False)
            fps[name] = fingerprint(out)
    Path(a.out).write_text(json.dumps(fps, indent=1)); fps = json.loads(Path(a.out).read_text())   # compared as written
    if a.check:
        before = json.loads(Path(a.check).read_text())
        bad = [f"{n}.{k}" for n in before for k in before[n] if before[n][k] != fps.get(n, {}).get(k)]
        print("identical" if not bad else "differs: " + ", ".join(bad)); return 1 if bad else 0
    print(f"wrote {a.out}: " + ", ".join(f"{n} rank {f['total_rank']} best val {f['best_val']:.4f}" for n, f in fps.items()))
    return 0

if __name__ == "__main__": sys.exit(main())
