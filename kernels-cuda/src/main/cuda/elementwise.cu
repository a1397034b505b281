// Elementwise operations over F32 activations (grid-stride loops, 64-bit counts).
#include "common.cuh"

#define FOR_EACH(i, count) \
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (count); i += (i64) gridDim.x * blockDim.x)

// gate = silu(gate) * up
extern "C" __global__ void tsr_swiglu(float* gate, const float* up, i64 count) {
    FOR_EACH(i, count) {
        float g = gate[i];
        gate[i] = g / (1.f + expf(-g)) * up[i];
    }
}

// gate = gelu_tanh(gate) * up
extern "C" __global__ void tsr_geglu(float* gate, const float* up, i64 count) {
    const float k = 0.7978845608028654f;  // sqrt(2/pi)
    FOR_EACH(i, count) {
        float g = gate[i];
        gate[i] = 0.5f * g * (1.f + tanhf(k * (g + 0.044715f * g * g * g))) * up[i];
    }
}

extern "C" __global__ void tsr_add(float* dst, const float* src, i64 count) {
    FOR_EACH(i, count) dst[i] += src[i];
}

extern "C" __global__ void tsr_scale(float* x, i64 count, float s) {
    FOR_EACH(i, count) x[i] *= s;
}

extern "C" __global__ void tsr_softcap(float* x, i64 count, float cap) {
    FOR_EACH(i, count) x[i] = cap * tanhf(x[i] / cap);
}

// x[r, c] += bias[c] for n rows of cols.
extern "C" __global__ void tsr_add_bias(float* x, const float* bias, i64 count, int cols) {
    FOR_EACH(i, count) x[i] += bias[i % cols];
}
