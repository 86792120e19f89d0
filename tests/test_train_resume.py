"""Kill a training process with SIGKILL at a random moment, resume it, and compare with an uninterrupted run."""
import csv, importlib.util, json, random, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import make_folder, cmd, env, adapter_tensors, logged_steps

def test_sigkill_and_resume(tmp_path):
    data = make_folder(tmp_path/"data")
    full = subprocess.run(cmd(data, tmp_path/"full"), env=env(), capture_output=True, text=True, timeout=900)
    assert full.returncode == 0, full.stderr[-3000:]

    out = tmp_path/"killed"
    p = subprocess.Popen(cmd(data, out), env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not (out/"checkpoints"/"latest").exists():           # wait for a first checkpoint, then kill at a random moment
        assert p.poll() is None, p.stderr.read()[-3000:]
        assert time.time() - t0 < 600; time.sleep(0.05)
    time.sleep(random.Random().uniform(0, 2.0))
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (out/"metrics.json").exists(), "the run finished before the kill: the test did not test a resume"

    # the last checkpoint loads, and at most one checkpoint interval was lost
    latest = out/"checkpoints"/(out/"checkpoints"/"latest").read_text().strip()
    ck_step = json.loads((latest/"train_state.json").read_text())["step"]
    assert max(logged_steps(out)) - ck_step <= 1

    res = subprocess.run(cmd(data, out), env=env(), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]

    assert json.loads((out/"ranks.json").read_text()) == json.loads((tmp_path/"full"/"ranks.json").read_text())
    a, b = adapter_tensors(tmp_path/"full"/"last_adapter.safetensors"), adapter_tensors(out/"last_adapter.safetensors")
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-6
    assert logged_steps(out) == logged_steps(tmp_path/"full")          # no step lost or logged twice
    m_full, m_res = (json.loads((d/"metrics.json").read_text()) for d in (tmp_path/"full", out))
    assert m_full["val_losses"] == m_res["val_losses"] and m_full["total_rank"] == m_res["total_rank"]

def test_cli_rejects_bad_config(tmp_path):
    r = subprocess.run(cmd(tmp_path, tmp_path/"o", batch_size="eight"), env=env(), capture_output=True, text=True)
    assert r.returncode == 2 and "batch_size" in r.stderr
    bad = tmp_path/"bad.json"; bad.write_text(json.dumps({"learning_rate": 1e-4}))
    r = subprocess.run([str(Path(sys.executable).parent/"selora-train"), "--config", str(bad)], env=env(), capture_output=True, text=True)
    assert r.returncode == 2 and "unknown config key 'learning_rate'" in r.stderr

def test_resume_with_grad_accum(tmp_path):
    "A run accumulating 2 micro-batches per step, stopped at a checkpoint (step 8, mid-epoch) and resumed, ends where an uninterrupted one ends"
    data = make_folder(tmp_path/"data")
    over = dict(epochs=2, grad_accum=2)
    full = subprocess.run(cmd(data, tmp_path/"full", **over), env=env(), capture_output=True, text=True, timeout=900)
    assert full.returncode == 0, full.stderr[-3000:]
    out = tmp_path/"part"
    part = subprocess.run(cmd(data, out, **over, max_steps=9), env=env(), capture_output=True, text=True, timeout=900)
    assert part.returncode == 0, part.stderr[-3000:]
    (out/"metrics.json").unlink()                      # as if it had died after its checkpoint of step 8 (mid-epoch)
    shutil.rmtree(out/"checkpoints"/"checkpoint-0000009")
    res = subprocess.run(cmd(data, out, **over), env=env(), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads((out/"ranks.json").read_text()) == json.loads((tmp_path/"full"/"ranks.json").read_text())
    a, b = adapter_tensors(tmp_path/"full"/"last_adapter.safetensors"), adapter_tensors(out/"last_adapter.safetensors")
    assert a.keys() == b.keys() and max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-6
    assert logged_steps(out) == logged_steps(tmp_path/"full") == list(range(1, 13))
    m_full, m_res = (json.loads((d/"metrics.json").read_text()) for d in (tmp_path/"full", out))
    assert m_full["val_losses"] == m_res["val_losses"] and m_res["grad_accum"] == 2

def test_accelerate_mixed_precision_is_refused_not_dropped(tmp_path):
    "`accelerate launch --mixed_precision bf16` sets ACCELERATE_MIXED_PRECISION; a run whose own precision differs says so and stops"
    data = make_folder(tmp_path/"data", n_train=8, n_val=4)
    r = subprocess.run(cmd(data, tmp_path/"o", epochs=1), env=env() | {"ACCELERATE_MIXED_PRECISION": "bf16"}, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "accelerate asks for mixed precision 'bf16'" in r.stderr and "--mixed_precision bf16" in r.stderr, r.stderr[-2000:]
    assert not (tmp_path/"o"/"checkpoints").exists()       # refused before any training

def test_resume_with_random_flip_and_crop(tmp_path):
    """A run with random flips and crops (on 20 of its 24 training images) stopped mid-epoch and carried on, in its own folder
    and from its checkpoint in another, ends where an uninterrupted one ends: the flips and crops are drawn from the seed,
    the epoch and the item, not from a global random state"""
    data = make_folder(tmp_path/"data", shape=(32, 40))          # wider than the 32 px side: a random crop has 9 offsets
    over = dict(epochs=2, random_flip="true", center_crop="false", max_train_samples=20)   # 5 steps an epoch
    run = lambda out, **kw: subprocess.run(cmd(data, out, **over, **kw), env=env(), capture_output=True, text=True, timeout=900)
    full = run(tmp_path/"full")
    assert full.returncode == 0, full.stderr[-3000:]
    out = tmp_path/"part"
    part = run(out, max_steps=7)
    assert part.returncode == 0, part.stderr[-3000:]
    ck6 = out/"checkpoints"/"checkpoint-0000006"                  # inside the second epoch
    branch = run(tmp_path/"branch", resume_from_checkpoint=str(ck6), report_to="none")   # another folder, from its step 6
    assert branch.returncode == 0, branch.stderr[-3000:]
    (out/"metrics.json").unlink()                                  # as if it had died after its checkpoint of step 6
    shutil.rmtree(out/"checkpoints"/"checkpoint-0000007")
    res = run(out)
    assert res.returncode == 0, res.stderr[-3000:]
    a = adapter_tensors(tmp_path/"full"/"last_adapter.safetensors")
    m_full = json.loads((tmp_path/"full"/"metrics.json").read_text())
    assert m_full["steps"] == 10 and m_full["train_items"] == 20
    for d in (out, tmp_path/"branch"):
        assert json.loads((d/"ranks.json").read_text()) == json.loads((tmp_path/"full"/"ranks.json").read_text())
        b = adapter_tensors(d/"last_adapter.safetensors")
        assert a.keys() == b.keys() and max((a[k] - b[k]).abs().max().item() for k in a) == 0, d
        assert logged_steps(d) == logged_steps(tmp_path/"full") == list(range(1, 11))
        assert json.loads((d/"metrics.json").read_text())["val_losses"] == m_full["val_losses"]
    assert (tmp_path/"full"/"tensorboard").is_dir() and not (tmp_path/"branch"/"tensorboard").exists()   # report_to none
    cfg = json.loads((out/"config.json").read_text())
    assert (cfg["random_flip"], cfg["center_crop"], cfg["max_train_samples"], cfg["image_interpolation_mode"]) == (True, False, 20, "bicubic")
    # the flips change the run: without them it is another one
    plain = subprocess.run(cmd(data, tmp_path/"plain", epochs=2, max_train_samples=20), env=env(), capture_output=True, text=True, timeout=900)
    assert plain.returncode == 0, plain.stderr[-3000:]
    losses = lambda d: [r["loss"] for r in csv.DictReader((d/"log.csv").open())]
    assert losses(tmp_path/"plain") != losses(tmp_path/"full")

def test_report_to_wandb_needs_the_package(tmp_path):
    "report_to=wandb without wandb installed stops before any training, naming the package and how to install it"
    if importlib.util.find_spec("wandb") is not None: pytest.skip("wandb is installed here")
    data = make_folder(tmp_path/"data", n_train=8, n_val=4)
    r = subprocess.run(cmd(data, tmp_path/"o", epochs=1, report_to="wandb"), env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "config field 'report_to'='wandb' needs the 'wandb' package" in r.stderr and "pip install wandb" in r.stderr, r.stderr[-2000:]
    assert not (tmp_path/"o").exists()                              # refused before anything
