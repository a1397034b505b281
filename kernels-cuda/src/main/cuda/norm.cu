// Row-wise reductions: RMSNorm and softmax. One block of 256 threads per row.
#include "common.cuh"

__device__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, w = threadIdx.x / 32;
    v = warp_sum(v);
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    float s = lane < blockDim.x / 32 ? scratch[lane] : 0.f;
    s = warp_sum(s);
    __syncthreads();
    return s;
}

__device__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, w = threadIdx.x / 32;
    v = warp_max(v);
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    float s = lane < blockDim.x / 32 ? scratch[lane] : NEG_INF;
    s = warp_max(s);
    __syncthreads();
    return s;
}

// out = x / sqrt(mean(x²) + eps) * g, per row of cols; out may alias x.
extern "C" __global__ void tsr_rmsnorm(const float* x, const float* g, float* out, int cols, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (i64) blockIdx.x * cols;
    float* o = out + (i64) blockIdx.x * cols;
    float ss = 0.f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) ss = fmaf(xr[i], xr[i], ss);
    ss = block_sum(ss, scratch);
    float s = rsqrtf(ss / (float) cols + eps);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) o[i] = xr[i] * s * g[i];
}

// In-place softmax of each row of cols.
extern "C" __global__ void tsr_softmax(float* x, int cols) {
    __shared__ float scratch[32];
    float* r = x + (i64) blockIdx.x * cols;
    float m = NEG_INF;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) m = fmaxf(m, r[i]);
    m = block_max(m, scratch);
    float s = 0.f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float e = expf(r[i] - m);
        r[i] = e;
        s += e;
    }
    s = block_sum(s, scratch);
    float inv = 1.f / s;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) r[i] *= inv;
}
