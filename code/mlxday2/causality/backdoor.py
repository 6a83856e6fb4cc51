"""The back-door criterion on a small causal graph, checked path by path.

``open_backdoor_paths`` lists the back-door paths from a treatment to an outcome that a
set of variables leaves open; ``descendants`` lists what a variable causes, directly or
not. A set satisfies the back-door criterion when the first is empty and the set holds
nothing from the second.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from mlxday2.checks import check_choice


def _check_edges(edges) -> list[tuple[str, str]]:
    """Return ``edges`` as a list of (cause, effect) tuples, once checked."""
    if not isinstance(edges, (list, tuple)):
        raise TypeError(
            f"edges must be a list of (cause, effect) pairs, got {type(edges).__name__}"
        )
    for edge in edges:
        if not (isinstance(edge, (tuple, list)) and len(edge) == 2):
            raise ValueError(f"each edge must be a (cause, effect) pair, got {edge!r}")
    return [tuple(e) for e in edges]


def _children(edges: list[tuple[str, str]]) -> dict[str, set[str]]:
    kids: dict[str, set[str]] = {}
    for cause, effect in edges:
        kids.setdefault(cause, set()).add(effect)
    return kids


def _below(kids: dict[str, set[str]], node: str) -> set[str]:
    """Return everything reachable from ``node`` along the arrows in ``kids``."""
    found, todo = set(), [node]
    while todo:
        for child in kids.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def descendants(edges: Sequence[tuple[str, str]], node: str) -> set[str]:
    """Return every variable that ``node`` causes along directed paths of ``edges``."""
    edges = _check_edges(edges)
    check_choice("node", node, sorted({n for e in edges for n in e}))
    return _below(_children(edges), node)


def _paths(edges, end: str, path: list[str]):
    """Yield each simple path from ``path[-1]`` to ``end``, along arrows either way."""
    for a, b in edges:
        for here, there in ((a, b), (b, a)):
            if here == path[-1] and there not in path:
                if there == end:
                    yield path + [there]
                else:
                    yield from _paths(edges, end, path + [there])


def _blocked(edges, path: list[str], adjust: set[str]) -> bool:
    """Whether ``adjust`` blocks ``path``: a non-collider in it, or a collider out of it
    with no descendant in it."""
    arrows, kids = set(edges), _children(edges)
    for before, node, after in zip(path, path[1:], path[2:]):
        collider = (before, node) in arrows and (after, node) in arrows
        if not collider and node in adjust:
            return True
        if collider and node not in adjust and not (_below(kids, node) & adjust):
            return True
    return False


def open_backdoor_paths(
    edges: Sequence[tuple[str, str]],
    treatment: str,
    outcome: str,
    adjust: Iterable[str] = (),
) -> list[list[str]]:
    """Return the back-door paths that ``adjust`` leaves open.

    A back-door path from ``treatment`` to ``outcome`` starts with an arrow into
    ``treatment``; each is returned as the list of its nodes, ``treatment`` first.
    ``edges`` are (cause, effect) pairs.
    """
    edges = _check_edges(edges)
    nodes = {n for e in edges for n in e}
    check_choice("treatment", treatment, sorted(nodes))
    check_choice("outcome", outcome, sorted(nodes))
    adjust = set(adjust)
    for name in adjust:
        check_choice("adjust[i]", name, sorted(nodes))
    causes = [a for a, b in edges if b == treatment]
    paths = [[treatment, outcome] for c in causes if c == outcome]
    for cause in sorted(set(causes) - {outcome}):
        paths += _paths(edges, outcome, [treatment, cause])
    return [p for p in paths if not _blocked(edges, p, adjust)]
