"""SeLoRA at a fixed shape (`capacity`) trains what the growing SeLoRA trains, on SD's U-Net and on SD3's transformer; a run
resumes with another capacity when its ranks fit, and says why not when they do not; prodigy trains with a capacity."""
import json, subprocess
import pytest
from conftest import make_folder, cmd, env, adapter_tensors

def train(data, out, **over):
    r = subprocess.run(cmd(data, out, **over), env=env(), capture_output=True, text=True, timeout=900)
    return r

def ranks(out): return json.loads((out/"ranks.json").read_text())

def same_run(a, b, tol=1e-5):
    "The same growth decisions, FI-Ratios to float32 rounding, and the same adapter file's keys and shapes, weights to tol"
    ra, rb = ranks(a), ranks(b)
    assert ra["ranks"] == rb["ranks"] and [h[:3] for h in ra["history"]] == [h[:3] for h in rb["history"]]
    assert all(abs(x[3] - y[3]) <= 1e-4 * abs(x[3]) for x, y in zip(ra["history"], rb["history"]))
    ta, tb = adapter_tensors(a/"last_adapter.safetensors"), adapter_tensors(b/"last_adapter.safetensors")
    assert ta.keys() == tb.keys() and all(ta[k].shape == tb[k].shape for k in ta)
    # float32: the two compute the same sums but for zero entries, in other orders; over 8 Adam steps we saw < 1e-6
    assert max((ta[k] - tb[k]).abs().max().item() for k in ta) < tol

@pytest.mark.parametrize("base", ["tiny", "tiny-sd3"])
def test_capacity_is_the_growing_run(tmp_path, base):
    data = make_folder(tmp_path/"data")
    common = dict(base_model=base, max_steps=8, epochs=2, checkpoint_every=100, threshold=1.0, interval=2)
    for d, extra in (("grow", {}), ("fixed", dict(capacity=16))):
        r = train(data, tmp_path/d, **common, **extra); assert r.returncode == 0, r.stderr[-3000:]
    assert sum(ranks(tmp_path/"grow")["ranks"].values()) > len(ranks(tmp_path/"grow")["ranks"])    # it grew
    same_run(tmp_path/"grow", tmp_path/"fixed")
    m = json.loads((tmp_path/"fixed"/"metrics.json").read_text())
    assert all("allocated" in v and v["allocated"] > v["trainable"] for v in m["parameters"].values())

def test_resume_with_another_capacity(tmp_path):
    data = make_folder(tmp_path/"data")
    common = dict(epochs=2, checkpoint_every=4, threshold=1.0, interval=2)
    r = train(data, tmp_path/"whole", max_steps=8, capacity=16, **common); assert r.returncode == 0, r.stderr[-3000:]
    r = train(data, tmp_path/"part", max_steps=4, capacity=16, **common); assert r.returncode == 0, r.stderr[-3000:]
    (tmp_path/"part"/"metrics.json").unlink()        # as if killed after its checkpoint at step 4
    # the ranks at step 4 (at most 3) fit 8: the optimizer's state is cut to 8 ranks, the run carries on as before
    r = train(data, tmp_path/"part", max_steps=8, capacity=8, **common); assert r.returncode == 0, r.stderr[-3000:]
    same_run(tmp_path/"whole", tmp_path/"part")
    # a capacity below the ranks reached: said, with what to do
    (tmp_path/"part"/"metrics.json").unlink()
    r = train(data, tmp_path/"part", max_steps=12, capacity=2, **common)
    assert r.returncode != 0 and "capacity" in r.stderr and "does not fit" in r.stderr, r.stderr[-2000:]

def test_prodigy_with_capacity(tmp_path):
    data = make_folder(tmp_path/"data")
    r = train(data, tmp_path/"p", max_steps=4, epochs=1, capacity=8, optimizer="prodigy", lr=1.0, checkpoint_every=100)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((tmp_path/"p"/"config.json").read_text())["optimizer"] == "prodigy"
    r = train(data, tmp_path/"q", max_steps=4, epochs=1, optimizer="prodigy")     # growing tensors: refused, with the hint
    assert r.returncode != 0 and "set 'capacity'" in r.stderr
    r = train(data, tmp_path/"b", max_steps=4, epochs=1, capacity=8, optimizer="adamw8bit")   # no CUDA here
    assert r.returncode != 0 and "CUDA" in r.stderr
