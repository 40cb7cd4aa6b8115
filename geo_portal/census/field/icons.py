"""Draws the field app's icons (a blue door plate with 門牌 in white) with Pillow: 192 and 512 px, and a maskable
512 px one with the plate inside the safe zone. The PNGs are committed; run ``python -m
geo_portal.census.field.icons`` to draw them again after changing this file."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "static" / "census" / "field"
BLUE, WHITE = (11, 61, 92), (255, 255, 255)
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def draw(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BLUE if maskable else WHITE)
    pen = ImageDraw.Draw(image)
    inset = size * (0.2 if maskable else 0.06)
    box = (inset, inset + size * 0.12, size - inset, size - inset - size * 0.12)
    pen.rounded_rectangle(box, radius=size * 0.08, fill=BLUE, outline=WHITE, width=max(2, size // 40))
    text = "門牌" if Path(FONTS[0]).exists() else "No."
    font = _font(int((box[2] - box[0]) * 0.36))
    pen.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, fill=WHITE, font=font, anchor="mm")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
