#!/usr/bin/env bash
# Runs the JMH benchmarks (build first: make build). Arguments go to JMH, e.g. `jmh.sh TtrpcRoundTrip -f 1`.
set -euo pipefail
module=$(cd "$(dirname "$0")/.." && pwd)
java_home=$("$module/../packaging/scripts/find-jdk.sh")
cp="$module/target/benchmarks-0.1.0-SNAPSHOT.jar:$(cat "$module/target/classpath.txt" 2>/dev/null)" \
  || { echo "benchmarks not built: run 'make build' first" >&2; exit 1; }
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main "$@"
