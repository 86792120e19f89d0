"""Data checks that do not fit a notebook well: many DICOM files, DataLoader worker processes, a fresh interpreter."""
import subprocess, sys, warnings
import numpy as np
import pytest
import torch

pydicom = pytest.importorskip("pydicom")
from conftest import ROOT
from selora.data import (DataError, collate, iu_xray, load_dataset, package_file, read_dicom, _openi_xml)


def _small_dicom(src, dst, view, patient, photometric="MONOCHROME1", value=1000):
    "A 32×40 copy of the real RG1_UNCI.dcm header with new pixels and a chosen ViewPosition"
    ds = pydicom.dcmread(src)
    a = (np.arange(32 * 40, dtype=np.uint16).reshape(32, 40) * 7 + value).astype(np.uint16)
    ds.Rows, ds.Columns, ds.PixelData = 32, 40, a.tobytes()
    ds.ViewPosition, ds.PatientID, ds.PhotometricInterpretation = view, patient, photometric
    ds.save_as(dst)
    return a


@pytest.fixture
def openi_dicom(tmp_path):
    "An OpenI layout with DICOM images (NLMCXR_dcm naming): the frontal filter must read ViewPosition headers"
    rg1 = package_file("data_store", "data", "RG1_UNCI.dcm")
    (tmp_path / "xml").mkdir(); (tmp_path / "dcm").mkdir()
    for i in range(1, 41):
        ids = [f"CXR{i}_IM-{i:04d}-1001", f"CXR{i}_IM-{i:04d}-2001"]
        (tmp_path / "xml" / f"{i}.xml").write_text(_openi_xml(f"CXR{i}", f"Report {i}. XXXX normal.", "", ids))
        # study 7 has no frontal image; study 8 has an empty ViewPosition on its first image
        views = ("LL" if i == 7 else "" if i == 8 else "PA", "LATERAL")
        for im, v in zip(ids, views):
            _small_dicom(rg1, tmp_path / "dcm" / f"{im[3:]}.dcm", v, str(i))
    return tmp_path


def test_openi_dicom_views_from_headers(openi_dicom, tmp_path):
    ds = iu_xray(openi_dicom, "train", size=32, split_file=tmp_path / "s.json")
    c = dict(ds.counts)
    assert ds.info["views"].startswith("DICOM headers")
    assert c["reports parsed"] == 40
    assert c["reports with a frontal image (unknown view: drop)"] == 38   # 7 (lateral only) and 8 (unknown) dropped
    keep = iu_xray(openi_dicom, "train", size=32, unknown_view="keep", split_file=tmp_path / "k.json")
    assert dict(keep.counts)["reports with a frontal image (unknown view: keep)"] == 39
    x = ds[0]
    assert x["pixel_values"].shape == (3, 32, 32) and "XXXX" not in x["prompt"]
    studies = [{it["study"] for it in iu_xray(openi_dicom, s, size=32, split_file=tmp_path / "s.json").items}
               for s in ("train", "val", "test")]
    assert sum(map(len, studies)) == 38 and not (studies[0] & studies[1]) and not (studies[0] & studies[2])


def test_dicom_monochrome_and_window(tmp_path):
    rg1 = package_file("data_store", "data", "RG1_UNCI.dcm")
    a = _small_dicom(rg1, tmp_path / "m1.dcm", "PA", "1", "MONOCHROME1")
    _small_dicom(rg1, tmp_path / "m2.dcm", "PA", "1", "MONOCHROME2")
    m1, m2 = read_dicom(tmp_path / "m1.dcm"), read_dicom(tmp_path / "m2.dcm")
    np.testing.assert_allclose(m1, 1 - m2, atol=1e-6)                  # MONOCHROME1 is the inverse
    expect = np.clip((a - 14999.5) / 29999 + 0.5, 0, 1)                 # RG1's window 15000/30000
    np.testing.assert_allclose(m2, expect, atol=1e-5)


def test_unreadable_dicom_in_dataset(openi_dicom, tmp_path):
    ds = iu_xray(openi_dicom, "train", size=32, split_file=tmp_path / "s.json")
    victim = ds.items[0]["path"]
    victim.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00" * 10)       # header ok at build time, pixels unreadable
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        x = ds[0]
    assert x["id"] != ds.items[0]["id"] and ds.items[0]["id"] in ds.skipped
    assert any(victim.name in str(m.message) for m in w)
    ds.strict = True                                                    # strict=True raises, naming the file
    with pytest.raises(DataError, match=victim.name):
        ds[0]


def test_dataloader_workers_phantom():
    ds = load_dataset("phantom_iu", split="val", size=64)
    dl = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, collate_fn=collate)
    b = next(iter(dl))
    assert b["pixel_values"].shape == (8, 3, 64, 64) and len(b["labels"]) == 8 and len(b["prompt"]) == 8
    # same items in a worker process as in this one: rendering depends only on seed and image id
    assert torch.equal(b["pixel_values"][3], ds[3]["pixel_values"])


def test_no_import_circles():
    "No selora module imports another that imports it back, at module level or inside a function (the import graph is acyclic)"
    import ast
    graph = {}
    for f in sorted((ROOT/"selora").glob("*.py")):
        mod, deps = f.stem, set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom):
                name = ("selora." + node.module if node.level and node.module else node.module or "")
                if node.level and not node.module: deps |= {a.name for a in node.names}
                elif name.startswith("selora."): deps.add(name.split(".")[1])
                elif name == "selora": deps |= {a.name for a in node.names if (ROOT/"selora"/f"{a.name}.py").exists()}
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("selora.")}
        graph[mod] = {d for d in deps if (ROOT/"selora"/f"{d}.py").exists() and d != mod}
    done = set()
    def cycle(node, path):          # depth-first; a module whose imports were all explored is not explored again
        for d in sorted(graph[node]):
            if d in path: return path[path.index(d):] + [d]
            if d not in done and (c := cycle(d, path + [d])): return c
        done.add(node)
    for m in sorted(graph):
        c = cycle(m, [m])
        assert c is None, f"import circle: {' -> '.join(c)}"
    assert "training" not in {d for m, ds in graph.items() for d in ds if m == "objectives"}   # the losses sit below the loop


def test_patchgastric_trains_in_colour(tmp_path, monkeypatch):
    "Appendix C.2's draw (5 subtypes × 1,000 patches, 70/10/20 by slide) from a release-shaped root trains on the tiny base, in colour"
    import json
    from selora.config import TrainConfig
    from selora.data import _patchgastric_root, run_dataset
    from selora.training import train
    monkeypatch.setenv("SELORA_CACHE", str(tmp_path / "cache"))
    root = _patchgastric_root(tmp_path / "pg", slides=5, patches=200, folder="patches_captioning", side=24)
    cfg = TrainConfig(dataset="patchgastric", data_dir=str(root), base_model="tiny", resolution=16, batch_size=2,
                      max_steps=2, split_fractions=[0.7, 0.1, 0.2], out_dir=str(tmp_path / "run"))
    splits = {s: run_dataset(cfg, s) for s in ("train", "val", "test")}
    assert sum(len(d) for d in splits.values()) == 5000                     # 5 × 1,000 drawn pairs
    slides = [{it["slide"] for it in d.items} for d in splits.values()]
    assert [len(s) for s in slides] == [18, 2, 5] and not (slides[0] & slides[1] or slides[0] & slides[2] or slides[1] & slides[2])
    x = splits["train"][0]["pixel_values"]
    assert x.shape == (3, 16, 16) and (x[0] - x[2]).abs().mean() > 0.05     # the red and blue channels differ
    m = train(cfg, progress=False)
    assert m["steps"] == 2
    assert json.loads((tmp_path / "run" / "config.json").read_text())["split_fractions"] == [0.7, 0.1, 0.2]
