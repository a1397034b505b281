// Host emulation of the CUDA built-ins the kernels use, so tests can run the real kernel code
// without a GPU: every thread of a block is a std::thread, blocks run one after another,
// __syncthreads is a block barrier and warp shuffles exchange through a per-warp barrier.
// Slow and only for small problems; it checks indexing, masking and reduction logic, not speed.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static  // blocks run one at a time, so one static copy per kernel is per-block

struct emu_dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local emu_dim3 threadIdx, blockIdx;
inline emu_dim3 blockDim, gridDim;
inline std::vector<float> emu_dynamic;

#define TESSERA_DYNAMIC_SMEM(name) float* name = emu_dynamic.data()

struct emu_warp {
    std::barrier<> bar{32};
    uint64_t slot[32];
};
inline std::unique_ptr<std::barrier<>> emu_block_barrier;
inline std::vector<std::unique_ptr<emu_warp>> emu_warps;

inline void __syncthreads() { emu_block_barrier->arrive_and_wait(); }

template <class T>
T emu_shfl(T v, int src) {
    emu_warp& w = *emu_warps[threadIdx.x / 32];
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    w.slot[threadIdx.x % 32] = bits;
    w.bar.arrive_and_wait();
    uint64_t got = w.slot[src & 31];
    w.bar.arrive_and_wait();
    T r;
    std::memcpy(&r, &got, sizeof(T));
    return r;
}

#define __shfl_xor_sync(mask, v, o) emu_shfl((v), (int) (threadIdx.x % 32) ^ (o))
#define __shfl_sync(mask, v, src) emu_shfl((v), (src))

inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
using std::max;
using std::min;

template <class... P, class... A>
void emu_launch(void (*kernel)(P...), emu_dim3 grid, emu_dim3 block, size_t smemBytes, A... args) {
    gridDim = grid;
    blockDim = block;
    emu_dynamic.assign(smemBytes / sizeof(float) + 1, 0.f);
    unsigned threads = block.x * block.y * block.z;
    emu_block_barrier = std::make_unique<std::barrier<>>(threads);
    emu_warps.clear();
    for (unsigned w = 0; w < (threads + 31) / 32; w++) emu_warps.push_back(std::make_unique<emu_warp>());
    // One OS thread per CUDA thread for the whole launch; they step through the blocks together,
    // meeting at a barrier after each block (so one block's shared memory is never in use twice).
    std::barrier<> blockDone(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; t++) {
        pool.emplace_back([=, &blockDone] {
            threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            for (unsigned bz = 0; bz < grid.z; bz++)
                for (unsigned by = 0; by < grid.y; by++)
                    for (unsigned bx = 0; bx < grid.x; bx++) {
                        blockIdx = {bx, by, bz};
                        kernel(((P) args)...);
                        blockDone.arrive_and_wait();
                    }
        });
    }
    for (auto& th : pool) th.join();
}
