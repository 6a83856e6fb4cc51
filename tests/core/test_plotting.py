"""The shared figure helpers: an animation's HTML is self-contained and light."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from mlxday2.plotting import animation_html  # noqa: E402


def test_animation_html_loads_nothing_from_elsewhere_and_uses_jpeg_frames():
    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
    html = animation_html(anim)
    plt.close(fig)
    assert "<link" not in html and "https://" not in html
    assert html.count("data:image/jpeg;base64") == 3
    assert (
        "fa-play" in html
    )  # the controls are still there; the theme ships their icons
