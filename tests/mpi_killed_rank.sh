#!/bin/bash
# A rank killed with SIGKILL in the middle of `mpirun -np 2 recgrad train` ends the whole job with a message that
# names it, within a minute: the surviving rank, blocked in MPI_Allreduce, must not wait forever.
# Usage: tests/mpi_killed_rank.sh BUILD/recgrad MPIRUN   (ctest runs it; label mpi)
set -u
cli=$1 mpirun=$2
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
for u in $(seq 1 300); do  # 300 users walking a cycle of 40 items
  line=$u; for t in $(seq 0 $((12 + u % 7))); do line="$line $(((u + t) % 40 + 1))"; done; echo "$line"
done > "$dir/seq.txt"
cat > "$dir/tiny.toml" <<'TOML'
protocol = "paper-hstu"
model = "sasrec"
[data]
file = "seq.txt"
[sasrec]
d = 16
max_len = 10
layers = 1
[train]
loss = "sampled_softmax"
negatives = 8
epochs = 100000
batch_size = 16
eval_every = 1000
[eval]
ks = [1, 5]
select_metric = "ndcg@5"
TOML
timeout 120 "$mpirun" --oversubscribe --allow-run-as-root -np 2 "$cli" train --config "$dir/tiny.toml" \
  --data-dir "$dir" --threads 1 --run-dir "$dir/run" > "$dir/log" 2>&1 &
job=$!
rank1=""
for _ in $(seq 1 100); do  # rank 1: the recgrad whose environment says OMPI_COMM_WORLD_RANK=1
  for p in $(pgrep -f "train --config $dir/tiny.toml"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' &&
       tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "^$cli "; then rank1=$p; fi
  done
  [ -n "$rank1" ] && grep -q "epoch" "$dir/log" && break
  sleep 0.2
done
[ -n "$rank1" ] || { echo "FAIL: rank 1 never started"; cat "$dir/log"; exit 1; }
sleep 1
kill -9 "$rank1"
wait "$job"
rc=$?
echo "mpirun exit status $rc; its last lines:"
tail -n 6 "$dir/log"
[ "$rc" -ne 124 ] || { echo "FAIL: the job hung (killed by timeout after 120 s)"; exit 1; }
[ "$rc" -ne 0 ] || { echo "FAIL: the job ended with status 0"; exit 1; }
grep -q "rank 1" "$dir/log" || { echo "FAIL: no message names rank 1"; exit 1; }
echo "PASS: the job ended (status $rc) and named the killed rank"
