"""`likeness watermark embed|detect`: mark an image file, or read its mark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.imaging.watermark import Detection, detect, embed
from likeness.imaging.watermark._errors import InvalidKey, InvalidPayload
from likeness.imaging.watermark._files import read_image, write_image
from likeness.kit.cli import JsonOption, console, print_json
from likeness.settings import Settings

KEY_FILE_NAME = "watermark.key"

app = typer.Typer(
    help="Invisible watermark: embed or detect a 64-bit asset ID.", no_args_is_help=True
)

KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Watermark key (32 raw bytes). Default: LIKENESS_HOME/keys/watermark.key.",
    ),
]


def _load_key(key_file: Path | None) -> bytes:
    path = key_file if key_file is not None else Settings().keys_dir / KEY_FILE_NAME
    if not path.is_file():
        if key_file is None:
            raise InvalidKey(
                f"no watermark key at {path}; run `likeness init` to create one or pass --key-file"
            )
        raise InvalidKey(f"key file {path} does not exist")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidKey(f"cannot read key file {path}: {exc.strerror}") from exc


def _parse_payload(text: str) -> bytes:
    cleaned = text.strip().lower().removeprefix("0x")
    if len(cleaned) != 16:
        raise InvalidPayload(f"--payload must be 16 hex digits, got {len(cleaned)}: {text!r}")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidPayload(f"--payload must be 16 hex digits, got {text!r}") from None


@app.command("embed")
def embed_command(
    source: Annotated[Path, typer.Argument(help="Image to mark (JPEG, PNG or WebP).")],
    target: Annotated[Path, typer.Argument(help="Where to write the marked image.")],
    payload: Annotated[str, typer.Option("--payload", help="Asset ID: 16 hex digits.")],
    key_file: KeyFileOption = None,
    strength: Annotated[
        float, typer.Option(help="Mark strength; 1.0 ≈ 42 dB PSNR; 2.0 is 6 dB stronger.")
    ] = 1.0,
) -> None:
    """Embed PAYLOAD invisibly into SOURCE and write TARGET."""
    data = _parse_payload(payload)
    key = _load_key(key_file)
    image = read_image(source)
    marked = embed(image.pixels, data, key, strength=strength)
    write_image(target, image.with_pixels(marked))
    console.print(f"marked {target} with payload {data.hex()}")


@app.command("detect")
def detect_command(
    source: Annotated[Path, typer.Argument(help="Image to check (JPEG, PNG or WebP).")],
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look for a watermark in SOURCE; prints the payload and where it was read, or says
    none was found."""
    key = _load_key(key_file)
    result: Detection = detect(read_image(source).pixels, key)
    box = list(result.box) if result.box is not None else None
    if as_json:
        print_json(
            {
                "found": result.found,
                "payload": result.payload_hex,
                "confidence": result.confidence,
                "box": box,
            }
        )
        return
    if result.found:
        where = f", read at pixels {box[0]},{box[1]} to {box[2]},{box[3]}" if box else ""
        console.print(
            f"found payload {result.payload_hex} (confidence {result.confidence:.2f}{where})"
        )
    else:
        console.print("no watermark found for this key")
