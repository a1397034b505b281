// Writes oracle vectors for quant's ActivationQuantizer by running the activation conversion of
// llama.cpp's CPU backend (ggml_get_type_traits_cpu(T)->from_float, what ggml's matmul applies to
// its float input before the dot products) on pseudo-random rows.
//
// The conversion is CPU-specific: these vectors come from an x86 build with AVX2/FMA/F16C and no
// AVX-512 (llama.cpp c392e50 = build 4748, the build that produced shared/ref), e.g.
//   cmake -S llama.cpp -B build-avx2 -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
//   cc -O2 make_ggml_cpu_activation_vectors.c -Illama.cpp/ggml/include -Lbuild-avx2/bin \
//      -lggml-cpu -lggml-base -lm -o make_ggml_cpu_activation_vectors
//   LD_LIBRARY_PATH=build-avx2/bin ./make_ggml_cpu_activation_vectors quant/src/test/resources/dev/tessera/quant/ggml
//
// For T in q8_0, q8_1, q8_K, f16 it writes T.cpu:
//   int32 rows, int32 cols, float32 x[rows*cols], then the converted rows as ggml wrote them.
// Rows include exact rounding ties (x·127/amax = k + 0.5), which tell round-half-even from
// round-half-away, an all-zero block and equal magnitudes of both signs.
#include "ggml.h"
#include "ggml-cpu.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x243F6A8885A308D3ull;

static double uniform(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return ((state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static float gaussian(void) {
    return (float) (sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform()));
}

static void fill(float * x, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        float * row = x + (size_t) r * cols;
        float scale = 0.05f * (1 + r);
        for (int i = 0; i < cols; ++i) row[i] = scale * gaussian();
        // block 1: amax 127, so x·127/amax = x; halves are exact ties
        row[32] = 127;
        for (int i = 33; i < 64; ++i) row[i] = (float) (i - 48) + 0.5f;
        // block 2: all zero
        for (int i = 64; i < 96; ++i) row[i] = 0;
        // the largest magnitude twice, negative first (Q8_K keeps the first one's sign)
        row[100] = -30 * scale;
        row[101] = 30 * scale;
        // super-block 2 (elements 256..511): a positive maximum
        row[300] = 25 * scale;
    }
}

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s outdir\n", argv[0]); return 2; }
    const int rows = 4, cols = 512;
    const enum ggml_type types[] = { GGML_TYPE_Q8_0, GGML_TYPE_Q8_1, GGML_TYPE_Q8_K, GGML_TYPE_F16 };
    float * x = malloc(sizeof(float) * rows * cols);
    fill(x, rows, cols);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t) {
        enum ggml_type type = types[t];
        size_t rowBytes = ggml_row_size(type, cols);
        char * q = calloc(rows, rowBytes);
        for (int r = 0; r < rows; ++r) ggml_get_type_traits_cpu(type)->from_float(x + (size_t) r * cols, q + r * rowBytes, cols);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.cpu", argv[1], ggml_type_name(type));
        FILE * f = fopen(path, "wb");
        if (!f) { perror(path); return 1; }
        int32_t hdr[2] = { rows, cols };
        fwrite(hdr, sizeof hdr, 1, f);
        fwrite(x, sizeof(float), (size_t) rows * cols, f);
        fwrite(q, 1, rows * rowBytes, f);
        fclose(f);
        free(q);
    }
    free(x);
    return 0;
}
