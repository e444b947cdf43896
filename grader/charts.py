"""The loss curve of a training check as inline SVG, drawn on the server (no script, no CDN).

Only numbers the judge already validated reach the markup (finite floats), formatted by us, so
the SVG carries nothing a student could inject.
"""

import math

from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
MAX_POINTS = 400
# The reference is drawn first, wide and pale, so the student's run stays visible on top of it.
SERIES = (("reference", "Reference run", "#9db7dd", 5), ("student", "Your run", "#ee4c2c", 2))


def _thin(values):
    """At most MAX_POINTS (index, value) pairs, always keeping the last."""
    step = max(1, math.ceil(len(values) / MAX_POINTS))
    points = list(enumerate(values))[::step]
    if points[-1][0] != len(values) - 1:
        points.append((len(values) - 1, values[-1]))
    return points


def loss_curve_svg(history):
    curves = {key: history.get(key) or [] for key, _, _, _ in SERIES}
    values = [v for curve in curves.values() for v in curve]
    threshold = history.get("threshold")
    if threshold:
        values.append(threshold)
    if not values:
        return ""
    log_scale = min(values) > 0 and max(values) / min(values) > 100
    scale = math.log10 if log_scale else (lambda v: v)
    low, high = scale(min(values)), scale(max(values))
    if high - low < 1e-12:
        low, high = low - 1, high + 1
    steps = max(len(c) for c in curves.values()) - 1 or 1

    def x(i):
        return LEFT + (WIDTH - LEFT - RIGHT) * i / steps

    def y(v):
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (scale(v) - low) / (high - low))

    paths = format_html_join(
        "", '<polyline fill="none" stroke="{}" stroke-width="{}" points="{}"><title>{}</title></polyline>',
        ((color, width, " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in _thin(curve)), label)
         for key, label, color, width in SERIES if (curve := curves[key])),
    )
    threshold_line = format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1b7f3b" stroke-dasharray="6 4"/>'
        '<text x="{}" y="{}" font-size="12" fill="#1b7f3b" text-anchor="end">threshold {}</text>',
        LEFT, WIDTH - RIGHT, f"{y(threshold):.1f}", f"{y(threshold):.1f}", WIDTH - RIGHT,
        f"{y(threshold) - 4:.1f}", f"{threshold:g}",
    ) if threshold else ""
    axis_labels = format_html(
        '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>'
        '<text x="{}" y="{}" font-size="12" text-anchor="middle">step (0 to {})</text>'
        '<text x="14" y="{}" font-size="12" transform="rotate(-90 14 {})" text-anchor="middle">loss{}</text>',
        LEFT - 6, TOP + 10, f"{max(values):.3g}", LEFT - 6, HEIGHT - BOTTOM, f"{min(values):.3g}",
        (LEFT + WIDTH - RIGHT) // 2, HEIGHT - 10, steps, HEIGHT // 2, HEIGHT // 2, " (log scale)" if log_scale else "",
    )
    legend = format_html_join(
        "", '<tspan fill="{}">■ {}</tspan> ', ((color, label) for key, label, color, _ in reversed(SERIES) if curves[key])
    )
    return format_html(
        '<svg class="loss-curve" viewBox="0 0 {} {}" role="img" aria-label="Loss per training step: {}">'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#fafafe" stroke="#e2e2ec"/>{}{}{}'
        '<text x="{}" y="{}" font-size="12">{}</text></svg>',
        WIDTH, HEIGHT, _summary(curves, threshold), LEFT, TOP, WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM, threshold_line, paths, axis_labels, LEFT + 8, TOP + 16, legend,
    )


def _summary(curves, threshold):
    parts = [f"{label} ends at {curves[key][-1]:.4g}" for key, label, _, _ in reversed(SERIES) if curves[key]]
    if threshold:
        parts.append(f"threshold {threshold:g}")
    return "; ".join(parts)
