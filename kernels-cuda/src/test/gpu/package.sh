#!/usr/bin/env bash
# Packs what the GPU tests need into one folder that runs on a machine with only an NVIDIA driver:
# a jlink'ed JDK 25 runtime, the module's classes and test classes, the test jars, the test models.
# Usage (from the repository root, after `mvn -B -ntp install -DskipTests` with nvcc on the PATH
# so the PTX is packed):  kernels-cuda/src/test/gpu/package.sh [out dir, default out/gpu-tests]
# Then on the GPU machine:  <out dir>/run.sh [bench]   (TESSERA_SHARED=<dir> to use models from elsewhere;
# NO_MODELS=1 when packing leaves the models out: about 45 MB instead of 75 MB).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
OUT=$(realpath -m "${1:-out/gpu-tests}")
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
SHARED=${TESSERA_SHARED:-../shared}
rm -rf "$OUT" && mkdir -p "$OUT/lib" "$OUT/shared/test-models/gguf" "$OUT/shared/ref"
mvn -B -ntp -o -q -pl kernels-cuda dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/cp.txt"
# Third-party jars from the local repository; the project's own classes from this build (not ~/.m2).
tr ':' '\n' < "$OUT/cp.txt" | grep -v '/dev/tessera/' | while read -r jar; do cp "$jar" "$OUT/lib/"; done
mkdir -p "$OUT/classes"
for m in tensor quant kernels-simd model kernels-cuda; do
  if [ -d "$m/target/classes" ]; then cp -r "$m/target/classes/." "$OUT/classes/"; fi
done
cp -r kernels-cuda/target/test-classes "$OUT/test-classes"
mkdir -p "$OUT/src/test" && cp -r kernels-cuda/src/test/cuda "$OUT/src/test/" && cp -r kernels-cuda/src/main/cuda "$OUT/src/cuda"
if [ -z "${NO_MODELS:-}" ]; then
  cp "$SHARED"/test-models/gguf/stories260K*.gguf "$SHARED"/test-models/gguf/distill3M*.gguf "$OUT/shared/test-models/gguf/"
  cp "$SHARED"/test-models/stories260K-reference.json "$OUT/shared/test-models/"
  cp "$SHARED"/ref/distill3M-llamacpp-greedy.json "$OUT/shared/ref/"
fi
"$JDK/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$OUT/jdk"
rm "$OUT/cp.txt"
cat > "$OUT/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the CUDA GPU tests; the emulated-driver test needs g++ and is skipped without it.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p src/main && ln -sfn ../cuda src/main/cuda   # tests look for src/main/cuda and src/test/cuda
CP="test-classes:classes:lib/*"
exec jdk/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m \
  -Dtessera.shared="${TESSERA_SHARED:-$PWD/shared}" -cp "$CP" \
  "$([ "${1:-}" = bench ] && echo dev.tessera.kernels.cuda.GpuBenchMain || echo dev.tessera.kernels.cuda.GpuTestMain)"
RUN
chmod +x "$OUT/run.sh"
du -sh "$OUT" "$OUT/jdk"
