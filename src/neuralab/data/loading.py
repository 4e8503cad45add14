""":func:`load`, the single entry point: ``load(name, root=..., seed=...)`` returns a
:class:`~neuralab.data.Dataset`, downloading the files first when asked."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neuralab.checks import check_int
from neuralab.data.dataset import Dataset
from neuralab.data.download import download as fetch
from neuralab.data.registry import _canonical, info
from neuralab.data.splits import check_fraction


def _resolve(spec: str) -> Callable[..., Dataset]:
    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func)


def load(
    name: str,
    *,
    root: str | Path | None = None,
    download: bool = False,
    seed: int = 0,
    val_fraction: float | None = None,
    **kwargs: Any,
) -> Dataset:
    """Load a registered dataset as a :class:`Dataset`.

    Parameters
    ----------
    name : str
        One of the names in :func:`list_datasets` (case-insensitive; ``_`` and ``-`` are
        interchangeable, so ``fashion_mnist`` works).
    root : str or Path, optional
        Folder holding the dataset's files. Default: the download cache
        ``$NEURALAB_DATA/<name>`` or ``~/.cache/neuralab/<name>``. Ignored by datasets that need
        no files (digits, runners, toy sets).
    download : bool
        Fetch missing files first with :func:`neuralab.data.download` (only for datasets whose
        :func:`info` says ``downloadable``).
    seed : int
        Seed of the validation (and, where carved, test) split; also the toy generators' seed.
    val_fraction : float, optional
        Fraction of the training pool held out for validation, in ``[0, 1)``. ``None`` uses the
        dataset's default (see ``info(name).splits``).
    **kwargs
        Dataset-specific options listed in ``info(name).options`` (e.g. ``n``, ``noise``,
        ``classes`` for toy sets, ``test_fraction`` where a test split is carved).

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown name (the message lists the allowed names) or a bad option value.
    TypeError
        An option the dataset does not accept (the message lists those it does).
    FileNotFoundError
        The dataset's files are missing (the message names the folder and how to get them).
    """
    key = _canonical(name)
    entry = info(key)
    unknown = sorted(set(kwargs) - set(entry.options))
    if unknown:
        allowed = ", ".join(entry.options) or "none"
        raise TypeError(
            f"load({key!r}) got unexpected option(s) {', '.join(unknown)}; "
            f"options for {key}: {allowed}"
        )
    seed = check_int("seed", seed)
    if val_fraction is not None:
        check_fraction("val_fraction", val_fraction)
    if download:
        if not entry.downloadable:
            raise ValueError(f"download=True: {key} cannot be downloaded (it needs no files)")
        root = fetch(key, root)
    loader = _resolve(entry.loader)
    call: dict[str, Any] = dict(entry.loader_kwargs)
    call.update(kwargs, seed=int(seed))
    if val_fraction is not None:
        call["val_fraction"] = val_fraction
    if entry.needs_files:
        call["root"] = root
    return loader(**call)
