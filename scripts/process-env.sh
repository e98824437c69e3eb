#!/bin/sh
# The allocator and runtime settings of every long-running pixelfront process (`npm start`,
# `npm run worker`, the container image's entrypoint), then runs its arguments in its place.
# Measured and explained in the README's Memory section:
# - jemalloc, where Debian's libjemalloc2 is installed, with a background thread that gives freed
#   memory back to the system within a quarter second, and 2 arenas: idle RSS after 8 concurrent
#   24 MP renders was 117-138 MiB, where glibc kept 150-198 MiB;
# - otherwise glibc with 2 arenas and blocks of 128 KiB and more mapped on their own;
# - a 1 MiB young generation, so upload chunks are collected before they pile up.
export MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 NODE_OPTIONS=--max-semi-space-size=1
for jemalloc in "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/lib/libjemalloc.so.2; do
  if [ -r "$jemalloc" ]; then
    export LD_PRELOAD="$jemalloc" MALLOC_CONF=background_thread:true,dirty_decay_ms:250,muzzy_decay_ms:0,narenas:2
    break
  fi
done
exec "$@"
