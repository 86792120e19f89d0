__version__ = "0.1.0"

# The public names, each imported from its module on first use (PEP 562), so that `import selora.layer` (the core:
# layer, fisher, grow, inject, io) loads torch and safetensors only, not diffusers, pandas or torch-fidelity.
import importlib, importlib.util

_PUBLIC = {
    "layer": ("SeLoRALinear", "lora_parameters"),
    "fisher": ("FisherProbe", "fi_ratio"),
    "grow": ("SeLoRAGrower",),
    "inject": ("add_selora", "rank_map", "selora_layers", "count_parameters"),
    "io": ("save_selora", "load_selora", "export_lora"),
    "data": ("load_dataset", "collate"),
    "peft_tuner": ("SeLoRAConfig",),
    "methods": ("make_adapter",),
    "peft_adapters": ("total_steps",),
    "config": ("TrainConfig",),
    "training": ("train",),
    "pipelines": ("load_base", "BaseModelError"),
    "base": ("BaseConfig", "pretrain_base"),
    "eval": ("evaluate", "generate", "clip_score", "collect_runs", "results_table", "MissingWeightsError"),
    "study": ("plot_rank_heatmaps", "sweep", "sweep_grid", "quickstart"),
}
_WHERE = {name: mod for mod, names in _PUBLIC.items() for name in names}
__all__ = list(_WHERE)

def __getattr__(name):
    if name not in _WHERE:   # a submodule, as after the eager imports this file once made (`import selora; selora.inject`)
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"): return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value

def __dir__(): return sorted(set(globals()) | set(_WHERE))
