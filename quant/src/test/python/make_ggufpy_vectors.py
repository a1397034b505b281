"""Writes oracle test vectors for the quant/ reference codecs using gguf-py (PyPI `gguf` 0.19.0),
an implementation of the GGUF block formats independent of ours.

    pip install gguf==0.19.0 numpy
    python3 quant/src/test/python/make_ggufpy_vectors.py quant/src/test/resources/dev/tessera/quant/ggufpy

For each type T it writes
  T.dequant : int32 n (elements), block bytes, then n float32 values decoded by gguf-py
  T.quant   : int32 n, n float32 inputs, then the block bytes gguf-py's quantizer produced
(all little-endian). Block bytes for .dequant are random, except the FP16 scale fields, which
are random finite halves so that every decoded value is finite.
"""
import sys
import pathlib
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

# Byte offsets of FP16 scale fields within one block.
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
DEQUANT_BLOCKS = {T.F16: 4096, T.BF16: 4096}
QUANT_TYPES = [T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]


def random_halves(rng, count):
    mag = rng.uniform(-10, 1, count)
    sign = rng.choice([-1.0, 1.0], count)
    return (sign * np.exp2(mag)).astype(np.float16)


def dequant_vectors(rng, qtype):
    block_elems, block_bytes = quants.GGML_QUANT_SIZES[qtype]
    if qtype in (T.F16, T.BF16):
        n = DEQUANT_BLOCKS[qtype]
        if qtype == T.F16:
            raw = rng.integers(0, 1 << 16, n, dtype=np.uint16)
            raw[(raw & 0x7C00) == 0x7C00] &= 0xBFFF  # no Inf/NaN: compare values exactly
        else:
            raw = rng.integers(0, 1 << 16, n, dtype=np.uint16)
            raw[(raw & 0x7F80) == 0x7F80] &= 0xBFFF
        data = raw.view(np.uint8)
    else:
        nblocks = 64 if block_elems == 32 else 16
        n = nblocks * block_elems
        data = rng.integers(0, 256, (nblocks, block_bytes), dtype=np.uint8)
        for off in HALF_FIELDS[qtype]:
            data[:, off:off + 2] = random_halves(rng, nblocks).view(np.uint8).reshape(nblocks, 2)
        data = data.reshape(-1)
    out = quants.dequantize(data, qtype).astype(np.float32).reshape(-1)
    assert out.size == n and np.all(np.isfinite(out))
    return np.int32(n).tobytes() + data.tobytes() + out.astype('<f4').tobytes()


def quant_vectors(rng, qtype):
    n = 4096
    x = rng.standard_normal(n).astype(np.float32)
    x[:1024] *= np.float32(0.02)            # typical weight magnitudes
    x[1024:1056] = 0                        # an all-zero block
    x[1056:1088] = np.float32(1.5)          # a constant block
    x[1088:1120] *= np.float32(1e-6)        # tiny values (subnormal FP16 scales)
    x[1120:1152] = (np.arange(32, dtype=np.float32) - 16) * np.float32(0.125)  # exact ties
    q = quants.quantize(x.reshape(1, n), qtype)
    return np.int32(n).tobytes() + x.astype('<f4').tobytes() + q.view(np.uint8).tobytes()


def main(outdir):
    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261122)
    for qtype in [T.F16, T.BF16, *HALF_FIELDS]:
        (out / f"{qtype.name}.dequant").write_bytes(dequant_vectors(rng, qtype))
    for qtype in QUANT_TYPES:
        (out / f"{qtype.name}.quant").write_bytes(quant_vectors(rng, qtype))


if __name__ == "__main__":
    main(sys.argv[1])
