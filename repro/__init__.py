"""The SIGReg engine and what is built on it: `python -m repro <command>`.

Inside:
- sigreg: the engine (`sigreg`, `SIGRegLoss`, `draw_directions`), importing torch, numpy and `reference`'s input checks.
- train/: one LeJEPA run (config, loss, loop, evaluation; `train`, and `python -m repro.train` for torchrun);
  data and models: the data sets and encoders it trains on.
- experiments: the replication E1-E8 (`replicate`); demo: E5, point clouds optimised with SIGReg (`demo`).
- bench/: time and memory of the engine against R1 (`bench`); diagnose: the engine's diagnostic on stored
  embeddings (`diagnose`).

Who may import it: users (the engine alone needs no extra) and tests; `checks` runs its commands as processes.
It imports `core` and `reference`, never `checks`: it writes JSON, and the report renders it (tests/test_layout.py).
"""
