# Sourced by install.sh and launch.sh. $lib: the cache folder of this pom.xml's server (a changed pom, say
# another version or dependency, gets a folder of its own, so a stale copy is never run). $cds: the class
# data archive of that server for this java binary (a JDK update writes a new binary, so a new archive).
root="$(cd "$here/../.." && pwd)"
version="$(sed -n 's:.*<temporal.test.server.version>\(.*\)</temporal.test.server.version>.*:\1:p' "$here/pom.xml")"
pom_hash="$(sha256sum "$here/pom.xml" | cut -c1-12)"
lib="$root/.tools/temporal-test-server-$version-$pom_hash/lib"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
java_bin="$(readlink -f "$(command -v "$java" || echo "$java")")"
cds="$(dirname "$lib")/cds-$(printf '%s %s' "$java_bin" "$(stat -c %Y "$java_bin" 2>/dev/null)" | sha256sum | cut -c1-12).jsa"
# Start-up speed over peak speed (C1 only, serial GC): the server lives for one test file.
jvm_flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
