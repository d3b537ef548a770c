# Sourced by the built-in VMM's device benchmarks: compiles kata-hypervisor-kvm and its test classes (offline) and
# runs the benchmark main CLASS from them with the remaining arguments. Usage: run_kvm_test_main CLASS ARGS...
run_kvm_test_main() {
  local class=$1 root java_home cp self
  shift
  self=$(basename "$0")
  root=$(cd "$(dirname "$0")/../.." && pwd)
  java_home=$("$root/packaging/scripts/find-jdk.sh")
  echo ">> compiling kata-hypervisor-kvm and its tests" >&2
  JAVA_HOME=$java_home mvn -q -o -f "$root/pom.xml" -pl kata-hypervisor-kvm -am test-compile >&2 \
    || { echo "$self: the build failed (see above); fix it or run 'mvn -o install -DskipTests' first" >&2; exit 1; }
  cp="$root/kata-hypervisor-kvm/target/classes:$root/kata-hypervisor-kvm/target/test-classes"
  cp="$cp:$root/kata-native/target/classes:$root/kata-api/target/classes"
  exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" "$class" "$@"
}
