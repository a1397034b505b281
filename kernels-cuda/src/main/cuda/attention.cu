// Attention of n queries ([n, heads, D] F32) over one layer of the KV cache ([capacity, kvHeads, D],
// F32 or F16), with causal or tree masks, an optional sliding window and score soft-capping.
// Query head h reads kv head h / (heads / kvHeads) (GQA).
//
// Two schedules share the mask and the online softmax:
//  - split: grid (chunks, heads, n); each block scans one chunk of the visible slots of one query
//    and writes an unnormalized partial (max, sum, acc[D]); attn_combine merges the chunks.
//    Used for decode and small batches, where one query must still spread over many SMs.
//  - prefill: grid (ceil(n / 16), heads); each block keeps 16 queries and streams the keys and
//    values through shared memory 32 slots at a time, so a K/V tile is read once per 16 queries.
#include "common.cuh"

#define ATT_MAX_D 256
#define ATT_R (ATT_MAX_D / 32)
#define MASK_CAUSAL 0
#define MASK_TREE 1

struct Mask {
    const int* pos;     // [n] positions of the queries
    const u8* visible;  // [n, n] tree visibility (tree masks only)
    int kind, prefix, n, window;
};

// First and one-past-last slot query i may see.
__device__ __forceinline__ void slot_range(const Mask& m, int i, int* lo, int* hi) {
    int p = m.pos[i];
    if (m.kind == MASK_CAUSAL) {
        *hi = p + 1;
        *lo = m.window > 0 ? max(0, p - m.window + 1) : 0;
    } else {
        *hi = m.prefix + m.n;
        *lo = 0;
    }
}

__device__ __forceinline__ bool sees(const Mask& m, int i, int slot) {
    int keyPos;
    if (m.kind == MASK_CAUSAL) {
        if (slot > m.pos[i]) return false;
        keyPos = slot;
    } else if (slot < m.prefix) {
        keyPos = slot;
    } else {
        int j = slot - m.prefix;
        if (j >= m.n || !m.visible[(i64) i * m.n + j]) return false;
        keyPos = m.pos[j];
    }
    return m.window <= 0 || keyPos > m.pos[i] - m.window;
}

template <bool F16>
__device__ __forceinline__ float kv_at(const void* base, i64 idx) {
    if (F16) return h2f(((const u16*) base)[idx]);
    return ((const float*) base)[idx];
}

__device__ __forceinline__ float cap_score(float s, float softcap) {
    return softcap > 0.f ? softcap * tanhf(s / softcap) : s;
}

// Online softmax state of one query in one warp: lane owns dims lane + 32r.
struct Online {
    float m, l, acc[ATT_R];
};

__device__ __forceinline__ void online_init(Online& o) {
    o.m = NEG_INF;
    o.l = 0.f;
#pragma unroll
    for (int r = 0; r < ATT_R; r++) o.acc[r] = 0.f;
}

// ---------------------------------------------------------------- split schedule

template <bool F16>
__device__ void attn_split(const float* q, const void* K, const void* V, float* partial, int heads, int kvHeads,
                           int D, float scale, float softcap, Mask mask, int chunk) {
    __shared__ float qs[ATT_MAX_D];
    __shared__ float wm[4], wl[4];
    __shared__ float wacc[4][ATT_MAX_D];
    int c = blockIdx.x, h = blockIdx.y, i = blockIdx.z;
    int chunks = gridDim.x;
    int lane = threadIdx.x & 31, w = threadIdx.x / 32;
    int kvh = h / (heads / kvHeads);
    i64 stride = (i64) kvHeads * D;
    const float* qi = q + ((i64) i * heads + h) * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) qs[d] = qi[d] * scale;
    __syncthreads();

    int lo, hi;
    slot_range(mask, i, &lo, &hi);
    int s0 = max(lo, c * chunk), s1 = min(hi, (c + 1) * chunk);
    Online o;
    online_init(o);
    for (int t = s0 + 32 * w; t < s1; t += 32 * 4) {
        int slot = t + lane;
        float s = NEG_INF;
        if (slot < s1 && sees(mask, i, slot)) {
            const i64 kb = slot * stride + (i64) kvh * D;
            float dot = 0.f;
            for (int d = 0; d < D; d++) dot = fmaf(qs[d], kv_at<F16>(K, kb + d), dot);
            s = cap_score(dot, softcap);
        }
        float tm = warp_max(s);
        if (tm == NEG_INF) continue;
        float nm = fmaxf(o.m, tm);
        float corr = expf(o.m - nm);
        float p = s == NEG_INF ? 0.f : expf(s - nm);
        o.l = o.l * corr + warp_sum(p);
#pragma unroll
        for (int r = 0; r < ATT_R; r++) o.acc[r] *= corr;
        int last = min(32, s1 - t);
        for (int j = 0; j < last; j++) {
            float pj = __shfl_sync(FULL_MASK, p, j);
            if (pj == 0.f) continue;  // masked slot: its values may be anything
            const i64 vb = (i64) (t + j) * stride + (i64) kvh * D;
#pragma unroll
            for (int r = 0; r < ATT_R; r++) {
                int d = lane + 32 * r;
                if (d < D) o.acc[r] = fmaf(pj, kv_at<F16>(V, vb + d), o.acc[r]);
            }
        }
        o.m = nm;
    }
    if (lane == 0) { wm[w] = o.m; wl[w] = o.l; }
#pragma unroll
    for (int r = 0; r < ATT_R; r++) {
        int d = lane + 32 * r;
        if (d < D) wacc[w][d] = o.acc[r];
    }
    __syncthreads();
    float M = fmaxf(fmaxf(wm[0], wm[1]), fmaxf(wm[2], wm[3]));
    float* out = partial + (((i64) i * heads + h) * chunks + c) * (D + 2);
    float f[4];
    for (int k = 0; k < 4; k++) f[k] = M == NEG_INF ? 0.f : expf(wm[k] - M);
    if (threadIdx.x == 0) {
        out[0] = M;
        out[1] = wl[0] * f[0] + wl[1] * f[1] + wl[2] * f[2] + wl[3] * f[3];
    }
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        out[2 + d] = wacc[0][d] * f[0] + wacc[1][d] * f[1] + wacc[2][d] * f[2] + wacc[3][d] * f[3];
    }
}

extern "C" __global__ void tsr_attn_split_f32(const float* q, const float* K, const float* V, float* partial,
                                              int heads, int kvHeads, int D, float scale, float softcap,
                                              const int* pos, const u8* visible, int maskKind, int prefix, int n,
                                              int window, int chunk) {
    Mask m = {pos, visible, maskKind, prefix, n, window};
    attn_split<false>(q, K, V, partial, heads, kvHeads, D, scale, softcap, m, chunk);
}

extern "C" __global__ void tsr_attn_split_f16(const float* q, const u16* K, const u16* V, float* partial,
                                              int heads, int kvHeads, int D, float scale, float softcap,
                                              const int* pos, const u8* visible, int maskKind, int prefix, int n,
                                              int window, int chunk) {
    Mask m = {pos, visible, maskKind, prefix, n, window};
    attn_split<true>(q, K, V, partial, heads, kvHeads, D, scale, softcap, m, chunk);
}

// Merges the chunks' partials of each (query, head) into out [n, heads, D]. Grid (heads, n).
extern "C" __global__ void tsr_attn_combine(const float* partial, float* out, int heads, int D, int chunks) {
    int h = blockIdx.x, i = blockIdx.y;
    const float* p = partial + ((i64) i * heads + h) * chunks * (D + 2);
    float M = NEG_INF;
    for (int c = 0; c < chunks; c++) M = fmaxf(M, p[c * (D + 2)]);
    float L = 0.f;
    for (int c = 0; c < chunks; c++) {
        float m = p[c * (D + 2)];
        if (m != NEG_INF) L += p[c * (D + 2) + 1] * expf(m - M);
    }
    float* o = out + ((i64) i * heads + h) * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float a = 0.f;
        for (int c = 0; c < chunks; c++) {
            float m = p[c * (D + 2)];
            if (m != NEG_INF) a += p[c * (D + 2) + 2 + d] * expf(m - M);
        }
        o[d] = L > 0.f ? a / L : 0.f;
    }
}

// ---------------------------------------------------------------- prefill schedule

#define PF_Q 16     // queries per block (4 warps × 4)
#define PF_KEYS 32  // slots per shared-memory tile

// Dynamic shared memory: qs[PF_Q][D], ks[PF_KEYS][D + 1], vs[PF_KEYS][D].
template <bool F16>
__device__ void attn_prefill(const float* q, const void* K, const void* V, float* out, int heads, int kvHeads,
                             int D, float scale, float softcap, Mask mask) {
    TESSERA_DYNAMIC_SMEM(smem);
    float* qs = smem;
    float* ks = qs + PF_Q * D;
    float* vs = ks + PF_KEYS * (D + 1);
    int h = blockIdx.y, i0 = blockIdx.x * PF_Q;
    int lane = threadIdx.x & 31, w = threadIdx.x / 32;
    int kvh = h / (heads / kvHeads);
    i64 stride = (i64) kvHeads * D;
    int nq = min(PF_Q, mask.n - i0);
    for (int e = threadIdx.x; e < PF_Q * D; e += blockDim.x) {
        int r = e / D, d = e % D;
        qs[e] = r < nq ? q[((i64) (i0 + r) * heads + h) * D + d] * scale : 0.f;
    }
    int lo = 0x7fffffff, hi = 0;
    for (int r = 0; r < nq; r++) {
        int a, b;
        slot_range(mask, i0 + r, &a, &b);
        lo = min(lo, a);
        hi = max(hi, b);
    }
    Online o[4];
#pragma unroll
    for (int r = 0; r < 4; r++) online_init(o[r]);
    __syncthreads();

    for (int t = lo; t < hi; t += PF_KEYS) {
        int cnt = min(PF_KEYS, hi - t);
        for (int e = threadIdx.x; e < PF_KEYS * D; e += blockDim.x) {
            int j = e / D, d = e % D;
            float kv = 0.f, vv = 0.f;
            if (j < cnt) {
                i64 idx = (i64) (t + j) * stride + (i64) kvh * D + d;
                kv = kv_at<F16>(K, idx);
                vv = kv_at<F16>(V, idx);
            }
            ks[j * (D + 1) + d] = kv;
            vs[j * D + d] = vv;
        }
        __syncthreads();
#pragma unroll
        for (int r = 0; r < 4; r++) {
            int qi = 4 * w + r;
            if (qi >= nq) continue;
            int i = i0 + qi;
            float s = NEG_INF;
            if (lane < cnt && sees(mask, i, t + lane)) {
                float dot = 0.f;
                const float* qrow = qs + qi * D;
                const float* krow = ks + lane * (D + 1);
                for (int d = 0; d < D; d++) dot = fmaf(qrow[d], krow[d], dot);
                s = cap_score(dot, softcap);
            }
            float tm = warp_max(s);
            if (tm == NEG_INF) continue;
            float nm = fmaxf(o[r].m, tm);
            float corr = expf(o[r].m - nm);
            float p = s == NEG_INF ? 0.f : expf(s - nm);
            o[r].l = o[r].l * corr + warp_sum(p);
#pragma unroll
            for (int k = 0; k < ATT_R; k++) o[r].acc[k] *= corr;
            for (int j = 0; j < cnt; j++) {
                float pj = __shfl_sync(FULL_MASK, p, j);
                if (pj == 0.f) continue;
#pragma unroll
                for (int k = 0; k < ATT_R; k++) {
                    int d = lane + 32 * k;
                    if (d < D) o[r].acc[k] = fmaf(pj, vs[j * D + d], o[r].acc[k]);
                }
            }
            o[r].m = nm;
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < 4; r++) {
        int qi = 4 * w + r;
        if (qi >= nq) continue;
        float* orow = out + ((i64) (i0 + qi) * heads + h) * D;
        float inv = o[r].l > 0.f ? 1.f / o[r].l : 0.f;
#pragma unroll
        for (int k = 0; k < ATT_R; k++) {
            int d = lane + 32 * k;
            if (d < D) orow[d] = o[r].acc[k] * inv;
        }
    }
}

extern "C" __global__ void tsr_attn_prefill_f32(const float* q, const float* K, const float* V, float* out,
                                                int heads, int kvHeads, int D, float scale, float softcap,
                                                const int* pos, const u8* visible, int maskKind, int prefix, int n,
                                                int window) {
    Mask m = {pos, visible, maskKind, prefix, n, window};
    attn_prefill<false>(q, K, V, out, heads, kvHeads, D, scale, softcap, m);
}

extern "C" __global__ void tsr_attn_prefill_f16(const float* q, const u16* K, const u16* V, float* out,
                                                int heads, int kvHeads, int D, float scale, float softcap,
                                                const int* pos, const u8* visible, int maskKind, int prefix, int n,
                                                int window) {
    Mask m = {pos, visible, maskKind, prefix, n, window};
    attn_prefill<true>(q, K, V, out, heads, kvHeads, D, scale, softcap, m);
}
