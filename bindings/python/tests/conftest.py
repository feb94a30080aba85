import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "test-vectors"
SHARED = pathlib.Path(__file__).resolve().parents[4] / "shared" / "vectors"


def load_vectors(name):
    with open(VECTORS / name, encoding="utf-8") as f:
        return json.load(f)


def load_shared(relative):
    """A file under ../shared/vectors, or a pytest skip saying it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared vector file {path} is absent")
    with open(path, encoding="utf-8") as f:
        return json.load(f)
