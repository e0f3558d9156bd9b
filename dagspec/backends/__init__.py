"""Backends: a Plan → a model object of one probabilistic programming library."""

import ctypes.util
import os
import sys

# PyTensor installed from pip does not find a BLAS and warns that matrix products will be slow; point it at the
# system OpenBLAS (Debian's libopenblas-dev, installed by `make`) when there is one and the user set nothing.
if (
    "pytensor" not in sys.modules
    and "blas__ldflags" not in os.environ.get("PYTENSOR_FLAGS", "")
    and ctypes.util.find_library("openblas")
):
    os.environ["PYTENSOR_FLAGS"] = ",".join(
        filter(None, [os.environ.get("PYTENSOR_FLAGS"), "blas__ldflags=-lopenblas"])
    )
