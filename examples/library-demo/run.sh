#!/usr/bin/env bash
# Builds the library demo offline against the Tessera artifacts in the local Maven repository
# (run `mvn install` in the repository root first) and runs it. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")"

if [ -n "${JAVA_HOME:-}" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
mvn -B -ntp -o -q package -Dmaven.jar.forceCreation=true
"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -jar target/library-demo-0.1.0-SNAPSHOT.jar "$@" | tee target/output.txt

# The run must have got through every part of the example (with the embedded model: llama.cpp's greedy text).
if [ $# -eq 0 ]; then grep -q '^greedy: Once upon a time, there was a little girl named Lily' target/output.txt; fi
grep -q '^speculative matches plain: true$' target/output.txt
grep -q 'prompt tokens came from the cache' target/output.txt
echo "library demo: ok"
