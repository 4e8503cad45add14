"""Datasets: loading, splitting, toy generators, downloads and preprocessing.

Quick tour::

    from neuralab import data

    data.list_datasets()                      # what is available (name, task, needs files)
    ds = data.load("digits", seed=0)          # Dataset with train / val / test splits
    ds = data.load("mnist", root="~/mnist")   # IDX files, raw or .gz
    X, y = data.toy("spiral", n=400, noise=0.1, classes=3)
    x, y = data.runners()                     # the lecture's age -> speed table
    ds = data.apply(ds, data.flatten, data.ImageScaler())   # images: mean image, one std
    ds = data.apply(ds, data.Standardizer())  # features: per feature; stats from train only
    data.download("cifar10")                  # -> ~/.cache/neuralab/cifar10

Importing this package is light: numpy and the standard library only. scikit-learn (digits),
urllib (downloads) and rich (progress bars) are imported by the functions that use them.
"""

from neuralab.data.cifar import RestrictedUnpickler, UnsafePickleError
from neuralab.data.dataset import Dataset, DatasetNotice
from neuralab.data.download import SOURCES, DownloadError, RemoteFile, Source, download
from neuralab.data.idx import read_idx
from neuralab.data.loading import load
from neuralab.data.preprocess import (
    ImageScaler,
    MeanImage,
    Standardizer,
    apply,
    flatten,
    standardize,
    subtract_mean,
)
from neuralab.data.registry import DatasetInfo, data_home, info, list_datasets
from neuralab.data.runners import runners
from neuralab.data.splits import random_split, stratified_split
from neuralab.data.toy2d import TOY_SETS, toy, toy_names

__all__ = [
    "SOURCES",
    "TOY_SETS",
    "Dataset",
    "DatasetInfo",
    "DatasetNotice",
    "DownloadError",
    "ImageScaler",
    "MeanImage",
    "RemoteFile",
    "RestrictedUnpickler",
    "Source",
    "Standardizer",
    "UnsafePickleError",
    "apply",
    "data_home",
    "download",
    "flatten",
    "info",
    "list_datasets",
    "load",
    "random_split",
    "read_idx",
    "runners",
    "standardize",
    "stratified_split",
    "subtract_mean",
    "toy",
    "toy_names",
]
