// A stand-in for libcuda.so.1 that runs the real kernels on the host (through emu.h), so the Java
// backend, its Panama bindings and the kernels can be tested end to end without a GPU.
// Device memory is host memory (filled with NaN bytes on allocation, as a real GPU leaves it
// undefined); streams execute synchronously; stream capture records closures that graphs replay.
// Copies are bounds-checked against live allocations; launches check the launch limits.
#include "emu.h"
#include "argmax.cu"
#include "attention.cu"
#include "elementwise.cu"
#include "kv.cu"
#include "matmul.cu"
#include "norm.cu"
#include "rope.cu"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef std::vector<std::function<void()>> Graph;

enum {
    OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, INVALID_DEVICE = 101, INVALID_PTX = 218, NOT_FOUND = 500,
    CAPTURE_UNSUPPORTED = 900, UPDATE_FAILURE = 910
};

namespace {
struct Kernel {
    std::string name;
    std::function<std::function<void()>(emu_dim3, emu_dim3, size_t, void**)> bind;
    int maxDynamicSmem = 48 * 1024;
};

template <class... P, size_t... I>
std::function<void()> bind_args(void (*k)(P...), emu_dim3 g, emu_dim3 b, size_t smem, void** params, std::index_sequence<I...>) {
    std::tuple<P...> values{*static_cast<P*>(params[I])...};  // copied now, as the driver does
    return [=] { std::apply([&](P... a) { emu_launch(k, g, b, smem, a...); }, values); };
}

template <class... P>
Kernel make(const char* name, void (*k)(P...)) {
    return Kernel{name, [k](emu_dim3 g, emu_dim3 b, size_t smem, void** params) {
                      return bind_args(k, g, b, smem, params, std::index_sequence_for<P...>{});
                  }};
}

#define K(name) make(#name, name)
#define W(t) K(tsr_matvec_##t), K(tsr_matmul_##t), K(tsr_embed_##t)

std::map<std::string, Kernel>& kernels() {
    static std::map<std::string, Kernel> table = [] {
        std::map<std::string, Kernel> m;
        for (Kernel k : {K(tsr_rmsnorm), K(tsr_softmax), K(tsr_swiglu), K(tsr_geglu), K(tsr_add), K(tsr_scale), K(tsr_softcap),
                         K(tsr_add_bias), K(tsr_rope), K(tsr_store_kv_f32), K(tsr_store_kv_f16), K(tsr_kv_gather), K(tsr_kv_scatter),
                         K(tsr_argmax), K(tsr_attn_split_f32), K(tsr_attn_split_f16), K(tsr_attn_combine), K(tsr_attn_prefill_f32),
                         K(tsr_attn_prefill_f16), W(f32), W(f16), W(bf16), W(q8_0), W(q4_0), W(q4_k), W(q6_k)}) {
            m[k.name] = k;
        }
        return m;
    }();
    return table;
}

std::map<CUdeviceptr, size_t> allocations;
bool capturing = false;
Graph* capture = nullptr;

void run(std::function<void()> f) {
    if (capturing) capture->push_back(std::move(f));
    else f();
}

bool inside(CUdeviceptr p, size_t n) {
    auto it = allocations.upper_bound(p);
    if (it == allocations.begin()) return false;
    --it;
    return p >= it->first && p + n <= it->first + it->second;
}
}  // namespace

extern "C" {
CUresult cuInit(unsigned) { return OK; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return OK; }

CUresult cuGetErrorName(CUresult e, const char** s) {
    static const std::map<int, const char*> names = {{0, "CUDA_SUCCESS"}, {1, "CUDA_ERROR_INVALID_VALUE"},
        {2, "CUDA_ERROR_OUT_OF_MEMORY"}, {101, "CUDA_ERROR_INVALID_DEVICE"}, {218, "CUDA_ERROR_INVALID_PTX"},
        {500, "CUDA_ERROR_NOT_FOUND"}, {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"}, {910, "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE"}};
    auto it = names.find(e);
    if (it == names.end()) { *s = nullptr; return INVALID_VALUE; }
    *s = it->second;
    return OK;
}

CUresult cuDeviceGetCount(int* n) { *n = 1; return OK; }
CUresult cuDeviceGet(int* d, int ordinal) { if (ordinal != 0) return INVALID_DEVICE; *d = 0; return OK; }
CUresult cuDeviceGetName(char* name, int len, int) { std::snprintf(name, len, "Tessera host emulation"); return OK; }

CUresult cuDeviceGetAttribute(int* v, int attr, int) {
    switch (attr) {
        case 75: *v = 9; break;        // compute capability major
        case 76: *v = 0; break;        // minor
        case 16: *v = 4; break;        // multiprocessors
        case 97: *v = 227 * 1024; break;  // max opt-in shared memory per block
        default: *v = 0;
    }
    return OK;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = 8ull << 30; return OK; }
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) { *ctx = (void*) 0x1; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return OK; }
CUresult cuCtxSetCurrent(void*) { return OK; }

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
    void* m = std::malloc(n);
    if (!m) return OUT_OF_MEMORY;
    std::memset(m, 0xFF, n);  // NaNs: kernels must not read memory nobody wrote
    *p = (CUdeviceptr) m;
    allocations[*p] = n;
    return OK;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    if (!allocations.erase(p)) return INVALID_VALUE;
    std::free((void*) p);
    return OK;
}

CUresult cuMemHostAlloc(void** p, size_t n, unsigned) { *p = std::malloc(n); return *p ? OK : OUT_OF_MEMORY; }
CUresult cuMemFreeHost(void* p) { std::free(p); return OK; }

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, void*) {
    if (!inside(dst, n)) return INVALID_VALUE;
    run([=] { std::memcpy((void*) dst, src, n); });
    return OK;
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, void*) {
    if (!inside(src, n)) return INVALID_VALUE;
    run([=] { std::memcpy(dst, (const void*) src, n); });
    return OK;
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, void*) {
    if (!inside(dst, n)) return INVALID_VALUE;
    run([=] { std::memset((void*) dst, v, n); });
    return OK;
}

CUresult cuModuleLoadDataEx(void** module, const void* image, unsigned, int*, void**) {
    const char* ptx = (const char*) image;
    if (!std::strstr(ptx, ".version") || !std::strstr(ptx, ".entry")) return INVALID_PTX;
    *module = (void*) 0x2;
    return OK;
}

CUresult cuModuleUnload(void*) { return OK; }

CUresult cuModuleGetFunction(void** f, void*, const char* name) {
    auto it = kernels().find(name);
    if (it == kernels().end()) return NOT_FOUND;
    *f = &it->second;
    return OK;
}

CUresult cuFuncSetAttribute(void* f, int attr, int value) {
    if (attr == 8) ((Kernel*) f)->maxDynamicSmem = value;
    return OK;
}

CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void*, void** params, void**) {
    Kernel* k = (Kernel*) f;
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx * by * bz == 0 || bx * by * bz > 1024) return INVALID_VALUE;
    if ((int) smem > k->maxDynamicSmem) return INVALID_VALUE;
    run(k->bind({gx, gy, gz}, {bx, by, bz}, smem, params));
    return OK;
}

CUresult cuStreamCreate(void** s, unsigned) { *s = new int(0); return OK; }
CUresult cuStreamDestroy_v2(void* s) { delete (int*) s; return OK; }
CUresult cuStreamSynchronize(void*) { return capturing ? CAPTURE_UNSUPPORTED : OK; }
CUresult cuEventCreate(void** e, unsigned) { *e = new int(0); return OK; }
CUresult cuEventRecord(void*, void*) { return OK; }
CUresult cuEventSynchronize(void*) { return capturing ? CAPTURE_UNSUPPORTED : OK; }
CUresult cuEventDestroy_v2(void* e) { delete (int*) e; return OK; }

CUresult cuStreamBeginCapture_v2(void*, int) {
    if (capturing) return INVALID_VALUE;
    capturing = true;
    capture = new Graph();
    return OK;
}

CUresult cuStreamEndCapture(void*, void** graph) {
    if (!capturing) return INVALID_VALUE;
    capturing = false;
    *graph = capture;
    capture = nullptr;
    return OK;
}

CUresult cuGraphInstantiateWithFlags(void** exec, void* graph, unsigned long long) {
    *exec = new Graph(*(Graph*) graph);
    return OK;
}

CUresult cuGraphExecUpdate_v2(void* exec, void* graph, void* info) {
    Graph* e = (Graph*) exec;
    Graph* g = (Graph*) graph;
    if (e->size() != g->size()) {
        *(int*) info = 1;  // CU_GRAPH_EXEC_UPDATE_ERROR
        return UPDATE_FAILURE;
    }
    *e = *g;
    *(int*) info = 0;
    return OK;
}

CUresult cuGraphLaunch(void* exec, void*) {
    for (auto& f : *(Graph*) exec) run(f);
    return OK;
}

CUresult cuGraphDestroy(void* g) { delete (Graph*) g; return OK; }
CUresult cuGraphExecDestroy(void* e) { delete (Graph*) e; return OK; }
}
