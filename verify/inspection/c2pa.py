"""C2PA manifests (Content Credentials): who signed the file's history, and what it claims.

Cameras, phones and editing or generating tools can embed a signed manifest
store: the claim generator, the signer's certificate, the signing time, the
actions taken (``c2pa.created``, ``c2pa.edited``, ...), the ingredients a
file was made from, and whether the picture was made by generative AI (an
IPTC digital source type). The ``c2pa-python`` library (``verify[c2pa]``)
reads and validates it; `read_c2pa` turns its report into a value. A file
without a manifest, or without the library installed, gives None.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

AI_SOURCE_TYPES = ("trainedalgorithmicmedia", "compositewithtrainedalgorithmicmedia",
                   "compositesynthetic", "algorithmicmedia")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class C2paFacts:
    """The active manifest of a file's C2PA store, as the library validated it."""

    state: str  # "valid", "trusted" or "invalid", as the library judges the store
    claim_generator: str | None
    signer: str | None  # the signing certificate's common name
    issuer: str | None  # its organisation, as the library reports it
    signed_at: str | None  # the signing time the signature carries (a trusted timestamp), if any
    actions: tuple[str, ...]
    digital_source_types: tuple[str, ...]
    ingredients: tuple[str, ...]
    problems: tuple[str, ...]  # validation codes that are failures, with their explanation
    untrusted_signer: bool  # the signing certificate chains to no trust anchor known here
    manifests: int

    @property
    def ai_generated(self) -> bool:
        return any(
            t.lower().rsplit("/", 1)[-1] in AI_SOURCE_TYPES for t in self.digital_source_types
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in ("actions", "digital_source_types", "ingredients", "problems"):
            data[name] = list(data[name])
        data["ai_generated"] = self.ai_generated
        return data


def read_c2pa(path: str | os.PathLike[str] | bytes) -> C2paFacts | None:
    """The file's C2PA facts, or None (no manifest, an unsupported format, no library)."""
    try:
        import c2pa
    except ImportError:
        return None
    try:
        reader = c2pa.Reader(os.fsdecode(path))
    except Exception:  # the library reports "no manifest" and unsupported formats as errors
        return None
    try:
        store = json.loads(reader.json())
        state = str(reader.get_validation_state() or "").lower() or "invalid"
    except Exception:
        return C2paFacts("invalid", None, None, None, None, (), (), (),
                         ("the manifest store cannot be read",), False, 0)  # fmt: skip
    finally:
        reader.close()
    return _facts(store, state)


def _facts(store: dict[str, Any], state: str) -> C2paFacts:
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    generator = active.get("claim_generator")
    if not generator and active.get("claim_generator_info"):
        info = active["claim_generator_info"][0]
        generator = " ".join(str(info.get(k)) for k in ("name", "version") if info.get(k))
    signature = active.get("signature_info") or {}
    actions, sources = [], []
    for assertion in active.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in (assertion.get("data") or {}).get("actions") or []:
                actions.append(str(action.get("action")))
                if action.get("digitalSourceType"):
                    sources.append(str(action["digitalSourceType"]))
    ingredients = tuple(
        f"{i.get('title') or 'untitled'} ({i.get('relationship') or 'ingredient'})"
        for i in active.get("ingredients") or []
    )
    statuses = store.get("validation_status") or []
    codes = [str(s.get("code")) for s in statuses]
    problems = tuple(
        f"{s.get('code')}: {s.get('explanation') or ''}".strip(": ")
        for s in statuses
        if s.get("code") != "signingCredential.untrusted"
    )
    return C2paFacts(
        state, generator, signature.get("common_name"), signature.get("issuer"),
        signature.get("time"), tuple(actions), tuple(sources), ingredients, problems,
        "signingCredential.untrusted" in codes, len(manifests),
    )  # fmt: skip
