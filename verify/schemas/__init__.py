"""JSON Schemas for every JSON document `verify` writes, one file per kind.

Each kind's schema accepts its result or the shared failure document
(``failure.schema.json``), which it names by ``$id``; `schema_registry`
holds every schema under its ``$id`` so a validator can follow that
reference offline.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

KINDS = (
    "inspect", "analyse", "hash", "keyframes", "index", "bank-export", "match", "report", "batch",
    "doctor", "failure", "journal", "timestamp",
)  # fmt: skip


def load_schema(name: str) -> dict[str, Any]:
    """The schema for documents of kind ``name`` (``inspect``, ``doctor``, ...)."""
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def schema_registry() -> Any:
    """A `referencing.Registry` of every schema by ``$id`` (needs the jsonschema package)."""
    from referencing import Registry, Resource

    schemas = [load_schema(kind) for kind in KINDS]
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
