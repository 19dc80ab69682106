"""YAML that is small but built to blow up when read: aliases that expand a hundredfold
at each level (a few hundred bytes become a billion values), or nesting deeper than
Python's recursion. Checked from the parser's events, before anything is built.

A checklist file may come from a coordinator's laptop, an upload in the console or, on
the phone, from a server: every one of them is read through this check.
"""

from __future__ import annotations

import yaml

# The repository's files have under 1,000 values and nesting of 8.
MAX_VALUES = 50_000
MAX_DEPTH = 40


def expansion_problem(text: str) -> tuple[str, dict[str, str]] | None:
    """What is wrong with how far `text` expands, as a code of `checklist_problems.py` and
    its values (with its place); None when it is fine (or not YAML at all: the loader
    reports that, with its place)."""
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, depth) of its node
    open_nodes: list[list] = []  # per open collection: [anchor, values before it, deepest level in it]
    values = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            level = len(open_nodes)
            if isinstance(event, yaml.CollectionStartEvent):
                open_nodes.append([event.anchor, values, level + 1])
                reached = level + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, before, deepest = open_nodes.pop()
                values += 1
                if anchor:
                    anchors[anchor] = (values - before, deepest - level + 1)
                reached = deepest
            elif isinstance(event, yaml.AliasEvent):
                count, depth = anchors.get(event.anchor, (1, 0))
                values += count
                reached = level + depth
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor:
                    anchors[event.anchor] = (1, 0)
                reached = level
            else:
                continue
            if open_nodes:
                open_nodes[-1][2] = max(open_nodes[-1][2], reached)
            if values > MAX_VALUES:
                return _at(event, "too_many_values", MAX_VALUES)
            if reached > MAX_DEPTH:
                return _at(event, "nested_too_deep_at", MAX_DEPTH)
    except yaml.YAMLError:
        return None
    return None


def _at(event: yaml.Event, code: str, limit: int) -> tuple[str, dict[str, str]]:
    mark = event.start_mark
    return code, {"limit": str(limit), "line": str(mark.line + 1), "column": str(mark.column + 1)}
