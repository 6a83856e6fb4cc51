"""Explorable figures and self-check questions for the static site, with no kernel.

A chapter precomputes every state of a small parameter grid at build time, draws each
state once with its own plot functions, and hands the frames to :func:`explorable`,
which returns one HTML block: labelled controls, the default frame as a plain image
(what a reader without JavaScript, or on paper, sees), the state's numbers as text, and
all frames as JSON that ``book/_static/explorable.js`` switches between in the browser.

:func:`self_check` returns a "predict, then check" question whose answer (a number
computed by the build, or the index of the right choice) sits in a data attribute, so it
is not in the page's text until the reader has answered.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import re
from dataclasses import dataclass

import matplotlib.pyplot as plt
from PIL import Image

from mlxday2.checks import check_choice, check_instance, check_int, check_real

KINDS = ("range", "radio")
_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")


@dataclass(frozen=True)
class Control:
    """One knob: a parameter ``name``, its ``label``, grid ``values``, their texts."""

    name: str
    label: str
    values: tuple
    texts: tuple[str, ...]
    kind: str = "range"


@dataclass(frozen=True)
class Frame:
    """One state drawn: a PNG data URI, its alt text, and its numbers.

    ``numbers`` maps a label to ``(value, text)``: the number the package computed and
    the text the page shows for it.
    """

    image: str
    alt: str
    numbers: dict[str, tuple[float, str]]


def _check_name(name) -> str:
    check_instance("name", name, str, fix="pass a short id such as 'opt-lr'")
    if not _NAME.match(name):
        raise ValueError(
            f"name must be lower-case letters, digits and '-', starting with a letter, "
            f"got {name!r}; pass an id such as 'opt-lr'"
        )
    return name


def control(name: str, label: str, values, fmt: str = "{:.3g}", kind: str = "range"):
    """Return a :class:`Control` whose values are shown as ``fmt.format(value)``.

    ``kind`` is ``"range"`` (a slider over the values in order) or ``"radio"`` (one
    button per value, for categories).
    """
    _check_name(name)
    check_instance("label", label, str)
    check_choice("kind", kind, KINDS)
    values = tuple(values)
    if not values:
        raise ValueError(f"values of control {name!r} must not be empty")
    texts = tuple(fmt.format(v) for v in values)
    return Control(name, label, values, texts, kind)


def figure_uri(fig: plt.Figure, dpi: int = 72) -> str:
    """Return ``fig`` as a PNG data URI (a 256-colour palette) and close ``fig``."""
    check_int("dpi", dpi, 20, 300)
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    raw.seek(0)
    with Image.open(raw) as image:
        small = image.convert("RGB").quantize(colors=256)
    out = io.BytesIO()
    small.save(out, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def frame(fig: plt.Figure, alt: str, numbers: dict, dpi: int = 72) -> Frame:
    """Return a :class:`Frame` of ``fig`` (closed); numbers: label -> (value, fmt)."""
    check_instance("alt", alt, str)
    if not alt.strip():
        raise ValueError("alt must describe the figure, got an empty string")
    check_instance("numbers", numbers, dict)
    shown = {}
    for label, (value, fmt) in numbers.items():
        value = check_real(f"numbers[{label!r}]", value)
        shown[str(label)] = (value, fmt.format(value))
    return Frame(figure_uri(fig, dpi), alt, shown)


def grid_keys(controls) -> list[tuple[int, ...]]:
    """Return every state's indices into the controls' values, first control slowest."""
    return list(itertools.product(*(range(len(c.values)) for c in controls)))


@dataclass(frozen=True)
class Explorable:
    """An explorable figure: ``html`` for the page, ``data`` the JSON it carries."""

    name: str
    html: str
    data: dict

    def _repr_html_(self) -> str:
        return self.html


def _check_frames(controls, frames, default) -> tuple[int, ...]:
    keys = grid_keys(controls)
    if len(frames) != len(keys):
        raise ValueError(
            f"frames must hold one Frame per state of the grid ({len(keys)}), "
            f"got {len(frames)}; draw the states in grid_keys(controls) order"
        )
    for item in frames:
        check_instance("frames[i]", item, Frame, fix="make each with frame(fig, ...)")
    labels = [list(f.numbers) for f in frames]
    if any(found != labels[0] for found in labels):
        raise ValueError("every frame must show the same numbers, in the same order")
    default = tuple(default)
    if default not in keys:
        raise ValueError(f"default must be one of the grid's indices, got {default}")
    return default


def explorable(name: str, controls, frames, default, caption: str = "") -> Explorable:
    """Return the HTML block of an explorable figure over the grid of ``controls``.

    ``frames`` holds one :class:`Frame` per state in :func:`grid_keys` order;
    ``default`` (indices into each control's values) is the state shown without
    JavaScript.
    """
    name = _check_name(name)
    controls = tuple(check_instance("controls[i]", c, Control) for c in controls)
    default = _check_frames(controls, frames, default)
    keys = grid_keys(controls)
    shown = frames[keys.index(default)]
    data = {
        "name": name,
        "controls": [
            {"name": c.name, "label": c.label, "kind": c.kind, "texts": list(c.texts)}
            for c in controls
        ],
        "default": list(default),
        "numbers": list(shown.numbers),
        "frames": {
            "-".join(map(str, key)): {
                "image": "" if key == default else f.image,
                "alt": f.alt,
                "numbers": {
                    k: {"value": v, "text": t} for k, (v, t) in f.numbers.items()
                },
            }
            for key, f in zip(keys, frames)
        },
    }
    parts = [f'<div class="explorable" id="{name}" data-explorable="{name}">']
    if caption:
        parts.append(f'<p class="explorable-caption">{html.escape(caption)}</p>')
    parts.append(
        '<div class="explorable-controls" hidden>'
        f"{_controls_html(name, controls, default)}</div>"
    )
    parts.append(
        f'<img class="explorable-figure" src="{shown.image}" '
        f'alt="{html.escape(shown.alt)}">'
    )
    parts.append(_numbers_html(shown))
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    parts.append(
        f'<script type="application/json" class="explorable-data">{payload}</script>'
    )
    parts.append("</div>")
    return Explorable(name, "\n".join(parts), data)


def _controls_html(name: str, controls, default) -> str:
    blocks = []
    for c, chosen in zip(controls, default):
        ident = f"{name}-{c.name}"
        label, text = html.escape(c.label), html.escape(c.texts[chosen])
        if c.kind == "range":
            blocks.append(
                f'<div class="explorable-control" data-control="{c.name}">'
                f'<label for="{ident}">{label}</label>'
                f'<input type="range" id="{ident}" min="0" max="{len(c.values) - 1}" '
                f'step="1" value="{chosen}" aria-valuetext="{text}">'
                f'<output for="{ident}" class="explorable-value" aria-live="polite">'
                f"{text}</output></div>"
            )
            continue
        buttons = "".join(
            f'<label><input type="radio" name="{ident}" value="{i}"'
            f"{' checked' if i == chosen else ''}> {html.escape(t)}</label>"
            for i, t in enumerate(c.texts)
        )
        blocks.append(
            f'<fieldset class="explorable-control" data-control="{c.name}">'
            f"<legend>{label}</legend>{buttons}"
            f'<output class="explorable-value" aria-live="polite">{text}</output>'
            "</fieldset>"
        )
    return "".join(blocks)


def _numbers_html(shown: Frame) -> str:
    # A number is found by its position in the data's "numbers" list, not by its
    # label, so no label's characters can break the lookup.
    rows = "".join(
        f'<div><dt>{html.escape(label)}</dt><dd data-number="{i}">'
        f"{html.escape(text)}</dd></div>"
        for i, (label, (_, text)) in enumerate(shown.numbers.items())
    )
    return f'<dl class="explorable-numbers" aria-live="polite">{rows}</dl>'


@dataclass(frozen=True)
class SelfCheck:
    """A predict-then-check question: ``html`` for the page, ``answer`` as computed."""

    name: str
    html: str
    answer: float | int
    question: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # What a PDF (or any plain-text view) prints: the question, never the answer.
        return f"Self-check: {self.question} (Answer it in the online book.)"


def _check_self_check(answer, tolerance, choices):
    if (tolerance is None) == (choices is None):
        raise ValueError(
            "pass tolerance (a numeric answer) or choices (a multiple choice), not both"
        )
    if choices is None:
        return check_real("answer", answer), check_real("tolerance", tolerance, 0)
    choices = tuple(str(c) for c in choices)
    if len(choices) < 2:
        raise ValueError(f"choices must hold at least two options, got {choices}")
    return check_int("answer", answer, 0, len(choices) - 1), choices


def self_check(
    name: str,
    question: str,
    answer,
    why_right: str,
    why_wrong: str,
    *,
    tolerance: float | None = None,
    choices=None,
    fmt: str = "{:.3g}",
) -> SelfCheck:
    """Return a self-check question answered in the browser.

    A numeric question takes ``tolerance`` (absolute): a reply within it of ``answer``
    is right. A multiple choice takes ``choices`` and ``answer``, the right one's
    index. ``why_right``/``why_wrong`` are the feedback; the answer (``fmt``) joins it.
    """
    name = _check_name(name)
    for label, text in (
        ("question", question),
        ("why_right", why_right),
        ("why_wrong", why_wrong),
    ):
        check_instance(label, text, str)
    answer, extra = _check_self_check(answer, tolerance, choices)
    shown = fmt.format(answer) if choices is None else choices[answer]
    attrs = {
        "data-self-check": name,
        "data-kind": "number" if choices is None else "choice",
        "data-answer": repr(answer),
        "data-answer-text": shown,
        "data-tolerance": "" if choices is not None else repr(extra),
        "data-right": why_right,
        "data-wrong": why_wrong,
    }
    attr_text = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    reply = _reply_html(name, None if choices is None else extra)
    body = (
        f'<form class="self-check" id="{name}" {attr_text} hidden>'
        f'<p class="self-check-question" id="{name}-question">'
        f"{html.escape(question)}</p>{reply}"
        '<button type="submit">Check</button>'
        '<p class="self-check-feedback" role="status" aria-live="polite"></p></form>'
        f'<noscript><p class="self-check-question">{html.escape(question)} '
        "(Checking an answer needs JavaScript.)</p></noscript>"
    )
    return SelfCheck(name, body, answer, question)


def _reply_html(name: str, choices) -> str:
    """Return the reply's inputs: a labelled text box, or one radio button a choice."""
    ident, question = f"{name}-reply", f"{name}-question"
    if not choices:
        return (
            f'<label for="{ident}">Your prediction</label>'
            f'<input type="text" inputmode="decimal" id="{ident}" autocomplete="off" '
            f'aria-describedby="{question}">'
        )
    buttons = "".join(
        f'<label><input type="radio" name="{ident}" value="{i}"> '
        f"{html.escape(c)}</label>"
        for i, c in enumerate(choices)
    )
    return (
        f'<fieldset aria-describedby="{question}">'
        f"<legend>Your prediction</legend>{buttons}</fieldset>"
    )
