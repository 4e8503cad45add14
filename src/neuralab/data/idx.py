"""The IDX file format of MNIST and Fashion-MNIST: :func:`read_idx`.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, ``ndim`` big-endian uint32
dimensions, then the data in C order; the files may be gzipped (``.gz``). The header is read by
hand with numpy; every problem with a file raises a ``ValueError`` that names it. The MNIST
loaders that read the four standard files live in :mod:`neuralab.data.images`.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

IDX_LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension
IDX_IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
# IDX type codes (third magic byte) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path: Path) -> bytes:
    """Whole file contents, transparently gunzipped for ``*.gz``."""
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read()
        except (OSError, EOFError, zlib.error) as err:
            # BadGzipFile (an OSError), EOFError for a cut-off stream, zlib.error for bad data.
            raise ValueError(f"{path}: corrupt or truncated gzip file ({err})") from err
    return path.read_bytes()


def read_idx(path: str | Path, *, magic: int | None = None) -> np.ndarray:
    """Parse one IDX file (raw or ``.gz``) into a numpy array.

    The IDX format: a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
    uint32 dimensions, then the data in C order.

    Parameters
    ----------
    path : str or Path
    magic : int, optional
        Required magic number, e.g. ``0x00000801`` (labels) or ``0x00000803`` (images).

    Returns
    -------
    numpy.ndarray
        Shape given by the header, native-endian version of the header's dtype (``uint8`` for
        MNIST).

    Raises
    ------
    ValueError
        Wrong magic number, too-short header, or a byte count that does not match the dims
        (truncated or padded file); the message names the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(
            f"{path}: not an IDX file: {len(raw)} bytes, shorter than the magic number"
        )
    found = int.from_bytes(raw[:4], "big")
    code, ndim = raw[2], raw[3]
    if raw[0] != 0 or raw[1] != 0 or code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{path}: bad IDX magic number 0x{found:08x}; expected 0x00000801 (labels) or "
            "0x00000803 (images) — is this an MNIST file?"
        )
    if magic is not None and found != magic:
        raise ValueError(
            f"{path}: IDX magic number 0x{found:08x} does not match the expected 0x{magic:08x} "
            f"({'labels' if magic == IDX_LABELS_MAGIC else 'images'} file); were the image and "
            "label files swapped or renamed?"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, file has "
            f"{len(raw)}"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: {what}: the header says shape {dims} ({expected - header} data bytes) but "
            f"the file holds {len(raw) - header} data bytes"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="), copy=False)
