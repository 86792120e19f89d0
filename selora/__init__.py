__version__ = "0.1.0"

from .layer import SeLoRALinear
from .fisher import FisherProbe, fi_ratio
from .grow import SeLoRAGrower
from .inject import add_selora, rank_map, selora_layers, count_parameters
from .io import save_selora, load_selora, export_lora
from .data import load_dataset, collate
from .adapters import make_adapter, total_steps
from .train import TrainConfig, train
from .base import load_base, BaseModelError, BaseConfig, pretrain_base
from .eval import evaluate, generate, clip_score, collect_runs, results_table, MissingWeightsError
from .study import plot_rank_heatmaps, sweep, sweep_grid, quickstart
