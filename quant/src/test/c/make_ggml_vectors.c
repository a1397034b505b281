// Writes oracle vectors for the quant/ reference quantizers by running ggml's own quantizers
// (through its public API, ggml_quantize_chunk) on pseudo-random rows.
//
// Build against ggml's base library (any recent ggml-org/ggml; checked with commit d99724f2),
// configured without native/FMA flags as llama.cpp's ggml-base is:
//   cmake -S ggml -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF && make -C build ggml-base
//   cc -O2 make_ggml_vectors.c -Iggml/include -Lbuild/src -lggml-base -lm -o make_ggml_vectors
//   LD_LIBRARY_PATH=build/src ./make_ggml_vectors quant/src/test/resources/dev/tessera/quant/ggml
//
// For each weight type T it writes T.ref (no importance matrix) and T.imatrix (with one), and
// for the activation types q8_1 and q8_K (ggml's quantize_row_*_ref) only T.ref; each file is:
//   int32 rows, int32 cols, float32 x[rows*cols], float32 importance[cols] (zeros in .ref),
//   then the quantized rows as ggml wrote them. All little-endian.
#include "ggml.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Activation-format reference quantizers, exported by ggml-base (declared here to avoid ggml's
// internal headers; the block pointer is opaque to this program).
void quantize_row_q8_1_ref(const float * x, void * y, int64_t k);
void quantize_row_q8_K_ref(const float * x, void * y, int64_t k);

static uint64_t state = 0x9E3779B97F4A7C15ull;

static double uniform(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return ((state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static float gaussian(void) {
    return (float) (sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform()));
}

// Rows with the awkward cases a quantizer must handle: typical weights, an outlier, a zero
// sub-block, a constant run, tiny values and an all-positive stretch.
static void fill(float * x, int rows, int cols) {
    for (int r = 0; r < rows; ++r) {
        float * row = x + (size_t) r * cols;
        float scale = 0.02f * (1 + r);
        for (int i = 0; i < cols; ++i) row[i] = scale * gaussian();
        row[5] = 40 * scale;
        for (int i = 32; i < 64; ++i) row[i] = 0;
        for (int i = 64; i < 80; ++i) row[i] = 0.5f * scale;
        for (int i = 96; i < 128; ++i) row[i] *= 1e-6f;
        for (int i = 160; i < 192; ++i) row[i] = fabsf(row[i]) + scale;
    }
}

static void write_case(const char * dir, enum ggml_type type, const char * suffix, int rows, int cols,
                       const float * x, const float * imp) {
    size_t bytes = ggml_row_size(type, cols) * rows;
    void * q = calloc(1, bytes);
    if (type == GGML_TYPE_Q8_1) {
        quantize_row_q8_1_ref(x, q, (int64_t) rows * cols);
    } else if (type == GGML_TYPE_Q8_K) {
        quantize_row_q8_K_ref(x, q, (int64_t) rows * cols);
    } else {
        ggml_quantize_chunk(type, x, q, 0, rows, cols, imp);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s", dir, ggml_type_name(type), suffix);
    FILE * f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    int32_t hdr[2] = { rows, cols };
    fwrite(hdr, sizeof hdr, 1, f);
    fwrite(x, sizeof(float), (size_t) rows * cols, f);
    float * zeros = calloc(cols, sizeof(float));
    fwrite(imp ? imp : zeros, sizeof(float), cols, f);
    fwrite(q, 1, bytes, f);
    fclose(f);
    free(zeros);
    free(q);
}

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s outdir\n", argv[0]); return 2; }
    const int rows = 6, cols = 512;
    const enum ggml_type types[] = {
        GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
        GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,
    };
    float * x = malloc(sizeof(float) * rows * cols);
    float * imp = malloc(sizeof(float) * cols);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t) {
        fill(x, rows, cols);
        for (int i = 0; i < cols; ++i) imp[i] = (float) exp(2 * gaussian());
        write_case(argv[1], types[t], "ref", rows, cols, x, NULL);
        write_case(argv[1], types[t], "imatrix", rows, cols, x, imp);
    }
    fill(x, rows, cols);
    write_case(argv[1], GGML_TYPE_Q8_1, "ref", rows, cols, x, NULL);
    fill(x, rows, cols);
    write_case(argv[1], GGML_TYPE_Q8_K, "ref", rows, cols, x, NULL);
    free(x);
    free(imp);
    return 0;
}
