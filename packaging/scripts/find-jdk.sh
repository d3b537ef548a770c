#!/usr/bin/env bash
# Prints the home of a JDK >= 22 (FFM is final since 22): $JAVA_HOME if it qualifies, else Temurin 25, else any
# JDK under /usr/lib/jvm. The default `java` on Debian 12 is 17, which cannot build this project.
set -euo pipefail
min=22
major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null; }
qualifies() { [ -x "$1/bin/javac" ] && [ -x "$1/bin/jlink" ] && v=$(major "$1") && [ -n "$v" ] && [ "$v" -ge "$min" ]; }
for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
  [ -n "$home" ] && qualifies "$home" && { echo "$home"; exit 0; }
done
echo "error: no JDK $min or newer found (looked at \$JAVA_HOME and /usr/lib/jvm/*)." >&2
echo "Install one (e.g. Temurin 25 under /usr/lib/jvm/temurin-25-jdk-amd64) or set JAVA_HOME to it." >&2
exit 1
