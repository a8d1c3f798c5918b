#!/usr/bin/env bash
# Installs dependencies, builds Arbor and starts a single-node arbord in the
# background with its data in ./data, waits until it serves, then prints how
# to connect and how to stop it. Running it again reuses a running server.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target arbord arbor-cli arbor-dump

mkdir -p data
if [ -f data/arbord.pid ] && kill -0 "$(cat data/arbord.pid)" 2>/dev/null; then
  echo "quickstart: arbord already running (pid $(cat data/arbord.pid))"
else
  nohup build/bin/arbord --flagfile=conf/single.flags --data_dir=./data >>data/arbord.log 2>&1 &
  echo $! >data/arbord.pid
fi

serving=no
for _ in $(seq 1 100); do
  if build/bin/arbor-cli -server 127.0.0.1:7181 --connect_wait_ms=500 ls / >/dev/null 2>&1; then
    serving=yes
    break
  fi
  kill -0 "$(cat data/arbord.pid)" 2>/dev/null || break
  sleep 0.2
done
if [ "$serving" != yes ]; then
  echo "quickstart: arbord did not come up; the end of data/arbord.log says:" >&2
  tail -n 20 data/arbord.log >&2
  exit 1
fi

cat <<TXT
arbord is serving on 127.0.0.1:7181 (pid $(cat data/arbord.pid)); data in ./data, log in data/arbord.log
connect:  build/bin/arbor-cli -server 127.0.0.1:7181 create /hello world
          build/bin/arbor-cli -server 127.0.0.1:7181 get /hello
          build/bin/arbor-cli -server 127.0.0.1:7181 ls /
ZooKeeper clients: 127.0.0.1:2181 (e.g. /usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 ls /)
stop:     kill \$(cat data/arbord.pid)
3 nodes:  deploy/local-cluster.sh start   (then: status, kill-one N, start-one N, stop)
TXT
