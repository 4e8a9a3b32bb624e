"""The data layer (repro/data.py): offline builtins wrapped in `datasets`, cached, stratified; hub names fail fast."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from repro import data


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    # Tests never call the hub: the offline flags are set for every test here (as noxfile.py does).
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _class_counts(labels: torch.Tensor, k: int) -> np.ndarray:
    return np.bincount(labels.numpy(), minlength=k)


@pytest.mark.parametrize(("name", "shape", "n_total"), [("digits", (1, 8, 8), 1797), ("mnist5k", (1, 28, 28), 5000)])
def test_builtin_split_is_stratified_seeded_and_complete(tmp_path, name, shape, n_total):
    d = data.load(name, cache=tmp_path, split_seed=0)
    assert d.image_shape == shape and d.train_images.dtype == torch.uint8 and d.num_classes == 10
    assert d.train_images.shape[0] + d.test_images.shape[0] == n_total
    # Stratified: each class's test share is 20 % of that class up to rounding (a class of c images puts
    # floor or ceil of 0.2·c into test), not merely 20 % overall.
    total = _class_counts(d.train_labels, 10) + _class_counts(d.test_labels, 10)
    share = _class_counts(d.test_labels, 10)
    assert np.all(np.abs(share - 0.2 * total) <= 1.0)
    # Seeded: the same split seed gives the same split; another seed a different one.
    again = data.load(name, cache=tmp_path, split_seed=0)
    assert torch.equal(again.test_images, d.test_images) and torch.equal(again.test_labels, d.test_labels)
    other = data.load(name, cache=tmp_path, split_seed=1)
    assert not torch.equal(other.test_images, d.test_images)


def test_builtin_is_built_once_then_read_from_the_cache(tmp_path):
    data.load("digits", cache=tmp_path)
    (folder,) = (tmp_path / "datasets").iterdir()
    stamp = (folder / "max_value.txt").stat().st_mtime_ns
    data.load("digits", cache=tmp_path)
    # A second load reads the saved Dataset (the marker file is not rewritten) and leaves no temporary folder.
    assert (folder / "max_value.txt").stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "datasets").iterdir()] == [folder.name]
    assert (folder / "dd" / "train" / "dataset_info.json").exists()


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGREG_REPRO_CACHE", str(tmp_path / "here"))
    assert data.cache_dir() == tmp_path / "here"


@pytest.mark.parametrize("name", ["cifar10", "imagenette", "galaxy10", "hf:someone/something"])
def test_hub_names_fail_fast_offline(name):
    # Without the flags, load_dataset with a hub name hangs about 26 s here before failing; ours must refuse
    # at once. 2 s is far below that and far above the name check itself (microseconds).
    start = time.perf_counter()
    with pytest.raises(ValueError, match="hub"):
        data.load(name)
    with pytest.raises(ValueError, match="HF_DATASETS_OFFLINE"):
        data.load(name, online=True)  # asked to go online while the offline flags are set
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("name", ["cifar100000", "", "folder:/no/such/dir"])
def test_unknown_dataset_is_a_value_error(name):
    with pytest.raises(ValueError, match="unknown dataset|no such directory|non-empty"):
        data.load(name)


def test_local_image_folder_is_resized_and_split(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(7)
    for cls in ("cat", "dog"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(10):
            Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(
                tmp_path / "imgs" / cls / f"{i}.png"
            )
    d = data.load(f"folder:{tmp_path / 'imgs'}", image_size=16, channels=1, cache=tmp_path / "cache")
    assert d.image_shape == (1, 16, 16) and d.num_classes == 2 and d.max_value == 255
    assert d.train_images.shape[0] == 16 and np.all(_class_counts(d.test_labels, 2) == 2)
