// Rotary position embedding in place on x [n, heads, headDim]. One thread per (row, pair); the
// angle is computed in double, as the CPU reference does, so long positions keep their precision.
#include "common.cuh"

extern "C" __global__ void tsr_rope(float* x, int n, int heads, int headDim, const int* positions,
                                    const float* invFreq, int dims, int neox) {
    int half = dims / 2;
    i64 t = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (i64) n * half) return;
    int i = (int) (t / half), p = (int) (t % half);
    double angle = (double) positions[i] * (double) invFreq[p];
    float c = (float) cos(angle), s = (float) sin(angle);
    int ia = neox ? p : 2 * p;
    int ib = neox ? p + half : 2 * p + 1;
    for (int h = 0; h < heads; h++) {
        float* v = x + ((i64) i * heads + h) * headDim;
        float x0 = v[ia], x1 = v[ib];
        v[ia] = x0 * c - x1 * s;
        v[ib] = x0 * s + x1 * c;
    }
}
