package dev.tessera.kernels.cuda;

import static dev.tessera.kernels.cuda.driver.LaunchArgs.ArgType.F32;
import static dev.tessera.kernels.cuda.driver.LaunchArgs.ArgType.I32;
import static dev.tessera.kernels.cuda.driver.LaunchArgs.ArgType.I64;
import static dev.tessera.kernels.cuda.driver.LaunchArgs.ArgType.PTR;

import dev.tessera.kernels.cuda.driver.LaunchArgs.ArgType;
import dev.tessera.tensor.TensorType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@code extern "C"} kernel of the .cu sources and the types of its parameters, as the Java side
 * passes them. The test against the packed PTX checks each against the compiled entry's {@code .param}s.
 */
public record KernelSpec(String name, List<ArgType> args) {
    public KernelSpec {
        args = List.copyOf(args);
    }

    private static KernelSpec k(String name, ArgType... args) { return new KernelSpec(name, List.of(args)); }

    /** Weight types with their own CUDA kernels, and the kernel-name suffix of each. */
    public static final Map<TensorType, String> WEIGHT_SUFFIX = Map.of(
            TensorType.F32, "f32", TensorType.F16, "f16", TensorType.BF16, "bf16", TensorType.Q8_0, "q8_0",
            TensorType.Q4_0, "q4_0", TensorType.Q4_K, "q4_k", TensorType.Q6_K, "q6_k");

    public static KernelSpec matvec(TensorType t) { return k("tsr_matvec_" + WEIGHT_SUFFIX.get(t), PTR, PTR, PTR, I32, I32, I64, I32); }

    public static KernelSpec matmul(TensorType t) { return k("tsr_matmul_" + WEIGHT_SUFFIX.get(t), PTR, PTR, PTR, I32, I32, I64, I32); }

    public static KernelSpec embed(TensorType t) { return k("tsr_embed_" + WEIGHT_SUFFIX.get(t), PTR, PTR, PTR, I32, I64); }

    public static final KernelSpec RMSNORM = k("tsr_rmsnorm", PTR, PTR, PTR, I32, F32);
    public static final KernelSpec SOFTMAX = k("tsr_softmax", PTR, I32);
    public static final KernelSpec SWIGLU = k("tsr_swiglu", PTR, PTR, I64);
    public static final KernelSpec GEGLU = k("tsr_geglu", PTR, PTR, I64);
    public static final KernelSpec ADD = k("tsr_add", PTR, PTR, I64);
    public static final KernelSpec SCALE = k("tsr_scale", PTR, I64, F32);
    public static final KernelSpec SOFTCAP = k("tsr_softcap", PTR, I64, F32);
    public static final KernelSpec ADD_BIAS = k("tsr_add_bias", PTR, PTR, I64, I32);
    public static final KernelSpec ROPE = k("tsr_rope", PTR, I32, I32, I32, PTR, PTR, I32, I32);
    public static final KernelSpec STORE_KV_F32 = k("tsr_store_kv_f32", PTR, PTR, PTR, PTR, PTR, I32, I32);
    public static final KernelSpec STORE_KV_F16 = k("tsr_store_kv_f16", PTR, PTR, PTR, PTR, PTR, I32, I32);
    public static final KernelSpec KV_GATHER = k("tsr_kv_gather", PTR, PTR, PTR, I32, I32, I32, I32);
    public static final KernelSpec KV_SCATTER = k("tsr_kv_scatter", PTR, PTR, PTR, I32, I32, I32, I32);
    public static final KernelSpec ARGMAX = k("tsr_argmax", PTR, I32, PTR);
    public static final KernelSpec ATTN_SPLIT_F32 = k("tsr_attn_split_f32", PTR, PTR, PTR, PTR, I32, I32, I32, F32, F32,
            PTR, PTR, I32, I32, I32, I32, I32);
    public static final KernelSpec ATTN_SPLIT_F16 = k("tsr_attn_split_f16", PTR, PTR, PTR, PTR, I32, I32, I32, F32, F32,
            PTR, PTR, I32, I32, I32, I32, I32);
    public static final KernelSpec ATTN_COMBINE = k("tsr_attn_combine", PTR, PTR, I32, I32, I32);
    public static final KernelSpec ATTN_PREFILL_F32 = k("tsr_attn_prefill_f32", PTR, PTR, PTR, PTR, I32, I32, I32, F32, F32,
            PTR, PTR, I32, I32, I32, I32);
    public static final KernelSpec ATTN_PREFILL_F16 = k("tsr_attn_prefill_f16", PTR, PTR, PTR, PTR, I32, I32, I32, F32, F32,
            PTR, PTR, I32, I32, I32, I32);

    /** Every kernel the backend launches. */
    public static List<KernelSpec> all() {
        List<KernelSpec> out = new ArrayList<>(List.of(RMSNORM, SOFTMAX, SWIGLU, GEGLU, ADD, SCALE, SOFTCAP, ADD_BIAS, ROPE,
                STORE_KV_F32, STORE_KV_F16, KV_GATHER, KV_SCATTER, ARGMAX, ATTN_SPLIT_F32, ATTN_SPLIT_F16, ATTN_COMBINE,
                ATTN_PREFILL_F32, ATTN_PREFILL_F16));
        for (TensorType t : WEIGHT_SUFFIX.keySet().stream().sorted().toList()) {
            out.add(matvec(t));
            out.add(matmul(t));
            out.add(embed(t));
        }
        return out;
    }
}
