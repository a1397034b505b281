// Writes oracle vectors for dev.tessera.quant.ReferenceDot by running ggml's CPU dot products
// (ggml_get_type_traits_cpu(type)->vec_dot) on pseudo-random rows.
//
// Build ggml's CPU backend without SIMD flags so that its generic scalar kernels are the ones run:
//   cmake -S ggml -B build-cpu -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF
//         -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_SSE42=OFF -DGGML_BMI2=OFF -DGGML_OPENMP=OFF   (one line)
//   make -C build-cpu ggml-cpu
//   cc -O2 make_ggml_dot_vectors.c -Iggml/include -Lbuild-cpu/src -lggml-cpu -lggml-base -lm -o make_ggml_dot_vectors
//   LD_LIBRARY_PATH=build-cpu/src ./make_ggml_dot_vectors quant/src/test/resources/dev/tessera/quant/ggml
//
// For each weight type T it writes T.dot: int32 trials, int32 n, then per trial float32 x[n]
// (weights before quantization), float32 y[n] (activations before quantization) and the float32
// result of vec_dot(quantize(x), quantize_activation(y)). All little-endian.
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

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s outdir\n", argv[0]); return 2; }
    ggml_cpu_init();
    const int trials = 4, n = 512;
    const enum ggml_type types[] = {
        GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
        GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,
    };
    float * x = malloc(sizeof(float) * n);
    float * y = malloc(sizeof(float) * n);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t) {
        const struct ggml_type_traits_cpu * wt = ggml_get_type_traits_cpu(types[t]);
        const struct ggml_type_traits_cpu * at = ggml_get_type_traits_cpu(wt->vec_dot_type);
        void * wq = calloc(1, ggml_row_size(types[t], n));
        void * aq = calloc(1, ggml_row_size(wt->vec_dot_type, n));
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.dot", argv[1], ggml_type_name(types[t]));
        FILE * f = fopen(path, "wb");
        if (!f) { perror(path); return 1; }
        int32_t hdr[2] = { trials, n };
        fwrite(hdr, sizeof hdr, 1, f);
        for (int trial = 0; trial < trials; ++trial) {
            for (int i = 0; i < n; ++i) x[i] = 0.3f + gaussian();
            for (int i = 0; i < n; ++i) y[i] = gaussian();
            ggml_quantize_chunk(types[t], x, wq, 0, 1, n, NULL);
            at->from_float(y, aq, n);
            float s = 0;
            wt->vec_dot(n, &s, 0, wq, 0, aq, 0, 1);
            fwrite(x, sizeof(float), n, f);
            fwrite(y, sizeof(float), n, f);
            fwrite(&s, sizeof(float), 1, f);
        }
        fclose(f);
        free(wq);
        free(aq);
    }
    free(x);
    free(y);
    return 0;
}
