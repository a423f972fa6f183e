# Sourced by install.sh and launch.sh: the cache folder of this pom.xml's server ($lib). A changed pom
# (another version, another dependency) gets a folder of its own, so a stale copy is never run.
root="$(cd "$here/../.." && pwd)"
version="$(sed -n 's:.*<temporal.test.server.version>\(.*\)</temporal.test.server.version>.*:\1:p' "$here/pom.xml")"
pom_hash="$(sha256sum "$here/pom.xml" | cut -c1-12)"
lib="$root/.tools/temporal-test-server-$version-$pom_hash/lib"
