# Sourced by ./warden and bench/run.sh: find_java prints a java binary of version 21 or newer,
# looking at $JAVA_HOME, then java on PATH, then /usr/lib/jvm/*; returns 1 if there is none.
java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
find_java() {
  local cand m
  for cand in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
    [[ -n "$cand" && -x "$cand" ]] || continue
    m=$(java_major "$cand")
    if [[ -n "$m" && "$m" -ge 21 ]]; then echo "$cand"; return 0; fi
  done
  return 1
}
# default_java_opts JAVA_BIN: the JVM flags Warden runs with. A small serial-GC heap (the gateway
# keeps little state); on JDK 24+ Netty may use sun.misc.Unsafe again (much faster buffer access)
# and load its epoll library without warnings.
default_java_opts() {
  local opts="-XX:+UseSerialGC -Xms128m -Xmx512m -XX:+ExitOnOutOfMemoryError"
  if [[ "$(java_major "$1")" -ge 24 ]]; then
    opts="$opts --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
  fi
  echo "$opts"
}
