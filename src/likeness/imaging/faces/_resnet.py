"""dlib's face-embedding ResNet, run with NumPy (OpenBLAS) instead of dlib's own code.

dlib's ``face_recognition_model_v1`` is a 29-layer ResNet on 150×150 aligned chips
(``examples/dnn_face_recognition_ex.cpp`` in dlib's sources defines it). The dlib-bin
wheel runs it with its own loops (no BLAS): about 75 ms a chip on one core here. The same
network, its convolutions as one matrix product each (im2col and OpenBLAS's sgemm, which
NumPy's wheel ships), takes a fraction of that and gives the same descriptors up to
float32 rounding (tests compare the two on real and synthetic faces; decision 0031).

The weights are read from the very ``.dat`` file dlib loads (admitted by the model
registry first, as for dlib), parsed here from dlib's serialization format: every tensor
is stored as raw little-endian float32, so parsing the 22 MB file takes well under a
second, once per process; nothing is cached on disk and nothing is downloaded. The
parser checks each layer's kind, shape, stride and padding against the network's
definition and raises :class:`ResnetFormatError` on any difference: the caller then
falls back to dlib.

dlib's layers and their semantics, as implemented here:

- ``input_rgb_image_sized<150>``: ``(channel - mean) / 256`` per channel (R, G, B);
- ``con<N, k, k, s, s>``: cross-correlation, bias, zero padding ``k // 2`` when
  ``s == 1`` and none otherwise;
- ``affine`` (batch normalisation folded in at training's end): ``x * gamma + beta``
  per channel; a ``bn_con`` stored instead is folded as dlib folds it;
- ``max_pool<3, 3, 2, 2>`` and ``avg_pool<2, 2, 2, 2>``: no padding;
- ``add_prev``: the sum of two tensors of possibly different shapes, the missing
  channels, rows and columns of the smaller counting as zero (dlib's ``tt::add``): the
  shortcut of a down-sampling block is wider than its branch where sizes are odd;
- ``avg_pool_everything`` and ``fc_no_bias<128>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.faces._blas import one_blas_thread

__all__ = ["CHIP_SIZE", "ResnetFormatError", "ResnetWeights", "load_weights", "run_network"]

#: The side of the aligned chip the network takes (``dlib.get_face_chip(size=150)``).
CHIP_SIZE = 150
_MEANS = np.array([122.782, 117.001, 104.298], dtype=np.float32)

#: (channels, down-sampling) of each residual block, input to output.
BLOCKS: tuple[tuple[int, bool], ...] = (
    ((32, False),) * 3
    + ((64, True),)
    + ((64, False),) * 3
    + ((128, True),)
    + ((128, False),) * 2
    + ((256, True),)
    + ((256, False),) * 2
    + ((256, True),)
)


class ResnetFormatError(Exception):
    """The model file is not the network this module implements (internal: the analyzer
    then embeds with dlib)."""


@dataclass(frozen=True)
class Conv:
    """A convolution: weights ``[kh * kw * c_in, c_out]`` (im2col order), bias, geometry."""

    weights: NDArray[np.float32]
    bias: NDArray[np.float32]
    size: int
    stride: int
    padding: int


@dataclass(frozen=True)
class Affine:
    gamma: NDArray[np.float32]
    beta: NDArray[np.float32]


@dataclass(frozen=True)
class Block:
    conv1: Conv
    affine1: Affine
    conv2: Conv
    affine2: Affine
    down: bool


@dataclass(frozen=True)
class ResnetWeights:
    """The whole network's parameters, in forward order."""

    stem: Conv
    stem_affine: Affine
    blocks: tuple[Block, ...]
    #: ``[256, 128]``: the descriptor is ``pooled @ fc``.
    fc: NDArray[np.float32]
    means: NDArray[np.float32]


class _Reader:
    """dlib's serialization primitives over a byte buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise ResnetFormatError("unexpected end of the model file")
        value = self.data[self.at]
        self.at += 1
        return value

    def integer(self) -> int:
        """dlib's variable-length integer: a control byte (sign 0x80, byte count in the
        low nibble), then that many little-endian bytes."""
        control = self.byte()
        size = control & 0x0F
        if size == 0 or size > 8 or control & 0x70:
            raise ResnetFormatError(f"bad integer control byte {control:#x} at {self.at - 1}")
        raw = self.data[self.at : self.at + size]
        if len(raw) != size:
            raise ResnetFormatError("unexpected end of the model file")
        self.at += size
        value = int.from_bytes(raw, "little")
        return -value if control & 0x80 else value

    def number(self) -> float:
        """dlib's ``float_details``: a 64-bit mantissa and 16-bit exponent."""
        mantissa, exponent = self.integer(), self.integer()
        if exponent >= 32000:
            raise ResnetFormatError("non-finite number in the model file")
        return float(np.ldexp(float(mantissa), exponent))

    def flag(self) -> bool:
        value = self.byte()
        if value not in (0x30, 0x31):
            raise ResnetFormatError(f"bad boolean at {self.at - 1}")
        return value == 0x31

    def text(self) -> str:
        size = self.integer()
        raw = self.data[self.at : self.at + size]
        self.at += size
        return raw.decode("latin-1")

    def tensor(self) -> NDArray[np.float32]:
        """A ``resizable_tensor``: version 2, four dimensions, raw float32 values."""
        if self.integer() != 2:
            raise ResnetFormatError("unknown tensor version")
        shape = tuple(self.integer() for _ in range(4))
        count = int(np.prod(shape))
        end = self.at + 4 * count
        if end > len(self.data):
            raise ResnetFormatError("unexpected end of the model file")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.at)
        self.at = end
        return values.astype(np.float32).reshape(shape)

    def alias(self) -> tuple[int, ...]:
        if self.integer() != 1:
            raise ResnetFormatError("unknown alias tensor version")
        return tuple(self.integer() for _ in range(4))


@dataclass
class _Layer:
    kind: str
    values: dict[str, object]


def _details(reader: _Reader) -> _Layer:
    """One layer's own fields (dlib's ``serialize(details)``)."""
    version = reader.text()
    if version in ("con_4", "con_5", "con_6"):
        params = reader.tensor()
        fields = {
            "params": params,
            "filters": reader.integer(),
            "nr": reader.integer(),
            "nc": reader.integer(),
            "stride_y": reader.integer(),
            "stride_x": reader.integer(),
            "padding_y": reader.integer(),
            "padding_x": reader.integer(),
            "filter_shape": reader.alias(),
            "bias_shape": reader.alias(),
        }
        for _ in range(4):
            reader.number()  # learning-rate and weight-decay multipliers
        fields["use_bias"] = reader.flag() if version in ("con_5", "con_6") else True
        if version == "con_6" and reader.flag():
            raise ResnetFormatError("a convolution with a fused ReLU is not expected")
        return _Layer("con", fields)
    if version in ("affine_", "affine_2"):
        params = reader.tensor()
        gamma, beta = reader.alias(), reader.alias()
        reader.integer()  # mode
        if version == "affine_2" and reader.flag():
            raise ResnetFormatError("a disabled affine layer is not expected")
        count = int(np.prod(gamma))
        flat = params.reshape(-1)
        if flat.size != count + int(np.prod(beta)):
            raise ResnetFormatError("affine parameters do not match their shapes")
        return _Layer("affine", {"gamma": flat[:count], "beta": flat[count:]})
    if version == "bn_con2":
        params = reader.tensor()
        gamma, _ = reader.alias(), reader.alias()
        reader.tensor()  # means (of the last training batch)
        reader.tensor()  # invstds
        running_means, running_variances = reader.tensor(), reader.tensor()
        reader.integer()  # num_updates
        reader.integer()  # running_stats_window_size
        for _ in range(4):
            reader.number()
        eps = np.float32(reader.number())
        count = int(np.prod(gamma))
        flat = params.reshape(-1)
        # affine_(const bn_&): g / sqrt(running_variances + eps), b - g * running_means.
        g = flat[:count] / np.sqrt(running_variances.reshape(-1) + eps)
        b = flat[count:] - g * running_means.reshape(-1)
        return _Layer("affine", {"gamma": g.astype(np.float32), "beta": b.astype(np.float32)})
    if version in ("relu_", "relu_2"):
        if version == "relu_2" and reader.flag():
            raise ResnetFormatError("a disabled ReLU is not expected")
        return _Layer("relu", {})
    if version in ("max_pool_2", "avg_pool_2"):
        fields = {
            name: reader.integer()
            for name in ("nr", "nc", "stride_y", "stride_x", "padding_y", "padding_x")
        }
        return _Layer(version[:-2], fields)
    if version == "add_prev_":
        return _Layer("add_prev", {})
    if version in ("fc_2", "fc_3"):
        outputs, inputs = reader.integer(), reader.integer()
        params = reader.tensor()
        reader.alias()  # weights
        reader.alias()  # biases
        if reader.integer() != 1:  # FC_NO_BIAS
            raise ResnetFormatError("a fully connected layer with a bias is not expected")
        for _ in range(4):
            reader.number()
        if version == "fc_3":
            reader.flag()
        weights = params.reshape(-1)[: inputs * outputs].reshape(inputs, outputs)
        return _Layer("fc", {"weights": weights})
    raise ResnetFormatError(f"unexpected layer {version!r}")


def _parse(data: bytes) -> tuple[list[_Layer], NDArray[np.float32]]:
    """The layers of dlib's serialized network in forward order, and the input means."""
    reader = _Reader(data)
    if reader.integer() != 1:
        raise ResnetFormatError("not a dlib loss layer")
    loss = reader.text()
    if loss == "loss_metric_2":
        reader.number()
        reader.number()
    elif loss != "loss_metric_":
        raise ResnetFormatError(f"unexpected loss {loss!r}")
    # The wrappers serialize their inner network first: a chain of version numbers
    # (add_layer 2, tag and skip layers 1), the input layer, then each layer's own
    # fields from the input outwards.
    versions: list[int] = []
    while True:
        mark = reader.at
        value = reader.integer()
        if value > 3:
            reader.at = mark
            break
        versions.append(value)
    if reader.text() != "input_rgb_image_sized":
        raise ResnetFormatError("unexpected input layer")
    means = np.array([reader.number() for _ in range(3)], dtype=np.float32)
    if (reader.integer(), reader.integer()) != (CHIP_SIZE, CHIP_SIZE):
        raise ResnetFormatError("unexpected input size")
    layers: list[_Layer] = []
    for index, version in enumerate(reversed(versions)):
        innermost = index == 0
        if version == 1 and not innermost:
            continue  # a tag or skip layer: structure only
        layers.append(_details(reader))
        for _ in range(3):
            reader.flag()
        for _ in range(3):
            reader.tensor()  # gradient and cached output (empty in a saved model)
        if innermost and version >= 3:
            reader.integer()
    if reader.at != len(data):
        raise ResnetFormatError("trailing bytes after the network")
    return layers, means


def _conv(layer: _Layer, c_in: int, c_out: int, size: int, stride: int) -> Conv:
    v = layer.values
    if layer.kind != "con":
        raise ResnetFormatError(f"expected a convolution, found {layer.kind}")
    padding = size // 2 if stride == 1 else 0
    geometry = (v["filters"], v["nr"], v["nc"], v["stride_y"], v["stride_x"])
    if geometry != (c_out, size, size, stride, stride) or (v["padding_y"], v["padding_x"]) != (
        padding,
        padding,
    ):
        raise ResnetFormatError(f"unexpected convolution geometry {geometry}")
    params = np.asarray(v["params"], np.float32).reshape(-1)
    count = c_out * c_in * size * size
    if v["filter_shape"] != (c_out, c_in, size, size) or params.size != count + c_out:
        raise ResnetFormatError("convolution parameters do not match their shapes")
    filters = params[:count].reshape(c_out, c_in, size, size)
    # im2col order: rows (kernel row, kernel column, input channel), one column a filter.
    weights = np.ascontiguousarray(filters.transpose(2, 3, 1, 0).reshape(-1, c_out))
    bias = params[count:] if v["use_bias"] else np.zeros(c_out, np.float32)
    return Conv(weights, np.ascontiguousarray(bias), size, stride, padding)


def _affine(layer: _Layer, channels: int) -> Affine:
    if layer.kind != "affine":
        raise ResnetFormatError(f"expected an affine layer, found {layer.kind}")
    gamma = np.asarray(layer.values["gamma"], np.float32)
    beta = np.asarray(layer.values["beta"], np.float32)
    if gamma.shape != (channels,) or beta.shape != (channels,):
        raise ResnetFormatError("affine parameters of the wrong size")
    return Affine(gamma, beta)


def _expect(layer: _Layer, kind: str, **fields: int) -> None:
    if layer.kind != kind or any(layer.values[k] != v for k, v in fields.items()):
        raise ResnetFormatError(f"expected {kind} {fields}, found {layer.kind} {layer.values}")


def load_weights(path: Path) -> ResnetWeights:
    """The network in ``path`` (dlib's ``dlib_face_recognition_resnet_model_v1.dat``);
    :class:`ResnetFormatError` if the file is not exactly that network."""
    layers, means = _parse(path.read_bytes())
    it = iter(layers)
    try:
        stem = _conv(next(it), 3, 32, 7, 2)
        stem_affine = _affine(next(it), 32)
        _expect(next(it), "relu")
        _expect(next(it), "max_pool", nr=3, nc=3, stride_y=2, stride_x=2, padding_y=0)
        blocks: list[Block] = []
        c_in = 32
        for c_out, down in BLOCKS:
            conv1 = _conv(next(it), c_in, c_out, 3, 2 if down else 1)
            affine1 = _affine(next(it), c_out)
            _expect(next(it), "relu")
            conv2 = _conv(next(it), c_out, c_out, 3, 1)
            affine2 = _affine(next(it), c_out)
            if down:
                _expect(next(it), "avg_pool", nr=2, nc=2, stride_y=2, stride_x=2, padding_y=0)
            _expect(next(it), "add_prev")
            _expect(next(it), "relu")
            blocks.append(Block(conv1, affine1, conv2, affine2, down))
            c_in = c_out
        _expect(next(it), "avg_pool", nr=0, nc=0)
        fc_layer = next(it)
    except StopIteration:
        raise ResnetFormatError("the model file has fewer layers than the network") from None
    if fc_layer.kind != "fc" or next(it, None) is not None:
        raise ResnetFormatError("the model file does not end with the network's last layer")
    fc = np.asarray(fc_layer.values["weights"], np.float32)
    if fc.shape != (256, 128):
        raise ResnetFormatError("unexpected fully connected layer shape")
    return ResnetWeights(stem, stem_affine, tuple(blocks), np.ascontiguousarray(fc), means)


def _strided(
    x: NDArray[np.float32], row: int, column: int, rows: int, columns: int, stride: int
) -> NDArray[np.float32]:
    """``rows`` × ``columns`` samples of ``x`` ``[n, h, w, c]``, ``stride`` apart, from
    (``row``, ``column``): what one kernel tap sees at every output position."""
    end_row, end_column = row + stride * (rows - 1) + 1, column + stride * (columns - 1) + 1
    return x[:, row:end_row:stride, column:end_column:stride]


def _convolve(x: NDArray[np.float32], conv: Conv) -> NDArray[np.float32]:
    """``x`` ``[n, h, w, c]`` convolved (dlib's ``con``): im2col, then one sgemm."""
    n, h, w, c = x.shape
    k, s, p = conv.size, conv.stride, conv.padding
    if p:
        padded = np.zeros((n, h + 2 * p, w + 2 * p, c), np.float32)
        padded[:, p : p + h, p : p + w] = x
        x, h, w = padded, h + 2 * p, w + 2 * p
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    columns = np.empty((n, ho, wo, k, k, c), np.float32)
    for i in range(k):
        for j in range(k):
            columns[:, :, :, i, j] = _strided(x, i, j, ho, wo, s)
    out = columns.reshape(n * ho * wo, k * k * c) @ conv.weights
    out += conv.bias
    return out.reshape(n, ho, wo, -1)


def _scale(x: NDArray[np.float32], affine: Affine, *, relu: bool) -> NDArray[np.float32]:
    x *= affine.gamma
    x += affine.beta
    if relu:
        np.maximum(x, 0.0, out=x)
    return x


def _pool(x: NDArray[np.float32], size: int, stride: int, *, mean: bool) -> NDArray[np.float32]:
    h, w = x.shape[1:3]
    ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
    out: NDArray[np.float32] | None = None
    for i in range(size):
        for j in range(size):
            part = _strided(x, i, j, ho, wo, stride)
            if out is None:
                out = part.copy()
            elif mean:
                out += part
            else:
                np.maximum(out, part, out=out)
    assert out is not None
    if mean:
        out *= np.float32(1.0 / (size * size))
    return out


def _add(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    """dlib's ``tt::add`` of two tensors: the larger shape, missing values zero."""
    if a.shape == b.shape:
        a += b
        return a
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape, strict=True))
    out = np.zeros(shape, np.float32)
    out[: a.shape[0], : a.shape[1], : a.shape[2], : a.shape[3]] = a
    out[: b.shape[0], : b.shape[1], : b.shape[2], : b.shape[3]] += b
    return out


def run_network(weights: ResnetWeights, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Descriptors ``[n, 128]`` of aligned chips ``[n, 150, 150, 3]`` (RGB, uint8), the
    matrix products on one BLAS thread (:mod:`likeness.imaging.faces._blas`)."""
    if chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
        raise ValueError(f"expected [n, {CHIP_SIZE}, {CHIP_SIZE}, 3] chips, got {chips.shape}")
    with one_blas_thread():
        return _forward(weights, chips)


def _forward(weights: ResnetWeights, chips: NDArray[np.uint8]) -> NDArray[np.float32]:
    x = (chips.astype(np.float32) - weights.means) / np.float32(256.0)
    x = _convolve(x, weights.stem)
    x = _scale(x, weights.stem_affine, relu=True)
    x = _pool(x, 3, 2, mean=False)
    for block in weights.blocks:
        y = _convolve(x, block.conv1)
        y = _scale(y, block.affine1, relu=True)
        y = _convolve(y, block.conv2)
        y = _scale(y, block.affine2, relu=False)
        shortcut = _pool(x, 2, 2, mean=True) if block.down else x
        x = _add(y, shortcut)
        np.maximum(x, 0.0, out=x)
    pooled = x.reshape(x.shape[0], -1, x.shape[3]).mean(axis=1, dtype=np.float32)
    out: NDArray[np.float32] = pooled @ weights.fc
    return out
