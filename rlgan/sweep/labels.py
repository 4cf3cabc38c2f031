"""Short labels of groups: what varies between them, numbers no longer than needed.

Used by the figures (legends, row labels) and the console table of ``rlgan-report``; report.md
and report.csv keep each group's full overrides.
"""

from __future__ import annotations

from collections.abc import Sequence

from rlgan.sweep.grouping import Group
from rlgan.sweep.numbers import shortest_distinct
from rlgan.sweep.runs import IGNORED_KEYS, override_key

#: Longest label drawn (longer ones end in an ellipsis).
MAX_LABEL = 60


def short_label(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` characters with an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _short_keys(keys: Sequence[str]) -> dict[str, str]:
    """The shortest dotted suffix of each key that no other key shares."""
    short = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if not any(other != key and other.endswith(tail) for other in keys):
                break
        short[key] = tail
    return short


def _override_map(group: Group) -> dict[str, str]:
    """``{key: value}`` of a group's overrides (the seed and run knobs left out)."""
    found = {}
    for override in group.overrides:
        key, _, value = override.partition("=")
        if override_key(override) not in IGNORED_KEYS:
            found[key.lstrip("+~")] = value
    return found


def group_labels(
    groups: Sequence[Group], limit: int | None = MAX_LABEL, rank: bool = True
) -> list[str]:
    """Labels of ``groups`` (in the table's order): ``#rank`` and what varies between them.

    Only the keys whose value differs between groups are shown, each by the shortest part of
    its dotted name that is unique (``algo.hyperparams.gae_lambda`` -> ``gae_lambda``), with
    numbers shortened to the fewest significant digits (at least 3) that keep distinct values
    distinct (``0.9859374850242252`` -> ``0.986``). ``rank`` False leaves out the ``#rank``
    prefix, ``limit`` None the ellipsis.
    """
    maps = [_override_map(group) for group in groups]
    keys = list(dict.fromkeys(key for found in maps for key in found))
    varying = [key for key in keys if len({found.get(key) for found in maps}) > 1]
    short_keys = _short_keys(varying)
    values = {
        key: shortest_distinct(found[key] for found in maps if key in found) for key in varying
    }
    labels = []
    for index, found in enumerate(maps):
        parts = [f"{short_keys[k]}={values[k][found[k]]}" for k in varying if k in found]
        if not parts:
            parts = [groups[index].label if len(groups) == 1 else "(defaults)"]
        label = (f"#{index + 1} " if rank else "") + " ".join(parts)
        labels.append(label if limit is None else short_label(label, limit))
    return labels
