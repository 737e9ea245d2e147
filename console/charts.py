"""A plain server-side SVG bar chart (no JavaScript), for the dashboard and the revenue page."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_stubs_ext import StrOrPromise


def bar_chart_svg(
    points: list[tuple[str, int, str]],
    *,
    label: StrOrPromise,
    colour: str = "#417690",
    width: int = 560,
    height: int = 200,
) -> SafeString:
    """``points``: (x label, value, value as text) per bar; negative values draw as zero."""
    left, bottom, top = 8, 24, 8
    plot_w, plot_h = width - 2 * left, height - bottom - top
    peak = max([value for _, value, _ in points] + [1])
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        (
            (
                f"{left + i * slot + (slot - bar_w) / 2:.1f}",
                f"{top + plot_h - plot_h * max(value, 0) / peak:.1f}",
                f"{bar_w:.1f}",
                f"{plot_h * max(value, 0) / peak:.1f}",
                colour,
                x_label,
                text,
            )
            for i, (x_label, value, text) in enumerate(points)
        ),
    )
    every = max(len(points) // 7, 1)
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="10">{}</text>',
        (
            (f"{left + i * slot + slot / 2:.1f}", height - 8, x_label)
            for i, (x_label, _, _) in enumerate(points)
            if i % every == 0
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}"><title>{}</title>{}{}</svg>',
        label,
        width,
        height,
        width,
        height,
        label,
        bars,
        labels,
    )
