"""The engine under torch.distributed: a real gloo process group of 2 spawned processes (no mocks).

The criteria (docs/discrepancies.md#d18, docs/variants.md#peers): on every rank the value equals the statistic
of the global batch (all ranks' samples together), and each rank's gradient with respect to its own samples is
W times the corresponding slice of the global gradient, so that DistributedDataParallel's averaging yields the
true gradient. Everything is float64, so "equal" means equal up to the order of a two-term sum (1e-12 relative).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from core.pool import one_thread
from repro.sigreg import SIGRegLoss, draw_directions, sigreg

WORLD = 2
K, M, K_IN = 8, 16, 6
EQUAL, UNEQUAL = (64, 64), (40, 88)


def _global_batch(sizes: tuple[int, ...], seed: int, shape: tuple[int, ...] = (K,)) -> torch.Tensor:
    return torch.randn((sum(sizes), *shape), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _local(x: torch.Tensor, sizes: tuple[int, ...], rank: int, dim: int = 0) -> torch.Tensor:
    return x.split(list(sizes), dim=dim)[rank]


def _directions() -> torch.Tensor:
    a = draw_directions(K, M, step=0, dtype=torch.float64)
    return a / a.norm(dim=0)


def _model(seed: int) -> torch.nn.Linear:
    model = torch.nn.Linear(K_IN, K, dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.weight.copy_(torch.randn(K, K_IN, generator=generator, dtype=torch.float64))
        model.bias.copy_(torch.randn(K, generator=generator, dtype=torch.float64))
    return model


def _value_and_grad(x: torch.Tensor, **options) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.detach().clone().requires_grad_()
    value = sigreg(x, _directions(), **options)
    value.backward()
    return value.detach(), x.grad


def _worker(rank: int, init_file: str, out_dir: str) -> None:
    one_thread()
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    try:
        results = {
            "equal": _value_and_grad(_local(_global_batch(EQUAL, 1), EQUAL, rank)),
            "unequal": _value_and_grad(_local(_global_batch(UNEQUAL, 2), UNEQUAL, rank)),
            "local": _value_and_grad(_local(_global_batch(EQUAL, 1), EQUAL, rank), sync=False),
            "views": _value_and_grad(_local(_global_batch(EQUAL, 3, (3, K)).transpose(0, 1), EQUAL, rank, dim=1)),
        }
        model = _model(seed=4)
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        loss = SIGRegLoss(M)(ddp(_local(_global_batch(UNEQUAL, 5, (K_IN,)), UNEQUAL, rank)), step=0)
        loss.backward()  # DDP all-reduces and averages the parameter gradients here
        results["ddp"] = (loss.detach(), model.weight.grad, model.bias.grad)
        torch.save(results, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    # One spawn for the whole module (~5 s): each test below reads a different part of the ranks' results.
    tmp = tmp_path_factory.mktemp("ddp")
    mp.spawn(_worker, args=(str(tmp / "init"), str(tmp)), nprocs=WORLD, join=True)
    return [torch.load(tmp / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.parametrize("case, sizes, seed", [("equal", EQUAL, 1), ("unequal", UNEQUAL, 2)])
def test_value_is_global_and_gradient_is_world_times_slice(ranks, case, sizes, seed):
    # Unequal local batches too: the engine all-reduces sums and counts, not means times the local N.
    value, grad = _value_and_grad(_global_batch(sizes, seed))
    for rank, result in enumerate(ranks):
        local_value, local_grad = result[case]
        torch.testing.assert_close(local_value, value, rtol=1e-12, atol=0)
        torch.testing.assert_close(local_grad, WORLD * _local(grad, sizes, rank), rtol=1e-10, atol=1e-14)


def test_per_view_input_is_reduced_per_view_across_ranks(ranks):
    # (V, N, K) split along N: each view's statistic is that view's global-batch statistic.
    x = _global_batch(EQUAL, 3, (3, K)).transpose(0, 1)
    value, grad = _value_and_grad(x)
    for rank, result in enumerate(ranks):
        torch.testing.assert_close(result["views"][0], value, rtol=1e-12, atol=0)
        torch.testing.assert_close(result["views"][1], WORLD * _local(grad, EQUAL, rank, dim=1), rtol=1e-10, atol=1e-14)


def test_sync_false_is_the_local_statistic(ranks):
    # Negative control: without the all-reduce each rank sees only its own batch, which differs from the global.
    global_value = _value_and_grad(_global_batch(EQUAL, 1))[0]
    for rank, result in enumerate(ranks):
        local_value = _value_and_grad(_local(_global_batch(EQUAL, 1), EQUAL, rank))[0]
        torch.testing.assert_close(result["local"][0], local_value, rtol=1e-12, atol=0)
        assert abs(float(result["local"][0] / global_value) - 1) > 1e-3


def test_ddp_training_gradient_equals_single_process(ranks):
    # After DDP averages the per-rank parameter gradients (each W × its slice), they are exactly the
    # gradient of SIGReg on the global batch in one process, with unequal local batch sizes.
    model = _model(seed=4)
    loss = SIGRegLoss(M)(model(_global_batch(UNEQUAL, 5, (K_IN,))), step=0)
    loss.backward()
    for result in ranks:
        value, weight_grad, bias_grad = result["ddp"]
        torch.testing.assert_close(value, loss.detach(), rtol=1e-12, atol=0)
        torch.testing.assert_close(weight_grad, model.weight.grad, rtol=1e-10, atol=1e-14)
        torch.testing.assert_close(bias_grad, model.bias.grad, rtol=1e-10, atol=1e-14)
