// Weight × activation products and embedding lookup for every weight type with a CUDA kernel.
// W is [rows, cols] in its GGUF block layout (rowBytes per row); X is [n, cols] F32; Y is [n, rows].
#include "common.cuh"

// Matrix-vector for small batches: one warp per weight row, up to MV_COLS activation rows per
// block so each weight element is read once and used MV_COLS times.
#define MV_WARPS 4
#define MV_COLS 8

template <int T>
__device__ void matvec(const u8* W, const float* X, float* Y, int rows, int cols, i64 rowBytes, int n) {
    int row = blockIdx.x * MV_WARPS + threadIdx.x / 32;
    int lane = threadIdx.x & 31;
    int c0 = blockIdx.y * MV_COLS;
    if (row >= rows) return;
    int nc = min(MV_COLS, n - c0);
    const u8* w = W + (i64) row * rowBytes;
    float acc[MV_COLS];
#pragma unroll
    for (int c = 0; c < MV_COLS; c++) acc[c] = 0.f;
    if (T == W_F32 || T == W_F16 || T == W_BF16) {
        // Plain rows: lanes take interleaved elements, so every load of the warp is coalesced.
        for (int i = lane; i < cols; i += 32) {
            float wi = elem<T>(w, i);
#pragma unroll
            for (int c = 0; c < MV_COLS; c++) {
                if (c < nc) acc[c] = fmaf(wi, X[(i64) (c0 + c) * cols + i], acc[c]);
            }
        }
    } else {
        // Block-quantized rows: each lane decodes whole 32-element units.
        float y[32];
        for (int u = lane; u < cols / 32; u += 32) {
            deq_unit<T>(w, u, y);
#pragma unroll
            for (int c = 0; c < MV_COLS; c++) {
                if (c < nc) {
                    const float* x = X + (i64) (c0 + c) * cols + 32 * u;
                    float s = 0.f;
#pragma unroll
                    for (int i = 0; i < 32; i++) s = fmaf(y[i], x[i], s);
                    acc[c] += s;
                }
            }
        }
    }
#pragma unroll
    for (int c = 0; c < MV_COLS; c++) {
        if (c < nc) {
            float s = warp_sum(acc[c]);
            if (lane == 0) Y[(i64) (c0 + c) * rows + row] = s;
        }
    }
}

// Tiled matrix-matrix for prefill: a 64×64 tile of Y per block of 256 threads, 4×4 outputs per
// thread, K advanced one 32-element unit at a time through shared memory.
#define MM_TILE 64

template <int T>
__device__ void matmul(const u8* W, const float* X, float* Y, int rows, int cols, i64 rowBytes, int n) {
    __shared__ float ws[32][MM_TILE + 1];
    __shared__ float xs[32][MM_TILE + 1];
    int t = threadIdx.x;
    int r0 = blockIdx.x * MM_TILE;
    int c0 = blockIdx.y * MM_TILE;
    int tr = (t / 16) * 4, tc = (t % 16) * 4;
    float acc[4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[a][b] = 0.f;
    int units = (cols + 31) / 32;
    for (int u = 0; u < units; u++) {
        if (t < MM_TILE) {
            float y[32];
            int r = r0 + t;
            if (r < rows && 32 * (u + 1) <= cols) {
                deq_unit<T>(W + (i64) r * rowBytes, u, y);
            } else if (r < rows) {
                for (int i = 0; i < 32; i++) y[i] = 32 * u + i < cols ? elem<T>(W + (i64) r * rowBytes, 32 * u + i) : 0.f;
            } else {
#pragma unroll
                for (int i = 0; i < 32; i++) y[i] = 0.f;
            }
#pragma unroll
            for (int i = 0; i < 32; i++) ws[i][t] = y[i];
        }
        for (int e = t; e < 32 * MM_TILE; e += blockDim.x) {
            int c = e / 32, k = e % 32;
            xs[k][c] = c0 + c < n && 32 * u + k < cols ? X[(i64) (c0 + c) * cols + 32 * u + k] : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int k = 0; k < 32; k++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) { a[i] = ws[k][tr + i]; b[i] = xs[k][tc + i]; }
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int r = r0 + tr + i, c = c0 + tc + j;
            if (r < rows && c < n) Y[(i64) c * rows + r] = acc[i][j];
        }
}

// out[i] = dequantized row tokens[i] of the table ([rows, cols]).
template <int T>
__device__ void embed(const u8* table, const int* tokens, float* out, int cols, i64 rowBytes) {
    int i = blockIdx.x;
    const u8* row = table + (i64) tokens[i] * rowBytes;
    float y[32];
    for (int u = threadIdx.x; u < cols / 32; u += blockDim.x) {
        deq_unit<T>(row, u, y);
        float* o = out + (i64) i * cols + 32 * u;
#pragma unroll
        for (int k = 0; k < 32; k++) o[k] = y[k];
    }
    for (int k = 32 * (cols / 32) + threadIdx.x; k < cols; k += blockDim.x) out[(i64) i * cols + k] = elem<T>(row, k);
}

#define WEIGHT_KERNELS(NAME, T)                                                                     \
    extern "C" __global__ void tsr_matvec_##NAME(const u8* W, const float* X, float* Y, int rows,  \
                                                 int cols, i64 rowBytes, int n) {                  \
        matvec<T>(W, X, Y, rows, cols, rowBytes, n);                                               \
    }                                                                                              \
    extern "C" __global__ void tsr_matmul_##NAME(const u8* W, const float* X, float* Y, int rows,  \
                                                 int cols, i64 rowBytes, int n) {                  \
        matmul<T>(W, X, Y, rows, cols, rowBytes, n);                                               \
    }                                                                                              \
    extern "C" __global__ void tsr_embed_##NAME(const u8* table, const int* tokens, float* out,     \
                                                int cols, i64 rowBytes) {                          \
        embed<T>(table, tokens, out, cols, rowBytes);                                              \
    }

WEIGHT_KERNELS(f32, W_F32)
WEIGHT_KERNELS(f16, W_F16)
WEIGHT_KERNELS(bf16, W_BF16)
WEIGHT_KERNELS(q8_0, W_Q8_0)
WEIGHT_KERNELS(q4_0, W_Q4_0)
WEIGHT_KERNELS(q4_k, W_Q4_K)
WEIGHT_KERNELS(q6_k, W_Q6_K)
