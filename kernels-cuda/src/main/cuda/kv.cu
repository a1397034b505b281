// KV cache writes and slot moves. The cache is one allocation of 2·layers planes (K planes, then
// V planes), each [capacity, width] in F32 or F16.
#include "common.cuh"

// Rows i < n of k and v ([n, width] F32) go to slot slots[i] of the given K and V planes.
extern "C" __global__ void tsr_store_kv_f32(float* kPlane, float* vPlane, const float* k, const float* v,
                                            const int* slots, int n, int width) {
    i64 t = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (i64) n * width) return;
    int i = (int) (t / width), e = (int) (t % width);
    i64 dst = (i64) slots[i] * width + e;
    kPlane[dst] = k[t];
    vPlane[dst] = v[t];
}

extern "C" __global__ void tsr_store_kv_f16(u16* kPlane, u16* vPlane, const float* k, const float* v,
                                            const int* slots, int n, int width) {
    i64 t = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (i64) n * width) return;
    int i = (int) (t / width), e = (int) (t % width);
    i64 dst = (i64) slots[i] * width + e;
    kPlane[dst] = f2h(k[t]);
    vPlane[dst] = f2h(v[t]);
}

// Moving slots is done as gather into tmp then scatter, so every destination receives the
// value its source held before the move, whatever the overlap. Units are 16-bit words:
// slotWords words per slot, planes planes of capacity slots.
extern "C" __global__ void tsr_kv_gather(const u16* cache, u16* tmp, const int* from, int m, int slotWords,
                                         int planes, int capacity) {
    i64 t = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    i64 per = (i64) m * slotWords;
    if (t >= per * planes) return;
    int p = (int) (t / per);
    i64 r = t % per;
    int i = (int) (r / slotWords), e = (int) (r % slotWords);
    tmp[t] = cache[((i64) p * capacity + from[i]) * slotWords + e];
}

extern "C" __global__ void tsr_kv_scatter(u16* cache, const u16* tmp, const int* to, int m, int slotWords,
                                          int planes, int capacity) {
    i64 t = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    i64 per = (i64) m * slotWords;
    if (t >= per * planes) return;
    int p = (int) (t / per);
    i64 r = t % per;
    int i = (int) (r / slotWords), e = (int) (r % slotWords);
    cache[((i64) p * capacity + to[i]) * slotWords + e] = tmp[t];
}
