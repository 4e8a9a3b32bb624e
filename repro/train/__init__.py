"""LeJEPA training: one run, its configuration, its loss and its evaluation.

Inside, bottom to top:
- distributed: rank, world size and the all-reduce mean that keeps a gradient global under DDP.
- augment: the views of each image (crops, flips, jitter) from a seeded generator.
- loss: the LeJEPA loss with any SIGReg variant (reference ids or the engine), and R1 under a process group.
- evaluation: frozen-feature probes (linear, k-shot, kNN) and collapse diagnostics.
- config: `TrainConfig` in parts (data, model, optim, sigreg, eval) with flat keys (`make_config`, `override`).
- loop: `train` (steps, checkpoints, resume, result.json) and `run_baseline`.
- ddp: `spawn_train`, W local processes as torchrun would start them (tests and checks).
- cli: `python -m repro train`; __main__: `python -m repro.train`, the torchrun entry point.

Who may import it: the rest of `repro` (experiments, diagnose, models import `distributed`) and tests; `checks`
reads its results as JSON, never the module.
"""
