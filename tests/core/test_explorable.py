"""mlxday2.explorable: the HTML of explorable figures and self-check questions."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pytest

from mlxday2.explorable import (
    control,
    explorable,
    figure_uri,
    frame,
    grid_keys,
    self_check,
)


class Tags(HTMLParser):
    """Every start tag ``(tag, attributes)``, the JSON payload and the visible text."""

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.text, self.payload, self._in = [], [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.payload = data
        elif data.strip():
            self.text.append(data.strip())

    def find(self, tag, **attrs):
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def _figure(level: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, level])
    return fig


@pytest.fixture(scope="module")
def block():
    controls = [
        control("slope", "slope of the line", [0.5, 1.0, 2.0], "{:.1f}"),
        control("kind", "kind", ["a", "b"], "{}", kind="radio"),
    ]
    frames = [
        frame(
            _figure(s * (k + 1)),
            f"a line of slope {s}, kind {k}",
            {"height": (s * (k + 1), "{:.2f}")},
        )
        for (i, k) in grid_keys(controls)
        for s in [[0.5, 1.0, 2.0][i]]
    ]
    return explorable("test-block", controls, frames, (1, 0), caption="A test")


def test_grid_keys_run_over_every_state_first_control_slowest():
    controls = [control("a", "a", [1, 2]), control("b", "b", [1, 2, 3])]
    assert grid_keys(controls) == [(i, j) for i in range(2) for j in range(3)]


def test_figure_uri_is_a_png_and_closes_the_figure():
    fig = _figure(1.0)
    uri = figure_uri(fig)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)


def test_the_json_round_trips_and_holds_every_frame(block):
    page = Tags(block.html)
    assert json.loads(page.payload) == block.data
    assert set(block.data["frames"]) == {f"{i}-{k}" for i in range(3) for k in range(2)}
    # the default frame's image is the static <img>, carried once
    assert block.data["frames"]["1-0"]["image"] == ""
    assert all(
        f["image"].startswith("data:image/png")
        for key, f in block.data["frames"].items()
        if key != "1-0"
    )
    assert block.data["frames"]["2-1"]["numbers"]["height"] == {
        "value": 4.0,
        "text": "4.00",
    }


def test_the_static_figure_is_the_default_state_with_alt_text(block):
    page = Tags(block.html)
    (image,) = page.find("img")
    assert image["src"].startswith("data:image/png")
    assert image["alt"] == "a line of slope 1.0, kind 0"
    # no JavaScript: the controls stay hidden, the default numbers are text
    (controls,) = page.find("div", **{"class": "explorable-controls"})
    assert "hidden" in controls
    assert "1.00" in page.text and "height" in page.text
    # each shown number names its place in the data's list of numbers
    cells = page.find("dd")
    assert [c["data-number"] for c in cells] == ["0"]
    assert block.data["numbers"] == ["height"]


def test_every_control_is_labelled_and_shows_its_value(block):
    page = Tags(block.html)
    (slider,) = page.find("input", type="range")
    assert page.find("label", **{"for": slider["id"]})
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "2", "1")
    assert slider["aria-valuetext"] == "1.0"
    radios = page.find("input", type="radio")
    assert len(radios) == 2 and "checked" in radios[0]
    assert "kind" in page.text  # the fieldset's legend
    assert all(o.get("aria-live") == "polite" for o in page.find("output"))


def test_json_cannot_close_its_script_early():
    fig = _figure(1.0)
    one = frame(fig, "</script><b>alt</b>", {"x": (1.0, "{:.1f}")})
    block = explorable("test-esc", [control("a", "a", [1])], [one], (0,))
    payload = block.html.split('class="explorable-data">', 1)[1]
    assert "</script>" not in payload.rsplit("</script>", 1)[0]


@pytest.mark.parametrize(
    "change, error",
    [
        (dict(name="Bad Name"), ValueError),
        (dict(default=(5,)), ValueError),
        (dict(frames=[]), ValueError),
        (dict(controls=["not a control"]), TypeError),
    ],
)
def test_explorable_refuses_bad_input(change, error):
    good = dict(
        name="ok",
        controls=[control("a", "a", [1])],
        frames=[frame(_figure(1.0), "alt", {"x": (1.0, "{:.1f}")})],
        default=(0,),
    )
    with pytest.raises(error):
        explorable(**{**good, **change})


def test_frame_needs_alt_text():
    with pytest.raises(ValueError, match="alt"):
        frame(_figure(1.0), "  ", {})
    plt.close("all")


def test_a_numeric_self_check_keeps_its_answer_out_of_the_text():
    check = self_check(
        "q-one", "How much?", 0.123456, "because", "think again", tolerance=0.01
    )
    page = Tags(check.html)
    (form,) = page.find("form")
    assert float(form["data-answer"]) == pytest.approx(0.123456)
    assert float(form["data-tolerance"]) == 0.01
    assert form["data-answer-text"] == "0.123" and form["data-kind"] == "number"
    assert "hidden" in form  # shown by the script; a <noscript> note says why
    assert not any("0.123" in t for t in page.text)
    (reply,) = page.find("input")
    assert page.find("label", **{"for": reply["id"]})


def test_a_choice_self_check_stores_the_right_index():
    check = self_check("q-two", "Which?", 2, "yes", "no", choices=["a", "b", "c"])
    page = Tags(check.html)
    (form,) = page.find("form")
    assert form["data-answer"] == "2" and form["data-answer-text"] == "c"
    assert [r["value"] for r in page.find("input", type="radio")] == ["0", "1", "2"]
    assert html.unescape(form["data-right"]) == "yes"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(answer=1.0), ValueError),  # neither tolerance nor choices
        (dict(answer=1.0, tolerance=0.1, choices=["a", "b"]), ValueError),
        (dict(answer=3, choices=["a", "b"]), ValueError),
        (dict(answer="1", tolerance=0.1), TypeError),
        (dict(answer=1.0, tolerance=-1.0), ValueError),
    ],
)
def test_self_check_refuses_bad_input(kwargs, error):
    with pytest.raises(error):
        self_check("q", "Q?", why_right="r", why_wrong="w", **kwargs)


def test_ids_are_unique_per_block(block):
    ids = re.findall(r'\sid="([^"]+)"', block.html)
    assert len(ids) == len(set(ids))


def test_a_self_check_prints_its_question_but_not_its_answer():
    """The PDF shows a self-check's plain-text form: the question, never the answer."""
    check = self_check(
        "q", "How many steps?", 137, why_right="yes", why_wrong="no", tolerance=0.5
    )
    assert "How many steps?" in repr(check) and "137" not in repr(check)
