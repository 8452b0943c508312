"""Parameter sweeps: grids, random and Optuna search, walk-forward, over local cores or Ray."""
