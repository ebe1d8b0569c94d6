#!/usr/bin/env bash
# The driver of the redis workload (bench/run_bench.sh -c): starts COMMAND (redis-server,
# untracked or under a tracker) in the background, waits until it answers PING on PORT,
# runs redis-benchmark against it on loopback (REQUESTS requests per test, 20 clients), then
# stops it with SHUTDOWN NOSAVE and waits for COMMAND to end, so that a tracker's capture is
# complete when this script returns. Exit status: 0, or the first failure.
#
#   bench/redis_workload.sh PORT REQUESTS COMMAND...
#   e.g. bench/redis_workload.sh 6399 100000 redis-server --port 6399 --save "" --appendonly no
#
# Needs redis-server and redis-tools (redis-benchmark, redis-cli). The client runs inside the
# timed command: its CPU time (the same in every run) is part of run_bench.sh's CPU column.
set -u
[ $# -ge 3 ] || { echo "usage: redis_workload.sh PORT REQUESTS COMMAND..." >&2; exit 2; }
port="$1"; requests="$2"; shift 2

if redis-cli -p "$port" ping >/dev/null 2>&1; then
  echo "redis_workload.sh: something already answers on port $port" >&2; exit 2
fi
"$@" &
server=$!

ready=0
for _ in $(seq 1 1000); do
  if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then ready=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.02
done
if [ "$ready" = 0 ]; then
  echo "redis_workload.sh: the server did not answer on port $port" >&2
  kill "$server" 2>/dev/null; wait "$server"; exit 1
fi

# A mix of commands on 100000 random keys with 64-byte values: strings, counters, lists,
# sets, hashes, list ranges (the allocation-heavy replies).
redis-benchmark -p "$port" -n "$requests" -c 20 -r 100000 -d 64 -q \
  -t set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange_100,mset
status=$?

redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
wait "$server"
server_status=$?
[ "$status" -ne 0 ] || status=$server_status
exit "$status"
