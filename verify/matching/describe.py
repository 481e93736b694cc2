"""Matches in words: a framing, a region, a masked band, a speed, a segment's slack (no
numpy: loaded at once)."""

from __future__ import annotations


def describe_framing(framing: dict[str, float]) -> str:
    """A framing (as `Framing.to_dict` gives it) in words."""
    return (
        f"a crop: {framing['width']:.0%} x {framing['height']:.0%} of the known picture, "
        f"from {framing['left']:.0%} left, {framing['top']:.0%} top"
    ).replace("%", " %")


def describe_region(region: dict[str, float]) -> str:
    """A match's region (`PanelChoice.region`) in words."""
    return (
        f"shown in part of this file's frame: {region['width']:.0%} x {region['height']:.0%} "
        f"of it, from {region['x']:.0%} left, {region['y']:.0%} top"
    ).replace("%", " %")


def describe_mask(masked: dict[str, float]) -> str:
    """A match's masked band (`verify.matching.bands.Band.to_dict`) in words."""
    return (
        f"found with a band across this file's picture filled in: {masked['height']:.0%} "
        f"of its height, from {masked['y']:.0%} top (text or a strip over the footage)"
    ).replace("%", " %")


def describe_rate(rate: float) -> str:
    """A segment's rate (known seconds per clip second) in words; "" at the known speed."""
    if rate == 1.0:
        return ""
    change = "sped up" if rate > 1 else "slowed down"
    return f"{change} to {rate:.2f}x the known speed"


# Slack from this many known seconds up is worth saying: moving footage's segments
# are pinned to within a frame interval (0.5 s at the bank's fps=2).
SLACK_WORTH_SAYING_S = 1.0


def describe_slack(slack: float) -> str:
    """A segment's placement slack in words; "" where its pictures pin it."""
    if slack < SLACK_WORTH_SAYING_S:
        return ""
    return (
        f"the picture barely changes: it fits as well up to {slack:.1f} s earlier or later "
        "in the known video (moved whole, or at another speed), so these edges are not certain"
    )
