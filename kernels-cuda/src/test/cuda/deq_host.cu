// Test harness: runs the kernels' deq_unit on the host. Usage: deq_host <ggml type id> <units>;
// reads the row bytes on stdin and writes units × 32 floats (little-endian float32) on stdout.
#include "common.cuh"
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    int type = atoi(argv[1]), units = atoi(argv[2]);
    std::vector<u8> in;
    u8 buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) in.insert(in.end(), buf, buf + n);
    std::vector<float> out(32 * (size_t) units);
    for (int u = 0; u < units; u++) {
        float* y = &out[32 * (size_t) u];
        switch (type) {
            case W_F32: deq_unit<W_F32>(in.data(), u, y); break;
            case W_F16: deq_unit<W_F16>(in.data(), u, y); break;
            case W_BF16: deq_unit<W_BF16>(in.data(), u, y); break;
            case W_Q8_0: deq_unit<W_Q8_0>(in.data(), u, y); break;
            case W_Q4_0: deq_unit<W_Q4_0>(in.data(), u, y); break;
            case W_Q4_K: deq_unit<W_Q4_K>(in.data(), u, y); break;
            case W_Q6_K: deq_unit<W_Q6_K>(in.data(), u, y); break;
            default: return 3;
        }
    }
    fwrite(out.data(), sizeof(float), out.size(), stdout);
    return 0;
}
