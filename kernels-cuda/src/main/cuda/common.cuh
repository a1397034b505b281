// Shared device helpers for Tessera's CUDA kernels. No CUDA headers are included so the same
// sources compile with nvcc and with NVRTC without include paths.
#ifndef TESSERA_COMMON_CUH
#define TESSERA_COMMON_CUH

typedef unsigned char u8;
typedef signed char i8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef long long i64;

#define FULL_MASK 0xffffffffu
#define NEG_INF (-__int_as_float(0x7f800000))

// The dequantizers below are also compiled for the host, where a test runs them against the
// Java reference decoders; hence the host branches of h2f and bf2f.
__host__ __device__ __forceinline__ float bits2f(u32 b) {
#ifdef __CUDA_ARCH__
    return __uint_as_float(b);
#else
    float f;
    __builtin_memcpy(&f, &b, 4);
    return f;
#endif
}

__host__ __device__ __forceinline__ float h2f(u16 h) {
#ifdef __CUDA_ARCH__
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
#else
    u32 sign = (u32) (h & 0x8000) << 16, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    if (e == 0) return (sign ? -1.f : 1.f) * (float) m * 5.9604644775390625e-8f;  // subnormal: m * 2^-24
    if (e == 31) return bits2f(sign | 0x7F800000u | (m << 13));
    return bits2f(sign | ((e + 112) << 23) | (m << 13));
#endif
}

__host__ __device__ __forceinline__ u16 f2h(float f) {
#ifdef __CUDA_ARCH__
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
#else
    // Round to nearest even, overflow to infinity (what cvt.rn.f16.f32 does).
    u32 x;
    __builtin_memcpy(&x, &f, 4);
    u32 sign = (x >> 16) & 0x8000, m = x & 0x7FFFFF;
    int e = (int) ((x >> 23) & 0xFF);
    if (e == 0xFF) return (u16) (sign | 0x7C00 | (m ? 0x200 : 0));
    e = e - 127 + 15;
    if (e >= 31) return (u16) (sign | 0x7C00);
    int shift = 13;
    u32 h;
    if (e <= 0) {
        if (e < -10) return (u16) sign;
        m |= 0x800000;
        shift = 14 - e;
        h = m >> shift;
    } else {
        h = ((u32) e << 10) | (m >> 13);
    }
    u32 rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;  // a carry into the exponent is still correct
    return (u16) (sign | h);
#endif
}

// Dynamic shared memory of a kernel (a hook so the host emulation used by tests can supply it).
#ifndef TESSERA_DYNAMIC_SMEM
#define TESSERA_DYNAMIC_SMEM(name) extern __shared__ float name[]
#endif

__host__ __device__ __forceinline__ float bf2f(u16 b) { return bits2f(((u32) b) << 16); }

__host__ __device__ __forceinline__ u16 ld16(const u8* p) { return *(const u16*) p; }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

// ---- Weight types: every row is a sequence of 32-element "units" (a Q8_0/Q4_0 block, a
// 32-element sub-block of a Q4_K/Q6_K super-block, or 32 plain elements). deq_unit writes the
// 32 floats of unit u of a row, computed as quant-formats.md section 3 specifies.

enum WeightType { W_F32 = 0, W_F16 = 1, W_BF16 = 30, W_Q4_0 = 2, W_Q8_0 = 8, W_Q4_K = 12, W_Q6_K = 14 };

template <int T> __host__ __device__ __forceinline__ void deq_unit(const u8* row, int u, float* y);

template <> __host__ __device__ __forceinline__ void deq_unit<W_F32>(const u8* row, int u, float* y) {
    const float* p = (const float*) row + 32 * u;
#pragma unroll
    for (int i = 0; i < 32; i++) y[i] = p[i];
}

template <> __host__ __device__ __forceinline__ void deq_unit<W_F16>(const u8* row, int u, float* y) {
    const u16* p = (const u16*) row + 32 * u;
#pragma unroll
    for (int i = 0; i < 32; i++) y[i] = h2f(p[i]);
}

template <> __host__ __device__ __forceinline__ void deq_unit<W_BF16>(const u8* row, int u, float* y) {
    const u16* p = (const u16*) row + 32 * u;
#pragma unroll
    for (int i = 0; i < 32; i++) y[i] = bf2f(p[i]);
}

// Q8_0: fp16 d, then 32 int8.
template <> __host__ __device__ __forceinline__ void deq_unit<W_Q8_0>(const u8* row, int u, float* y) {
    const u8* b = row + 34 * u;
    float d = h2f(ld16(b));
#pragma unroll
    for (int i = 0; i < 32; i++) y[i] = (float) (i8) b[2 + i] * d;
}

// Q4_0: fp16 d, 16 bytes; byte j holds element j (low nibble) and j+16 (high nibble), offset 8.
template <> __host__ __device__ __forceinline__ void deq_unit<W_Q4_0>(const u8* row, int u, float* y) {
    const u8* b = row + 18 * u;
    float d = h2f(ld16(b));
#pragma unroll
    for (int j = 0; j < 16; j++) {
        int q = b[2 + j];
        y[j] = (float) ((q & 0xF) - 8) * d;
        y[j + 16] = (float) ((q >> 4) - 8) * d;
    }
}

// Q4_K: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales/mins, 128 bytes of nibbles.
// Unit u is sub-block j = u % 8 of super-block u / 8: elements 64c + 32h + l with j = 2c + h.
template <> __host__ __device__ __forceinline__ void deq_unit<W_Q4_K>(const u8* row, int u, float* y) {
    const u8* b = row + 144 * (u >> 3);
    int j = u & 7;
    float d = h2f(ld16(b));
    float dmin = h2f(ld16(b + 2));
    const u8* s = b + 4;
    int sc, m;
    if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
    float dl = d * (float) sc;
    float ml = dmin * (float) m;
    const u8* qs = b + 16 + 32 * (j >> 1);
    int shift = 4 * (j & 1);
#pragma unroll
    for (int l = 0; l < 32; l++) y[l] = dl * (float) ((qs[l] >> shift) & 0xF) - ml;
}

// Q6_K: ql[128], qh[64], int8 scales[16], fp16 d. Unit u is elements 32j..32j+31 of super-block
// u / 8 with j = u % 8 = 4n + k.
template <> __host__ __device__ __forceinline__ void deq_unit<W_Q6_K>(const u8* row, int u, float* y) {
    const u8* b = row + 210 * (u >> 3);
    int j = u & 7;
    int n = j >> 2, k = j & 3;
    float d = h2f(ld16(b + 208));
    const u8* ql = b + 64 * n + 32 * (k & 1);
    const u8* qh = b + 128 + 32 * n;
    int lshift = 4 * (k >> 1), hshift = 2 * k;
    float d0 = d * (float) (i8) b[192 + 2 * j];
    float d1 = d * (float) (i8) b[192 + 2 * j + 1];
#pragma unroll
    for (int l = 0; l < 32; l++) {
        int q = (((ql[l] >> lshift) & 0xF) | (((qh[l] >> hshift) & 3) << 4)) - 32;
        y[l] = (l < 16 ? d0 : d1) * (float) q;
    }
}

// Element i of a row of a plain type (F32/F16/BF16), for rows whose length is not a multiple of
// 32; block-quantized rows always are, and never reach it.
template <int T> __device__ __forceinline__ float elem(const u8* row, int i) {
    if (T == W_F32) return ((const float*) row)[i];
    if (T == W_F16) return h2f(((const u16*) row)[i]);
    if (T == W_BF16) return bf2f(((const u16*) row)[i]);
    return 0.f;
}

#endif
