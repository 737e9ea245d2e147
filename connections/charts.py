"""A server-side SVG chart: connections per bucket, stacked by kind. No JavaScript, no library.

Every value drawn is a number or a label from ConnectionKind; text goes through format_html
all the same, so nothing user-provided can reach the markup unescaped.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from connections.models import ConnectionKind

COLOURS: dict[str, str] = {
    ConnectionKind.PROFILE_LEAD: "#1f77b4",
    ConnectionKind.MATCHED_LEAD: "#2ca02c",
    ConnectionKind.PROMOTION_LEAD: "#9467bd",
    ConnectionKind.PHONE_CLICK: "#ff7f0e",
    ConnectionKind.WEBSITE_CLICK: "#17becf",
    ConnectionKind.EXPOSURE: "#7f7f7f",
}


def stacked_bar_svg(series: list[dict], *, width: int = 900, height: int = 300) -> SafeString:
    """``series`` as returned by ``connection_series``: [{"bucket", "counts", "total"}]."""
    left, bottom, top, legend_h = 48, 28, 12, 22
    plot_w, plot_h = width - left - 8, height - bottom - top - legend_h
    peak = max([point["total"] for point in series] + [1])
    slot = plot_w / max(len(series), 1)
    bar_w = max(slot * 0.8, 1.0)
    rects: list[tuple] = []
    for index, point in enumerate(series):
        x = left + index * slot + (slot - bar_w) / 2
        y_base = top + legend_h + plot_h
        for kind in ConnectionKind.values:
            count = point["counts"][kind]
            if not count:
                continue
            bar_h = plot_h * count / peak
            y_base -= bar_h
            label = f"{point['bucket']:%Y-%m-%d} {ConnectionKind(kind).label}: {count}"
            rects.append((f"{x:.1f}", f"{y_base:.1f}", f"{bar_w:.1f}", f"{bar_h:.1f}", COLOURS[kind], label))
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        rects,
    )
    ticks = []
    for fraction in (0, 0.5, 1):
        value = round(peak * fraction)
        y = top + legend_h + plot_h - plot_h * value / peak
        ticks.append((left - 6, f"{y + 4:.1f}", value, left, left + plot_w, f"{y:.1f}", f"{y:.1f}"))
    axis = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd"/>',
        ticks,
    )
    label_every = max(len(series) // 8, 1)
    x_labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        (
            (f"{left + i * slot + slot / 2:.1f}", height - 8, f"{point['bucket']:%b %d}")
            for i, point in enumerate(series)
            if i % label_every == 0
        ),
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
        (
            (left + i * 140, 4, COLOURS[kind], left + i * 140 + 14, 13, ConnectionKind(kind).label)
            for i, kind in enumerate(ConnectionKind.values)
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'width="{}" height="{}" viewBox="0 0 {} {}">{}{}{}{}</svg>',
        _("Connections over time"),
        width,
        height,
        width,
        height,
        legend,
        axis,
        bars,
        x_labels,
    )
