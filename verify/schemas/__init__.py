"""JSON Schemas for every JSON document `verify` writes, one file per kind."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """The schema for documents of kind ``name`` (``inspect``, ``doctor``, ...)."""
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)
