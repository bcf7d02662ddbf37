"""Packing slips: what goes in the box and where it goes, with the order id as a Code 128
barcode, as printable HTML and as PDF (reportlab)."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from domain.orders.line_items import order_item_id
from domain.orders.order import Order
from domain.sellers.directory import Seller

BAR_HEIGHT = 40.0


@dataclass(frozen=True, slots=True)
class SlipLine:
    item_id: str  # the order-item id the shipment flat file names the line by
    sku: str
    title: str
    quantity: int  # still to ship


def slip_lines(order: Order) -> list[SlipLine]:
    """The units still to ship, in the order's item order."""
    left = {i.sku: i.quantity for i in order.unshipped_items()}
    return [
        SlipLine(order_item_id(order.id, i.sku), i.sku, i.title, left[i.sku])
        for i in order.items
        if i.sku in left
    ]


def ship_to(order: Order) -> list[str]:
    a = order.shipping_address
    lines = [a.name, a.line1, *([a.line2] if a.line2 else [])]
    lines.append(" ".join(p for p in (a.postal_code, a.city, a.region or "") if p))
    lines.append(a.country_code)
    return lines


def barcode_svg(value: str) -> str:
    drawing = createBarcodeDrawing("Code128", value=value, barHeight=BAR_HEIGHT, humanReadable=True)
    svg: str = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg") :]  # inline in HTML: no XML prolog or doctype


def packing_slip_html(order: Order, seller: Seller) -> str:
    lines = slip_lines(order)
    rows = (
        "".join(
            f"<tr><td>{html.escape(x.sku)}<br><small>{x.item_id}</small></td>"
            f"<td>{html.escape(x.title)}</td>"
            f'<td class="qty">{x.quantity}</td></tr>'
            for x in lines
        )
        or '<tr><td colspan="3">Every item of this order has shipped.</td></tr>'
    )
    address = "<br>".join(html.escape(line) for line in ship_to(order))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Packing slip {html.escape(order.id)}</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; max-width: 48rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #999; padding: .4rem; text-align: left; }}
.qty {{ text-align: right; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<header>
<h1>Packing slip</h1>
<p>From <strong>{html.escape(seller.name)}</strong></p>
<figure aria-label="Order id barcode">{barcode_svg(order.id)}</figure>
<p>Order <strong>{html.escape(order.id)}</strong>,
placed {order.placed_at:%d %b %Y}</p>
</header>
<section aria-labelledby="ship-to"><h2 id="ship-to">Ship to</h2><address>{address}</address></section>
<section aria-labelledby="items"><h2 id="items">Items to ship</h2>
<table><thead><tr><th scope="col">SKU, order-item id</th><th scope="col">Item</th>
<th scope="col" class="qty">Quantity</th></tr></thead><tbody>{rows}</tbody></table>
</section>
</body>
</html>
"""


def packing_slip_pdf(order: Order, seller: Seller) -> bytes:
    """One A4 page: the same facts as the HTML slip."""
    return packing_slips_pdf([(order, seller)], title=f"Packing slip {order.id}")


def packing_slips_pdf(slips: Sequence[tuple[Order, Seller]], *, title: str) -> bytes:
    """Every slip from a new page, in one document to print at once."""
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=0)
    pdf.setTitle(title)
    for order, seller in slips:
        _draw_slip(pdf, order, seller)
    pdf.save()
    return out.getvalue()


def _draw_slip(pdf: Canvas, order: Order, seller: Seller) -> None:
    width, height = A4
    left, y = 20 * mm, height - 25 * mm
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, y, "Packing slip")
    pdf.setFont("Helvetica", 11)
    y -= 8 * mm
    pdf.drawString(left, y, f"From {seller.name}")
    y -= 6 * mm
    pdf.drawString(left, y, f"Order {order.id}, placed {order.placed_at:%d %b %Y}")
    barcode = Code128(order.id, barHeight=15 * mm, barWidth=0.35 * mm, humanReadable=True)
    y -= 22 * mm
    barcode.drawOn(pdf, left, y)
    y -= 12 * mm
    _heading(pdf, left, y, "Ship to")
    for line in ship_to(order):
        y -= 5.5 * mm
        pdf.drawString(left, y, line)
    y -= 10 * mm
    _heading(pdf, left, y, "Items to ship")
    lines = slip_lines(order)
    if not lines:
        y -= 6 * mm
        pdf.drawString(left, y, "Every item of this order has shipped.")
    for x in lines:
        y -= 6 * mm
        if y < 20 * mm:  # a long order goes on over more pages
            pdf.showPage()
            pdf.setFont("Helvetica", 11)
            y = height - 25 * mm
        pdf.drawString(left, y, x.sku)
        pdf.drawString(left + 35 * mm, y, x.item_id)
        pdf.drawString(left + 70 * mm, y, x.title[:48])
        pdf.drawRightString(width - 20 * mm, y, str(x.quantity))
    pdf.showPage()


def _heading(pdf: Canvas, x: float, y: float, text: str) -> None:
    """A section heading; the body font again after it."""
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawString(x, y, text)
    pdf.setFont("Helvetica", 11)
