#!/bin/bash
# Two versions of livecut alternated in the transcode bench (tools/thread_bench.py), one process a
# cell, on several CPU counts (taskset) and sizes: `OLD=DIR bash tools/ab_bench.sh` with DIR an
# export of the other version's livecut/, tools/ and config/ (e.g. `git archive REV livecut tools
# config | tar -x -C DIR`).  Each line of $OUT/ab.jsonl: thread_bench's JSON with "version" and
# "setting_ahead" (OLD_AHEAD / NEW_AHEAD: on, off or plan).  A .whl folder of wheels (PyAV on a
# machine without it) is installed first.
set -u
if [ -d .whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1; export PYTHONPATH=/tmp/site; fi
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
: "${OLD:?OLD=DIR, the export of the other version}"
CPUSETS=${CPUSETS:-"0-3 0-7 0-15"}
SIZES=${SIZES:-"1920x1080 1280x720"}
ROUNDS=${ROUNDS:-3}
OLD_AHEAD=${OLD_AHEAD:-on}
NEW_AHEAD=${NEW_AHEAD:-on}
python3 -c "import cv2, av, numpy, os; print('cv2', cv2.__version__, 'av', av.__version__, 'np', numpy.__version__, 'cpus', len(os.sched_getaffinity(0)))" | tee $OUT/env.txt
lscpu | grep -i "model name" | tee -a $OUT/env.txt
for r in $(seq 1 $ROUNDS); do
 for cs in $CPUSETS; do
  for s in $SIZES; do
   for v in old new; do
     if [ $v = old ]; then dir=$OLD; ah=$OLD_AHEAD; else dir=.; ah=$NEW_AHEAD; fi
     echo "round $r cpus $cs size $s $v ahead $ah" >&2
     line=$(timeout 120 taskset -c $cs python3 $dir/tools/thread_bench.py --size $s --ahead $ah --repeat 2)
     python3 -c "import json, sys; d = json.loads(sys.argv[1]); d['version'] = sys.argv[2]; d['round'] = int(sys.argv[3]); print(json.dumps(d))" "$line" $v $r | tee -a $OUT/ab.jsonl | python3 -c "import json, sys; d = json.loads(sys.stdin.read()); print(d['version'], d['cpus'], d['size'], 'ahead', d['segmented_ahead'], 'plain %.2f livecut %.2f ratio %.2f process %.1f' % (d['plain_s'], d['livecut_s'], d['ratio'], d['process_ms']))"
   done
  done
 done
done
echo done
