// Index of the largest of count floats (the first one on ties), one block of 1024 threads.
#include "common.cuh"

extern "C" __global__ void tsr_argmax(const float* x, int count, int* result) {
    __shared__ float bv[32];
    __shared__ int bi[32];
    float v = NEG_INF;
    int idx = count;
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        float e = x[i];
        if (e > v || idx == count) { v = e; idx = i; }
    }
    // Reduce (value, index): larger value wins, lower index on equal values.
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(FULL_MASK, v, o);
        int oi = __shfl_xor_sync(FULL_MASK, idx, o);
        if (ov > v || (ov == v && oi < idx)) { v = ov; idx = oi; }
    }
    int lane = threadIdx.x & 31, w = threadIdx.x / 32;
    if (lane == 0) { bv[w] = v; bi[w] = idx; }
    __syncthreads();
    if (w == 0) {
        v = lane < blockDim.x / 32 ? bv[lane] : NEG_INF;
        idx = lane < blockDim.x / 32 ? bi[lane] : count;
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_xor_sync(FULL_MASK, v, o);
            int oi = __shfl_xor_sync(FULL_MASK, idx, o);
            if (ov > v || (ov == v && oi < idx)) { v = ov; idx = oi; }
        }
        if (lane == 0) *result = idx;
    }
}
