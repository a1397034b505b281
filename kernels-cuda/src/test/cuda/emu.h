// Host emulation of the CUDA built-ins the kernels use, so tests can run the real kernel code
// without a GPU. Every CUDA thread of a block is a fiber (ucontext) on one OS thread; blocks run
// one after another; __syncthreads is a barrier over the block's fibers and warp shuffles exchange
// values through a per-warp barrier. Fibers switch only at those barriers, so a block behaves as
// if its threads ran in lockstep between synchronization points. Slow, for small problems only:
// it checks indexing, masking and reduction logic, not speed or memory-model subtleties.
#pragma once
#include <ucontext.h>

#include <algorithm>
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

struct emu_fiber {
    ucontext_t ctx;
    emu_dim3 tid;
    bool done = false;
    std::unique_ptr<char[]> stack;  // not zeroed: only the pages a fiber touches get committed
};

struct emu_state {
    emu_dim3 block, grid, blockIndex;
    std::vector<emu_fiber> fibers;
    emu_fiber* current = nullptr;
    ucontext_t scheduler;
    unsigned live = 0;
    // Block barrier and per-warp barriers: arrivals and a generation that releases the waiters.
    unsigned arrived = 0, generation = 0;
    std::vector<unsigned> warpArrived, warpGeneration, warpLive;
    std::vector<uint64_t> warpSlots;
    std::vector<float> dynamicSmem;
};

inline thread_local emu_state* emu = nullptr;

#define threadIdx (emu->current->tid)
#define blockIdx (emu->blockIndex)
#define blockDim (emu->block)
#define gridDim (emu->grid)
#define TESSERA_DYNAMIC_SMEM(name) float* name = emu->dynamicSmem.data()

inline void emu_yield() { swapcontext(&emu->current->ctx, &emu->scheduler); }

inline void __syncthreads() {
    unsigned gen = emu->generation;
    if (++emu->arrived == emu->live) {
        emu->arrived = 0;
        emu->generation++;
        return;
    }
    while (emu->generation == gen) emu_yield();
}

inline void emu_warp_barrier(unsigned w) {
    unsigned gen = emu->warpGeneration[w];
    if (++emu->warpArrived[w] == emu->warpLive[w]) {
        emu->warpArrived[w] = 0;
        emu->warpGeneration[w]++;
        return;
    }
    while (emu->warpGeneration[w] == gen) emu_yield();
}

template <class T>
T emu_shfl(T v, int src) {
    unsigned t = threadIdx.x, w = t / 32;
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    emu->warpSlots[t] = bits;
    emu_warp_barrier(w);
    uint64_t got = emu->warpSlots[w * 32 + (src & 31)];
    emu_warp_barrier(w);
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

template <class F>
void emu_fiber_entry_impl(F* body) {
    (*body)();
    emu->current->done = true;
    emu->live--;
    // A finished thread no longer counts at barriers; release any barrier it was the last one missing.
    unsigned w = emu->current->tid.x / 32;
    emu->warpLive[w]--;
    if (emu->arrived > 0 && emu->arrived == emu->live) { emu->arrived = 0; emu->generation++; }
    if (emu->warpArrived[w] > 0 && emu->warpArrived[w] == emu->warpLive[w]) { emu->warpArrived[w] = 0; emu->warpGeneration[w]++; }
}

template <class F>
void emu_fiber_entry(unsigned lo, unsigned hi) {
    F* body = (F*) (((uintptr_t) hi << 32) | lo);
    emu_fiber_entry_impl(body);
}

template <class... P, class... A>
void emu_launch(void (*kernel)(P...), emu_dim3 grid, emu_dim3 block, size_t smemBytes, A... args) {
    // Runs on its own OS thread so the fibers never run on a thread the caller (a JVM) owns.
    std::thread runner([=] {
        emu_state s;
        emu = &s;
        s.grid = grid;
        s.block = block;
        s.dynamicSmem.assign(smemBytes / sizeof(float) + 1, 0.f);
        unsigned threads = block.x * block.y * block.z, warps = (threads + 31) / 32;
        s.fibers.resize(threads);
        const size_t stackBytes = 64 * 1024;
        for (auto& f : s.fibers) f.stack.reset(new char[stackBytes]);
        s.warpSlots.assign(warps * 32, 0);
        auto body = [&] { kernel(((P) args)...); };
        using Body = decltype(body);
        for (unsigned bz = 0; bz < grid.z; bz++)
            for (unsigned by = 0; by < grid.y; by++)
                for (unsigned bx = 0; bx < grid.x; bx++) {
                    s.blockIndex = {bx, by, bz};
                    s.live = threads;
                    s.arrived = 0;
                    s.warpArrived.assign(warps, 0);
                    s.warpGeneration.assign(warps, 0);
                    s.warpLive.assign(warps, 0);
                    for (unsigned t = 0; t < threads; t++) {
                        emu_fiber& f = s.fibers[t];
                        f.done = false;
                        f.tid = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                        s.warpLive[t / 32]++;
                        getcontext(&f.ctx);
                        f.ctx.uc_stack.ss_sp = f.stack.get();
                        f.ctx.uc_stack.ss_size = stackBytes;
                        f.ctx.uc_link = &s.scheduler;
                        uintptr_t p = (uintptr_t) &body;
                        makecontext(&f.ctx, (void (*)()) emu_fiber_entry<Body>, 2, (unsigned) (p & 0xFFFFFFFFu), (unsigned) (p >> 32));
                    }
                    while (s.live > 0) {
                        for (auto& f : s.fibers) {
                            if (f.done) continue;
                            s.current = &f;
                            swapcontext(&s.scheduler, &f.ctx);
                        }
                    }
                }
        emu = nullptr;
    });
    runner.join();
}
