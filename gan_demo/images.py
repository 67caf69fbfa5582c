"""Image handling for the app, without any UI: reading uploads, MNIST-style preprocessing, grids and GIFs.

Everything here works on plain uint8 numpy arrays, (H, W) grey or (H, W, 3) colour, so it is easy to test.
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .files import write_atomic

SIZE = 28
MAX_SIDE = 8192  # bigger than any photo a learner will upload, far below a decompression bomb
MAX_PIXELS = 40_000_000
# Side of the box the object is scaled into. MNIST fits digits in 20x20 and centres them by mass inside
# 28x28; Fashion-MNIST scales the product to fill the frame.
FRAMING = {"mnist": 20, "fashion": 28}


class ImageInputError(ValueError):
    """An input that cannot be used as an image; the message says why and what is accepted."""


def check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ImageInputError(f"the image is empty ({width}x{height} pixels)")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageInputError(f"the image is {width}x{height} pixels; the limit is {MAX_SIDE} pixels a side "
                              f"and {MAX_PIXELS // 1_000_000} megapixels")


def open_image(path: str | Path) -> Image.Image:
    """Open an image file, checking its size from the header before decoding any pixels."""
    try:
        image = Image.open(path)  # lazy: reads only the header
    except Image.DecompressionBombError as err:
        raise ImageInputError(f"{Path(path).name} is far too large: the limit is {MAX_SIDE} pixels a side") from err
    except (UnidentifiedImageError, OSError) as err:
        raise ImageInputError(f"{Path(path).name} is not an image PIL can read (PNG, JPEG, GIF, BMP, WebP...)") from err
    check_size(*image.size)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as err:  # truncated or corrupted data
        raise ImageInputError(f"{Path(path).name} is corrupted: {err}") from err
    return image


def _array_to_unit(a: np.ndarray) -> np.ndarray:
    """Any numeric array -> float32 in [0, 1], scaled by its dtype's range."""
    if a.dtype == bool:
        return a.astype(np.float32)
    if np.issubdtype(a.dtype, np.integer):
        peak = int(a.max(initial=0))
        # Wider integer images (PIL's "I;16" and "I") often hold 8-bit values: PIL's convert() does not rescale.
        top = 255 if a.dtype.itemsize == 1 or peak <= 255 else 65535 if peak <= 65535 else peak
        return np.clip(a.astype(np.float32) / top, 0, 1)
    a = np.nan_to_num(a.astype(np.float32))
    return np.clip(a / 255 if a.max(initial=0) > 1 else a, 0, 1)


def _flatten_channels(a: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) in [0, 1] -> (H, W); transparency is composited over white."""
    if a.ndim == 2:
        return a
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise ImageInputError(f"expected a grey, RGB or RGBA image, got an array of shape {a.shape}")
    colour, alpha = (a[..., :-1], a[..., -1:]) if a.shape[2] in (2, 4) else (a, None)
    grey = colour.mean(axis=2) if colour.shape[2] == 1 else colour @ np.array([0.299, 0.587, 0.114], np.float32)
    return grey if alpha is None else grey * alpha[..., 0] + (1 - alpha[..., 0])


def to_grey(image: Image.Image | np.ndarray) -> np.ndarray:
    """Any PIL image (any mode, 16-bit and palette included) or array -> float32 (H, W) in [0, 1]."""
    if isinstance(image, Image.Image):
        check_size(*image.size)
        if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
            return _array_to_unit(np.asarray(image))
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "L")
    a = np.asarray(image)
    if a.ndim < 2:
        raise ImageInputError(f"expected a 2-D image, got an array of shape {a.shape}")
    check_size(a.shape[1], a.shape[0])
    return _flatten_channels(_array_to_unit(a))


def _resize(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float (H, W) in [0, 1] -> float (size[1], size[0]), antialiased."""
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS)).clip(0, 1)


def _frame(a: np.ndarray, box: int) -> np.ndarray:
    """Crop to the object, scale its longer side to ``box`` and centre it (by mass) in a 28x28 frame."""
    rows, cols = np.flatnonzero(a.max(1) > 0.1), np.flatnonzero(a.max(0) > 0.1)
    if len(rows) == 0:  # nothing there: keep the (blank) image as it is
        return _resize(a, (SIZE, SIZE))
    a = a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = a.shape
    scale = box / max(h, w)
    a = _resize(a, (max(1, round(w * scale)), max(1, round(h * scale))))
    out = np.zeros((SIZE, SIZE), np.float32)
    h, w = a.shape
    y, x = (SIZE - h) // 2, (SIZE - w) // 2
    if box < SIZE:  # MNIST: shift so the centre of mass lands in the middle, staying inside the frame
        mass = a.sum() or 1.0
        cy, cx = (np.arange(h) @ a.sum(1)) / mass, (np.arange(w) @ a.sum(0)) / mass
        y = int(np.clip(round(SIZE / 2 - cy - 0.5), 0, SIZE - h))
        x = int(np.clip(round(SIZE / 2 - cx - 0.5), 0, SIZE - w))
    out[y:y + h, x:x + w] = a
    return out


def preprocess_image(image: Image.Image | np.ndarray, *, dataset: str = "mnist",
                     center: bool | None = None) -> np.ndarray:
    """Any image -> uint8 (28, 28), a light object on a dark background like the training data.

    Dark-on-light images (drawings, scans) are inverted, judged by the border. ``center`` crops to the
    object and frames it like ``dataset`` does. By default a square image of 28k x 28k pixels is taken to be
    a 28x28 image upscaled k times (such as the app's own downloads) and only shrunk back; others are framed.
    """
    a = to_grey(image)  # (H, W) in [0, 1]
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if border.mean() > 0.5:
        a = 1 - a
    upscaled = a.shape[0] == a.shape[1] and a.shape[0] % SIZE == 0  # e.g. our own 112x112 display images
    if center is None:
        center = not upscaled
    if center:
        a = _frame(a, FRAMING.get(dataset, SIZE))
    elif upscaled:  # exact: each 28x28 pixel is the mean of its k x k block
        k = a.shape[0] // SIZE
        a = a.reshape(SIZE, k, SIZE, k).mean(axis=(1, 3))
    else:
        a = _resize(a, (SIZE, SIZE))
    return np.round(a * 255).astype(np.uint8)


def is_blank(image: np.ndarray, threshold: int = 25) -> bool:
    """True when no pixel of a uint8 (28, 28) image stands out from the background."""
    return int(np.asarray(image).max(initial=0)) < threshold


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour upscaling of (H, W) or (H, W, C): crisp pixels."""
    return np.asarray(image).repeat(scale, axis=0).repeat(scale, axis=1)


def error_heatmap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel |a - b| of two uint8 (H, W) images as an RGB (H, W, 3) 'hot' map: black, red, yellow, white."""
    e = np.abs(a.astype(np.float32) - b.astype(np.float32)) / 255
    rgb = np.stack([3 * e, 3 * e - 1, 3 * e - 2], axis=-1)
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def grid(images: np.ndarray, nrow: int = 8, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """uint8 (N, H, W) -> one uint8 (rows*(H+p)+p, nrow*(W+p)+p) image, row-major."""
    images = np.asarray(images)
    n, h, w = images.shape
    nrow = max(1, min(nrow, n))
    rows = -(-n // nrow)
    out = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding), pad_value, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + c * (w + padding)
        out[y:y + h, x:x + w] = img
    return out


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _as_rgb(cell: np.ndarray) -> np.ndarray:
    cell = np.asarray(cell, np.uint8)
    return np.repeat(cell[..., None], 3, axis=2) if cell.ndim == 2 else cell


def labelled_grid(cells: list[list[np.ndarray]], *, col_labels: list[str] | None = None,
                  row_labels: list[str] | None = None, captions: list[list[str]] | None = None,
                  scale: int = 3, pad: int = 4, font_size: int = 16) -> np.ndarray:
    """Rows of uint8 (H, W) or (H, W, 3) cells -> one RGB image, with column titles, row titles and captions.

    All cells share one shape. Text is drawn with PIL's built-in font, so no font files are needed; 16 px by default,
    readable from the back of a lecture room when the picture is projected.
    """
    rows, cols = len(cells), max(len(r) for r in cells)
    h, w = (s * scale for s in np.asarray(cells[0][0]).shape[:2])
    font = _font(font_size)
    line = font_size + 4
    text_w = lambda s: int(font.getlength(s))  # noqa: E731
    left = max((text_w(s) for s in row_labels), default=0) + 2 * pad if row_labels else 0
    top = line + pad if col_labels else 0
    below = line if captions else 0
    texts = [s for r in captions or [] for s in r] + list(col_labels or [])
    cell_w = max([w] + [text_w(s) + pad for s in texts])
    width, height = left + cols * (cell_w + pad) + pad, top + rows * (h + below + pad) + pad
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    for c, label in enumerate(col_labels or []):
        x = left + pad + c * (cell_w + pad) + cell_w / 2
        draw.text((x, pad + line / 2), label, fill="black", font=font, anchor="mm")
    for r, row in enumerate(cells):
        y = top + pad + r * (h + below + pad)
        if row_labels:
            draw.text((pad, y + h / 2), row_labels[r], fill="black", font=font, anchor="lm")
        for c, cell in enumerate(row):
            x = left + pad + c * (cell_w + pad)
            canvas.paste(Image.fromarray(upscale(_as_rgb(cell), scale)), (x + (cell_w - w) // 2, y))
            if captions:
                draw.text((x + cell_w / 2, y + h + line / 2), captions[r][c], fill="black", font=font, anchor="mm")
    return np.asarray(canvas)


def gif_bytes(frames: np.ndarray, *, scale: int = 4, duration_ms: int = 100, pingpong: bool = True) -> bytes:
    """uint8 (T, H, W) frames -> an endlessly looping animated GIF; ``pingpong`` plays it forth and back."""
    frames = np.asarray(frames, np.uint8)
    if pingpong and len(frames) > 2:
        frames = np.concatenate([frames, frames[-2:0:-1]])
    images = [Image.fromarray(upscale(f, scale)) for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return buffer.getvalue()


def write_gif(frames: np.ndarray, folder: str | Path, **kwargs) -> Path:
    """Write the GIF of ``frames`` into ``folder``, named by its content, so the same request reuses one file."""
    data = gif_bytes(frames, **kwargs)
    path = Path(folder) / f"{hashlib.sha1(data).hexdigest()[:16]}.gif"
    if not path.exists():
        write_atomic(path, data)  # a concurrent reader never sees half a file
    else:
        os.utime(path)  # reused: fresh again for whoever prunes old files
    return path


def captioned(picture: np.ndarray, lines: list[str], *, scale: int = 2, font_size: int = 16, pad: int = 8
              ) -> np.ndarray:
    """A picture enlarged ``scale`` times (crisp pixels) above a white strip with ``lines`` of text, each cut to
    the picture's width at a space: a download that says how to make it again."""
    big = upscale(_as_rgb(picture), scale)
    font = _font(font_size)
    width = max(big.shape[1], 480)  # a narrow picture still gets a readable caption
    wrapped = [part for text in lines for part in _wrap(text, font, width - 2 * pad)]
    height = big.shape[0] + pad + len(wrapped) * (font_size + 4) + pad
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(Image.fromarray(big), ((width - big.shape[1]) // 2, 0))
    draw = ImageDraw.Draw(canvas)
    for i, text in enumerate(wrapped):
        draw.text((pad, big.shape[0] + pad + i * (font_size + 4)), text, fill="black", font=font)
    return np.asarray(canvas)


def _wrap(text: str, font: ImageFont.ImageFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and font.getlength(f"{line} {word}") > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]
