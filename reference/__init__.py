"""Faithful re-implementations of every published SIGReg variant, plus an exact oracle.

Notation used outside the per-source modules (inside them each source keeps its own names):
N samples per batch or view, K embedding dimensions, M slice directions, T quadrature knots, V views.

`REGISTRY[id].evaluate(x, directions)` returns the loss exactly as that source returns it, for x of shape
(N, K) or (V, N, K) and directions of shape (K, M) with unit columns (see `_variant.Variant`).
"""

from __future__ import annotations

from types import MappingProxyType

from ._ecf import cos_sin_error, folded_trapezoid
from ._provenance import Deviation, Source
from ._variant import Variant, check_directions, check_embeddings, seeded_directions
from .lightly_p2 import LightlyP2
from .minimal_r2 import MinimalR2
from .official_r0 import OfficialR0
from .official_r1 import OfficialR1
from .paper_listing_v1 import PaperListingV1
from .paper_listing_v3 import PaperListingV3
from .pyjepa_p3 import PyjepaP3
from .stable_pretraining_p1 import StablePretrainingP1


def _build() -> MappingProxyType:
    registry: dict[str, Variant] = {}
    for variant in (
        PaperListingV1(),
        PaperListingV3(),
        OfficialR0(),
        OfficialR1(),
        MinimalR2(),
        StablePretrainingP1(),
        LightlyP2(),
        PyjepaP3(),
    ):
        if variant.id in registry:
            raise RuntimeError(f"duplicate variant id {variant.id!r}")
        registry[variant.id] = variant
    return MappingProxyType(registry)


REGISTRY = _build()


def get(variant_id: str) -> Variant:
    """The variant registered under `variant_id`; a ValueError lists the known ids otherwise."""
    try:
        return REGISTRY[variant_id]
    except KeyError:
        raise ValueError(f"unknown variant {variant_id!r}; known: {', '.join(REGISTRY)}") from None


__all__ = [
    "REGISTRY",
    "Deviation",
    "Source",
    "Variant",
    "check_directions",
    "check_embeddings",
    "cos_sin_error",
    "folded_trapezoid",
    "get",
    "seeded_directions",
]
