// Runs the real kernels (compiled for the host with emu.h) on small random problems and compares
// each with a plain loop written here. Exit status 0 when every case passes; one line per case.
#include "emu.h"
#include "argmax.cu"
#include "attention.cu"
#include "elementwise.cu"
#include "kv.cu"
#include "matmul.cu"
#include "norm.cu"
#include "rope.cu"

#include <cstdio>
#include <random>
#include <string>

static std::mt19937 rng(7);
static int failures = 0;

static std::vector<float> randn(size_t n, float sigma = 1.f) {
    std::normal_distribution<float> d(0.f, sigma);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

static void check(const std::string& name, const std::vector<float>& want, const std::vector<float>& got, double tol) {
    double scale = 1, worst = 0;
    size_t at = 0;
    for (float w : want) scale = std::max(scale, (double) std::fabs(w));
    for (size_t i = 0; i < want.size(); i++) {
        double d = std::fabs((double) want[i] - got[i]);
        if (!(d <= worst)) { worst = d; at = i; }
    }
    bool ok = want.size() == got.size() && worst <= tol * scale;
    if (!ok) failures++;
    std::printf("%s %s (max diff %.3g at %zu: %g vs %g)\n", ok ? "PASS" : "FAIL", name.c_str(), worst, at,
                want.empty() ? 0.0 : want[at], got.empty() ? 0.0 : got[at]);
}

// ---- weights: a row-major [rows, cols] matrix stored as F32, F16, Q8_0 or Q4_K bytes

struct Mat {
    int type, rows, cols;
    i64 rowBytes;
    std::vector<u8> bytes;
    std::vector<float> values;  // what deq_unit (checked against the Java reference elsewhere) decodes
};

static Mat make(int type, int rows, int cols) {
    Mat m{type, rows, cols, 0, {}, {}};
    std::uniform_int_distribution<int> byte(0, 255);
    if (type == W_F32) {
        auto v = randn((size_t) rows * cols);
        m.rowBytes = 4 * cols;
        m.bytes.resize(4 * v.size());
        std::memcpy(m.bytes.data(), v.data(), m.bytes.size());
    } else if (type == W_F16) {
        auto v = randn((size_t) rows * cols);
        m.rowBytes = 2 * cols;
        m.bytes.resize(2 * v.size());
        for (size_t i = 0; i < v.size(); i++) { u16 h = f2h(v[i]); std::memcpy(&m.bytes[2 * i], &h, 2); }
    } else {
        int bl = type == W_Q8_0 ? 32 : 256, bb = type == W_Q8_0 ? 34 : 144;
        m.rowBytes = (i64) cols / bl * bb;
        m.bytes.resize(m.rowBytes * rows);
        for (auto& b : m.bytes) b = (u8) byte(rng);
        for (size_t k = 0; k < m.bytes.size() / bb; k++) {
            u16 d = f2h(0.01f + 0.02f * (k % 7)), dmin = f2h(0.005f * (k % 5));
            std::memcpy(&m.bytes[k * bb], &d, 2);
            if (type == W_Q4_K) std::memcpy(&m.bytes[k * bb + 2], &dmin, 2);
        }
    }
    m.values.resize((size_t) rows * cols);
    for (int r = 0; r < rows; r++) {
        const u8* row = m.bytes.data() + r * m.rowBytes;
        for (int i = 0; i < cols; i++) {
            float y[32];
            if (32 * (i / 32 + 1) <= cols) {
                switch (type) {
                    case W_F32: deq_unit<W_F32>(row, i / 32, y); break;
                    case W_F16: deq_unit<W_F16>(row, i / 32, y); break;
                    case W_Q8_0: deq_unit<W_Q8_0>(row, i / 32, y); break;
                    default: deq_unit<W_Q4_K>(row, i / 32, y); break;
                }
                m.values[(size_t) r * cols + i] = y[i % 32];
            } else {
                m.values[(size_t) r * cols + i] = type == W_F32 ? ((const float*) row)[i] : h2f(((const u16*) row)[i]);
            }
        }
    }
    return m;
}

static void test_matmul() {
    struct K { int type; const char* name; void (*mv)(const u8*, const float*, float*, int, int, i64, int);
               void (*mm)(const u8*, const float*, float*, int, int, i64, int);
               void (*em)(const u8*, const int*, float*, int, i64); int cols; };
    K ks[] = {{W_F32, "f32", tsr_matvec_f32, tsr_matmul_f32, tsr_embed_f32, 172},
              {W_F16, "f16", tsr_matvec_f16, tsr_matmul_f16, tsr_embed_f16, 96},
              {W_Q8_0, "q8_0", tsr_matvec_q8_0, tsr_matmul_q8_0, tsr_embed_q8_0, 96},
              {W_Q4_K, "q4_k", tsr_matvec_q4_k, tsr_matmul_q4_k, tsr_embed_q4_k, 512}};
    for (auto& k : ks) {
        int rows = 75;
        Mat w = make(k.type, rows, k.cols);
        for (int n : {1, 3, 9, 70}) {
            auto x = randn((size_t) n * k.cols);
            std::vector<float> want((size_t) n * rows), got(want.size(), -1.f);
            for (int i = 0; i < n; i++)
                for (int r = 0; r < rows; r++) {
                    double s = 0;
                    for (int c = 0; c < k.cols; c++) s += (double) w.values[(size_t) r * k.cols + c] * x[(size_t) i * k.cols + c];
                    want[(size_t) i * rows + r] = (float) s;
                }
            if (n <= 16) {
                emu_launch(k.mv, {(unsigned) (rows + 3) / 4, (unsigned) (n + 7) / 8}, {128}, 0, w.bytes.data(), x.data(), got.data(),
                           rows, k.cols, w.rowBytes, n);
                check(std::string("matvec ") + k.name + " n=" + std::to_string(n), want, got, 1e-5);
            }
            std::fill(got.begin(), got.end(), -1.f);
            emu_launch(k.mm, {(unsigned) (rows + 63) / 64, (unsigned) (n + 63) / 64}, {256}, 0, w.bytes.data(), x.data(), got.data(),
                       rows, k.cols, w.rowBytes, n);
            check(std::string("matmul ") + k.name + " n=" + std::to_string(n), want, got, 1e-5);
        }
        std::vector<int> tokens = {0, 74, 3, 3};
        std::vector<float> want(tokens.size() * k.cols), got(want.size(), -1.f);
        for (size_t i = 0; i < tokens.size(); i++)
            for (int c = 0; c < k.cols; c++) want[i * k.cols + c] = w.values[(size_t) tokens[i] * k.cols + c];
        emu_launch(k.em, {(unsigned) tokens.size()}, {128}, 0, w.bytes.data(), tokens.data(), got.data(), k.cols, w.rowBytes);
        check(std::string("embed ") + k.name, want, got, 0);
    }
}

static void test_rows() {
    int rows = 3, cols = 1000;
    auto x = randn((size_t) rows * cols, 3.f), g = randn(cols);
    std::vector<float> want(x.size()), got(x.size());
    for (int r = 0; r < rows; r++) {
        double ss = 0;
        for (int c = 0; c < cols; c++) ss += (double) x[r * cols + c] * x[r * cols + c];
        double s = 1 / std::sqrt(ss / cols + 1e-5);
        for (int c = 0; c < cols; c++) want[r * cols + c] = (float) (x[r * cols + c] * s * g[c]);
    }
    emu_launch(tsr_rmsnorm, {(unsigned) rows}, {256}, 0, x.data(), g.data(), got.data(), cols, 1e-5f);
    check("rmsnorm", want, got, 1e-5);

    got = x;
    for (int r = 0; r < rows; r++) {
        double m = -1e30, s = 0;
        for (int c = 0; c < cols; c++) m = std::max(m, (double) x[r * cols + c]);
        for (int c = 0; c < cols; c++) s += std::exp(x[r * cols + c] - m);
        for (int c = 0; c < cols; c++) want[r * cols + c] = (float) (std::exp(x[r * cols + c] - m) / s);
    }
    emu_launch(tsr_softmax, {(unsigned) rows}, {256}, 0, got.data(), cols);
    check("softmax", want, got, 1e-5);

    auto v = randn(5000);
    v[1234] = 9;
    v[4321] = 9;
    int result = -1;
    emu_launch(tsr_argmax, {1}, {1024}, 0, v.data(), 5000, &result);
    check("argmax first of ties", {1234.f}, {(float) result}, 0);
    emu_launch(tsr_argmax, {1}, {1024}, 0, v.data() + 2000, 3000, &result);
    check("argmax offset", {4321.f - 2000}, {(float) result}, 0);
}

static void test_elementwise() {
    i64 n = 3000;
    auto g = randn(n, 3), u = randn(n), want = g, got = g;
    for (i64 i = 0; i < n; i++) want[i] = (float) (g[i] / (1 + std::exp(-(double) g[i])) * u[i]);
    emu_launch(tsr_swiglu, {4}, {256}, 0, got.data(), u.data(), n);
    check("swiglu", want, got, 1e-6);
    got = g;
    for (i64 i = 0; i < n; i++) {
        double x = g[i];
        want[i] = (float) (0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))) * u[i]);
    }
    emu_launch(tsr_geglu, {4}, {256}, 0, got.data(), u.data(), n);
    check("geglu", want, got, 1e-6);
    got = g;
    for (i64 i = 0; i < n; i++) want[i] = (float) (1.5 * std::tanh((g[i] + u[i]) * 0.5 / 1.5));
    emu_launch(tsr_add, {4}, {256}, 0, got.data(), u.data(), n);
    emu_launch(tsr_scale, {4}, {256}, 0, got.data(), n, 0.5f);
    emu_launch(tsr_softcap, {4}, {256}, 0, got.data(), n, 1.5f);
    check("add scale softcap", want, got, 1e-6);
    auto b = randn(100);
    got = g;
    for (i64 i = 0; i < n; i++) want[i] = g[i] + b[i % 100];
    emu_launch(tsr_add_bias, {4}, {256}, 0, got.data(), b.data(), n, 100);
    check("add_bias", want, got, 0);
}

static void test_rope() {
    int n = 3, heads = 2, hd = 64;
    int pos[] = {0, 7, 5000};
    for (int neox = 0; neox < 2; neox++)
        for (int dims : {64, 32}) {
            std::vector<float> freq(dims / 2);
            for (int i = 0; i < dims / 2; i++) freq[i] = (float) std::pow(10000.0, -2.0 * i / dims);
            auto x = randn((size_t) n * heads * hd), want = x, got = x;
            for (int i = 0; i < n; i++)
                for (int h = 0; h < heads; h++)
                    for (int p = 0; p < dims / 2; p++) {
                        double a = pos[i] * (double) freq[p];
                        int ia = neox ? p : 2 * p, ib = neox ? p + dims / 2 : 2 * p + 1;
                        float* v = &x[(i * heads + h) * hd];
                        want[(i * heads + h) * hd + ia] = (float) (v[ia] * std::cos(a) - v[ib] * std::sin(a));
                        want[(i * heads + h) * hd + ib] = (float) (v[ia] * std::sin(a) + v[ib] * std::cos(a));
                    }
            emu_launch(tsr_rope, {1}, {256}, 0, got.data(), n, heads, hd, pos, freq.data(), dims, neox);
            check("rope neox=" + std::to_string(neox) + " dims=" + std::to_string(dims), want, got, 1e-6);
        }
}

// Reference attention: mask from the Backend contract, softmax in double.
static std::vector<float> attention_ref(const std::vector<float>& q, const std::vector<float>& K, const std::vector<float>& V,
                                        int n, int heads, int kvHeads, int D, float scale, float softcap, const std::vector<int>& pos,
                                        bool tree, int prefix, const std::vector<u8>& vis, int window) {
    std::vector<float> out((size_t) n * heads * D);
    int width = kvHeads * D;
    for (int i = 0; i < n; i++)
        for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            int end = tree ? prefix + n : pos[i] + 1;
            std::vector<double> s(end, -INFINITY);
            double m = -INFINITY;
            for (int t = 0; t < end; t++) {
                int kp = t;
                if (tree && t >= prefix) {
                    if (!vis[i * n + (t - prefix)]) continue;
                    kp = pos[t - prefix];
                }
                if (window > 0 && kp <= pos[i] - window) continue;
                double d = 0;
                for (int e = 0; e < D; e++) d += (double) q[(i * heads + h) * D + e] * scale * K[(size_t) t * width + kvh * D + e];
                if (softcap > 0) d = softcap * std::tanh(d / softcap);
                s[t] = d;
                m = std::max(m, d);
            }
            double sum = 0;
            std::vector<double> acc(D);
            for (int t = 0; t < end; t++) {
                if (s[t] == -INFINITY) continue;
                double p = std::exp(s[t] - m);
                sum += p;
                for (int e = 0; e < D; e++) acc[e] += p * V[(size_t) t * width + kvh * D + e];
            }
            for (int e = 0; e < D; e++) out[(i * heads + h) * D + e] = sum > 0 ? (float) (acc[e] / sum) : 0.f;
        }
    return out;
}

static void test_attention() {
    struct Case { int heads, kvHeads, D, prefix, n; bool tree; float softcap; int window; bool f16; };
    Case cases[] = {{4, 2, 64, 600, 1, false, 0, 0, false}, {4, 2, 80, 600, 3, false, 0, 0, true},
                    {2, 1, 64, 300, 20, false, 0, 0, false}, {2, 2, 64, 300, 20, false, 30.f, 64, true},
                    {4, 2, 64, 100, 6, true, 0, 0, false}, {4, 4, 32, 100, 18, true, 0, 0, true},
                    {4, 1, 96, 40, 5, false, 0, 16, false}};
    for (auto& c : cases) {
        int width = c.kvHeads * c.D, cap = c.prefix + c.n + 4;
        auto k = randn((size_t) cap * width), v = randn((size_t) cap * width), q = randn((size_t) c.n * c.heads * c.D);
        // Store through the kernel (slots = prefix.., chain of the whole cache) and read the cache back as floats.
        std::vector<float> Kf((size_t) cap * width), Vf(Kf.size());
        std::vector<u16> Kh(Kf.size()), Vh(Kf.size());
        std::vector<int> slots(cap);
        for (int i = 0; i < cap; i++) slots[i] = i;
        if (c.f16) {
            emu_launch(tsr_store_kv_f16, {(unsigned) ((i64) cap * width + 255) / 256}, {256}, 0, Kh.data(), Vh.data(), k.data(), v.data(),
                       slots.data(), cap, width);
            for (size_t i = 0; i < Kf.size(); i++) { Kf[i] = h2f(Kh[i]); Vf[i] = h2f(Vh[i]); }
        } else {
            emu_launch(tsr_store_kv_f32, {(unsigned) ((i64) cap * width + 255) / 256}, {256}, 0, Kf.data(), Vf.data(), k.data(), v.data(),
                       slots.data(), cap, width);
        }
        std::vector<int> pos(c.n);
        std::vector<u8> vis((size_t) c.n * c.n, 0);
        for (int i = 0; i < c.n; i++) {
            if (c.tree) {
                int parent = i == 0 ? -1 : (i - 1) / 2;
                pos[i] = parent < 0 ? c.prefix : pos[parent] + 1;
                for (int j = i; j >= 0; j = j == 0 ? -1 : (j - 1) / 2) vis[i * c.n + j] = 1;
            } else {
                pos[i] = c.prefix + i;
            }
        }
        float scale = 1 / std::sqrt((float) c.D);
        auto want = attention_ref(q, Kf, Vf, c.n, c.heads, c.kvHeads, c.D, scale, c.softcap, pos, c.tree, c.prefix, vis, c.window);
        std::vector<float> got(want.size(), -1.f);
        const void* Kp = c.f16 ? (const void*) Kh.data() : (const void*) Kf.data();
        const void* Vp = c.f16 ? (const void*) Vh.data() : (const void*) Vf.data();
        int kind = c.tree ? MASK_TREE : MASK_CAUSAL, prefix = c.tree ? c.prefix : 0;
        std::string name = "attention D=" + std::to_string(c.D) + " n=" + std::to_string(c.n) + (c.tree ? " tree" : " causal")
                + (c.f16 ? " f16" : " f32") + (c.softcap > 0 ? " softcap" : "") + (c.window > 0 ? " window" : "");
        // Split-K schedule.
        int end = c.tree ? c.prefix + c.n : pos[c.n - 1] + 1, chunk = 256, chunks = (end + chunk - 1) / chunk;
        std::vector<float> partial((size_t) c.n * c.heads * chunks * (c.D + 2));
        if (c.f16)
            emu_launch(tsr_attn_split_f16, {(unsigned) chunks, (unsigned) c.heads, (unsigned) c.n}, {128}, 0, q.data(), (const u16*) Kp,
                       (const u16*) Vp, partial.data(), c.heads, c.kvHeads, c.D, scale, c.softcap, pos.data(), vis.data(), kind, prefix,
                       c.n, c.window, chunk);
        else
            emu_launch(tsr_attn_split_f32, {(unsigned) chunks, (unsigned) c.heads, (unsigned) c.n}, {128}, 0, q.data(), (const float*) Kp,
                       (const float*) Vp, partial.data(), c.heads, c.kvHeads, c.D, scale, c.softcap, pos.data(), vis.data(), kind, prefix,
                       c.n, c.window, chunk);
        emu_launch(tsr_attn_combine, {(unsigned) c.heads, (unsigned) c.n}, {128}, 0, partial.data(), got.data(), c.heads, c.D, chunks);
        check(name + " split", want, got, 1e-5);
        // Tiled prefill schedule.
        std::fill(got.begin(), got.end(), -1.f);
        size_t smem = 4 * (16 * c.D + 32 * (c.D + 1) + 32 * c.D);
        if (c.f16)
            emu_launch(tsr_attn_prefill_f16, {(unsigned) (c.n + 15) / 16, (unsigned) c.heads}, {128}, smem, q.data(), (const u16*) Kp,
                       (const u16*) Vp, got.data(), c.heads, c.kvHeads, c.D, scale, c.softcap, pos.data(), vis.data(), kind, prefix, c.n,
                       c.window);
        else
            emu_launch(tsr_attn_prefill_f32, {(unsigned) (c.n + 15) / 16, (unsigned) c.heads}, {128}, smem, q.data(), (const float*) Kp,
                       (const float*) Vp, got.data(), c.heads, c.kvHeads, c.D, scale, c.softcap, pos.data(), vis.data(), kind, prefix, c.n,
                       c.window);
        check(name + " prefill", want, got, 1e-5);
    }
}

static void test_kv_move() {
    int planes = 4, cap = 16, words = 6;
    std::vector<u16> cache((size_t) planes * cap * words), tmp(cache.size());
    for (size_t i = 0; i < cache.size(); i++) cache[i] = (u16) i;
    std::vector<u16> want = cache;
    int from[] = {5, 7, 10}, to[] = {4, 5, 6};
    for (int p = 0; p < planes; p++)
        for (int i = 0; i < 3; i++)
            for (int e = 0; e < words; e++) want[((size_t) p * cap + to[i]) * words + e] = cache[((size_t) p * cap + from[i]) * words + e];
    emu_launch(tsr_kv_gather, {1}, {256}, 0, cache.data(), tmp.data(), from, 3, words, planes, cap);
    emu_launch(tsr_kv_scatter, {1}, {256}, 0, cache.data(), tmp.data(), to, 3, words, planes, cap);
    std::vector<float> w(want.begin(), want.end()), g(cache.begin(), cache.end());
    check("kv gather/scatter", w, g, 0);
}

int main() {
    test_matmul();
    test_rows();
    test_elementwise();
    test_rope();
    test_attention();
    test_kv_move();
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
