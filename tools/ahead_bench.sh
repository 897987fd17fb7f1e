#!/bin/bash
# video.segment_ahead off and on, alternated, on 4, 8 and 16 CPUs (taskset) at 1080p and 720p:
# tools/thread_bench.py's transcode bench, one process a cell (docs/transcode-threads.md,
# "Segmenting ahead").  Run from the checkout's root:  ROUNDS=3 bash tools/ahead_bench.sh
# (CPUSETS, SIZES: the taskset lists and sizes; NOBENCH=1: no one-core `livecut bench` first; OUT: where ahead.jsonl goes; a .whl folder of
# wheels -- PyAV on a machine without it -- is installed first).
set -u
if [ -d .whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1; export PYTHONPATH=/tmp/site:$PWD; fi
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
python3 -c "import cv2, av, numpy, typer, os; print('cv2', cv2.__version__, 'av', av.__version__, 'np', numpy.__version__, 'cpus', len(os.sched_getaffinity(0)))" | tee $OUT/env.txt
lscpu | grep -i "model name" | tee -a $OUT/env.txt
CPUSETS=${CPUSETS:-"0-3 0-7 0-15"}
SIZES=${SIZES:-"1920x1080 1280x720"}
ROUNDS=${ROUNDS:-2}
[ -n "${NOBENCH:-}" ] || taskset -c 0 python3 -m livecut bench -n 40 2>&1 | tee -a $OUT/bench1.txt
for r in $(seq 1 $ROUNDS); do
 for cs in $CPUSETS; do
  for s in $SIZES; do
   for ah in off on; do
     echo "round $r cpus $cs size $s ahead $ah" >&2
     timeout 120 taskset -c $cs python3 tools/thread_bench.py --size $s --ahead $ah --repeat 2 | tee -a $OUT/ahead.jsonl
   done
  done
 done
done
echo done
