"""Image data sets as arrays: ``(N, C, H, W)`` float32 in [0, 1] plus integer labels.

- ``digits``: scikit-learn's bundled 8x8 digits (offline, inside the scikit-learn wheel).
- ``mnist`` / ``fashion_mnist``: torchvision's loaders, reading ``data.root`` (the
  ``<root>/MNIST/raw`` or ``<root>/FashionMNIST/raw`` idx files) and downloading when allowed.
- ``cifar10``: the python-pickle batches under ``<root>/cifar-10-batches-py`` (read here;
  torchvision is only needed to download them).
- ``folder``: any folder of images, resized; classes are its sub-folders (if any).

torchvision is the optional extra ``rlgan[vision]`` and is imported only when needed.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rlgan.common.errors import ConfigError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_MNIST_FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
_MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_CIFAR_FOLDER = "cifar-10-batches-py"


@dataclass
class ImageArrays:
    """Images ``(N, C, H, W)`` float32 in [0, 1], labels ``(N,)`` int64 or ``None``."""

    images: np.ndarray
    labels: np.ndarray | None
    class_names: list[str]


def require_torchvision(what: str):  # noqa: ANN201 - returns the torchvision module
    """Import torchvision or raise a :class:`ConfigError` naming the extra to install."""
    try:
        import torchvision
    except ImportError as err:
        raise ConfigError(
            f"{what} needs torchvision, which is not installed: run "
            "`pip install rlgan[vision]` (or pick data=digits, cifar10 with "
            "the batches already in data.root, or folder)."
        ) from err
    return torchvision


def load_digits() -> ImageArrays:
    """scikit-learn's 1,797 bundled 8x8 digits (pixel values 0..16)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = (bunch.images.astype(np.float32) / 16.0)[:, None]
    return ImageArrays(images, bunch.target.astype(np.int64), [str(i) for i in range(10)])


def load_mnist_like(name: str, root: str | None, download: bool) -> ImageArrays:
    """MNIST or Fashion-MNIST training set through torchvision (``name`` picks which)."""
    folder = _MNIST_FOLDERS[name]
    root_path = Path(root or "data").expanduser()
    expected = ", ".join(str(root_path / folder / "raw" / f) for f in _MNIST_FILES)
    tv = require_torchvision(f"data={name}")
    cls = tv.datasets.MNIST if name == "mnist" else tv.datasets.FashionMNIST
    try:
        dataset = cls(str(root_path), train=True, download=False)
    except RuntimeError:
        if not download:
            raise ConfigError(
                f"Invalid data.root={str(root)!r} for data={name}: expected the "
                f"idx files {expected} (set data.download=true to fetch "
                "them)."
            ) from None
        try:
            dataset = cls(str(root_path), train=True, download=True)
        except Exception as err:  # noqa: BLE001 - no network, mirror down, ...
            raise ConfigError(
                f"Invalid data.root={str(root)!r} for data={name}: the files "
                f"are not there ({expected}) and downloading them failed "
                f"({type(err).__name__}: {err}). Put the idx files there or "
                "run once with network access."
            ) from None
    images = dataset.data.numpy().astype(np.float32)[:, None] / 255.0
    labels = dataset.targets.numpy().astype(np.int64)
    return ImageArrays(images, labels, list(dataset.classes))


def load_cifar10(root: str | None, download: bool) -> ImageArrays:
    """CIFAR-10 training batches (``data_batch_*`` pickles under ``<root>/cifar-10-batches-py``)."""
    root_path = Path(root or "data").expanduser()
    folder = root_path / _CIFAR_FOLDER
    batches = sorted(folder.glob("data_batch_*")) if folder.is_dir() else []
    if not batches and download:
        tv = require_torchvision("downloading data=cifar10")
        try:
            tv.datasets.CIFAR10(str(root_path), train=True, download=True)
        except Exception as err:  # noqa: BLE001 - no network, mirror down, ...
            raise ConfigError(
                f"Invalid data.root={str(root)!r} for data=cifar10: expected "
                f"{folder}/data_batch_1..5 and downloading them failed "
                f"({type(err).__name__}: {err})."
            ) from None
        batches = sorted(folder.glob("data_batch_*"))
    if not batches:
        raise ConfigError(
            f"Invalid data.root={str(root)!r} for data=cifar10: expected the "
            f"python batches {folder}/data_batch_1..5 (set data.download=true "
            "to fetch them)."
        )
    images, labels = [], []
    for path in batches:
        try:
            with path.open("rb") as handle:
                batch = pickle.load(handle, encoding="bytes")
            data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            images.append(data)
            labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
        except Exception as err:  # noqa: BLE001 - report which file is broken
            raise ConfigError(
                f"Invalid CIFAR-10 batch {path}: cannot read it ({type(err).__name__}: {err})."
            ) from None
    names = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    return ImageArrays(
        np.concatenate(images).astype(np.float32) / 255.0, np.concatenate(labels), names
    )


def load_folder(root: str | None, image_size: int, channels: int) -> ImageArrays:
    """Every image under ``root`` (recursively), resized to ``image_size`` squared.

    Images in sub-folders get the sub-folder's name as their class; the classifier-based
    metrics need at least two classes.
    """
    from PIL import Image, UnidentifiedImageError

    if not root:
        raise ConfigError("data=folder needs data.root=<folder of images> (png, jpg, ...).")
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"Invalid data.root={str(root)!r}: no such folder. data=folder "
            "needs a folder of images (png, jpg, ...)."
        )
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ConfigError(
            f"Invalid data.root={str(root)!r}: the folder holds no images "
            f"(looked for {', '.join(IMAGE_SUFFIXES)})."
        )
    mode = {1: "L", 3: "RGB"}[channels]
    class_of = sorted({p.parent.relative_to(folder).as_posix() for p in files})
    images, labels = [], []
    for path in files:
        try:
            with Image.open(path) as img:
                img = img.convert(mode).resize((image_size, image_size), Image.BILINEAR)
                array = np.asarray(img, dtype=np.float32) / 255.0
        except (UnidentifiedImageError, OSError) as err:
            raise ConfigError(
                f"Invalid image {path} in data.root={str(root)!r}: cannot read "
                f"it ({err}). Remove it or fix the file."
            ) from None
        images.append(array[None] if channels == 1 else array.transpose(2, 0, 1))
        labels.append(class_of.index(path.parent.relative_to(folder).as_posix()))
    return ImageArrays(np.stack(images), np.asarray(labels, dtype=np.int64), class_of)
