#!/usr/bin/env bash
# Regenerates BENCHMARKS.md at the repository root: the machine, the exact
# commands, benchstat's summary of the fixed-name benchmarks in ./bench and
# of the performance anchor (tailscale's packet filter, run by its own
# benchmark from the separate module bench/anchor), the performance issue's
# targets computed from that same run, and the result of the concurrency
# test under the race detector.
#
#   bench/run.sh                  # COUNT=6 rounds, a few minutes
#   COUNT=10 bench/run.sh         # the published figures (about twice as long)
#
# A round is one run (-count 1) of every benchmark in ./bench, then one run
# of the anchor's, so that both see the same state of the machine; the
# figures are the medians over the COUNT rounds.
#
# Other knobs: BENCHTIME (go test -benchtime, default 1s, for both), OUT
# (default BENCHMARKS.md at the root), RAW (where the raw go test output of
# ./bench is kept, default bench/results.txt; compare two versions with
# benchstat old new), RAW_ANCHOR (the anchor's, default RAW with -anchor
# before its .txt, so bench/results-anchor.txt), REUSE=1 (rewrite OUT from
# the RAW and RAW_ANCHOR of an earlier run, without running the benchmarks
# again). The machine should be otherwise idle: ratios are only meaningful
# within one run. A benchmark absent from the raw output (renamed, or the
# anchor could not be built) shows as "missing" in the targets.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
OUT=${OUT:-BENCHMARKS.md}
RAW=${RAW:-bench/results.txt}
RAW_ANCHOR=${RAW_ANCHOR:-${RAW%.txt}-anchor.txt}

# benchstat, installed into GOBIN (or GOPATH/bin) when it is missing.
BENCHSTAT=$(command -v benchstat || true)
if [ -z "$BENCHSTAT" ]; then
  gobin=$(go env GOBIN)
  [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
  if [ ! -x "$gobin/benchstat" ]; then
    echo "installing benchstat into $gobin" >&2
    go install golang.org/x/perf/cmd/benchstat@latest
  fi
  BENCHSTAT="$gobin/benchstat"
fi

# The anchor: tailscale's own benchmark, unmodified, run from the module
# that pins its version (bench/anchor/go.mod).
ANCHOR_DIR=bench/anchor
ANCHOR_BENCH='BenchmarkFilterMatch/udp-existing-flow-v4'
ours_cmd() { echo "go test ./bench -run '^\$' -bench . -benchmem -benchtime $BENCHTIME -count 1 -timeout 60m"; }
anchor_cmd() { echo "go test tailscale.com/wgengine/filter -run '^\$' -bench '$ANCHOR_BENCH' -benchmem -benchtime $BENCHTIME -count 1"; }

if [ "${REUSE:-}" = 1 ]; then
  [ -s "$RAW" ] || { echo "REUSE=1 but $RAW is empty" >&2; exit 1; }
  COUNT=$(awk '/^BenchmarkDrop\// { n++ } END { print n + 0 }' "$RAW")
  [ -s "$RAW_ANCHOR" ] || echo "REUSE=1 but $RAW_ANCHOR is empty: the anchor will show as missing" >&2
  echo "reusing $RAW and $RAW_ANCHOR ($COUNT rounds)" >&2
else
  # The commit the figures are of, kept in the raw file (benchstat reads a
  # "key: value" line as a label), so that REUSE=1 names it too.
  run_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git status --porcelain -- '*.go' 2>/dev/null)" ] || run_commit="$run_commit (with uncommitted changes)"
  echo "pfsim-commit: $run_commit" > "$RAW"
  : > "$RAW_ANCHOR"
  for round in $(seq "$COUNT"); do
    echo "round $round of $COUNT: $(ours_cmd)" >&2
    eval "$(ours_cmd)" | tee -a "$RAW" >&2
    echo "round $round of $COUNT: (cd $ANCHOR_DIR && $(anchor_cmd))" >&2
    # A failure of the anchor (say, its module cannot be downloaded) leaves
    # it missing from the targets but does not stop our benchmarks.
    if ! (cd "$ANCHOR_DIR" && eval "$(anchor_cmd)") | tee -a "$RAW_ANCHOR" >&2; then
      echo "the anchor's run failed in round $round" >&2
    fi
  done
fi

RACE_CMD="go test -race -count=1 -run 'Concurrent' ./bench ./conntrack ./sg"
echo "running: $RACE_CMD" >&2
if race_out=$(eval "$RACE_CMD" 2>&1); then race=pass; else race=FAIL; fi

# median NAME UNIT [FILE]: the median over the runs of one benchmark's
# metric in FILE (default RAW), benchstat's centre as well, or "missing"
# when FILE has none. NAME is without the -GOMAXPROCS suffix.
median() {
  [ -f "${3:-$RAW}" ] || { echo missing; return; }
  awk -v n="$1" -v u="$2" '
    /^Benchmark/ { name = $1; sub(/-[0-9]+$/, "", name); if (name != n) next
                   for (i = 2; i < NF; i++) if ($(i + 1) == u) print $i }' "${3:-$RAW}" |
    sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "missing"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
ns() { [ "$1" = missing ] && echo missing || echo "$1 ns"; }
verdict() { awk "BEGIN { exit !($1) }" && echo "met" || echo "**not met**"; }
# ratio_row TARGET A A_NAME OP FACTOR B B_NAME: a row of the targets table
# for "A OP FACTOR × B" (OP is <= or >=), with the ratio A / B measured, or
# "missing" when either median is.
ratio_row() {
  local target=$1 a=$2 an=$3 op=$4 f=$5 b=$6 bn=$7
  if [ "$a" = missing ] || [ "$b" = missing ]; then
    local m=""
    [ "$a" = missing ] && m="$an"
    [ "$b" = missing ] && m="${m:+$m and }$bn"
    echo "| $target | $m missing from this run | missing |"
  else
    echo "| $target | $an / $bn = $a / $b ns = $(calc "$a / $b") × (limit $f ×) | $(verdict "$a $op $f * $b") |"
  fi
}

est3=$(median BenchmarkEstablished/flows=1e3 ns/op)
est6=$(median BenchmarkEstablished/flows=1e6 ns/op)
base3=$(median BenchmarkBaseline/map/flows=1e3 ns/op)
base6=$(median BenchmarkBaseline/map/flows=1e6 ns/op)
new20=$(median BenchmarkNewFlow/rules=20 ns/op)
new1000=$(median BenchmarkNewFlow/rules=1000 ns/op)
dec=$(median BenchmarkDecode/pfsim ns/op)
decgp=$(median BenchmarkDecode/gopacket-parser ns/op)
par=$(median BenchmarkParallel/flows=1e6 ns/op)
look3=$(median BenchmarkComponents/lookup/flows=1e3 ns/op)
look6=$(median BenchmarkComponents/lookup/flows=1e6 ns/op)
aclc=$(median BenchmarkComponents/acl ns/op)
floor=$(median BenchmarkComponents/path-floor ns/op)
drop=$(median BenchmarkDrop/rules=1000 ns/op)
bflow=$(median BenchmarkEstablished/flows=1e6 B/flow)
anchor=$(median "$ANCHOR_BENCH" ns/op "$RAW_ANCHOR")
anchor_allocs=$(median "$ANCHOR_BENCH" allocs/op "$RAW_ANCHOR")
procs=$(awk '/^Benchmark/ { n = $1; sub(/.*-/, "", n); print n; exit }' "$RAW")

# Benchmarks (other than Churn) that allocated.
# Replay's benchmarks time a whole capture: their allocs/op are the setup's
# (reading the VPC, growing the tables), and they report allocs/packet.
allocs=$(awk '/^Benchmark/ && $1 !~ /^BenchmarkChurn/ && $1 !~ /^BenchmarkReplay/ { for (i = 2; i < NF; i++) if ($(i + 1) == "allocs/op" && $i != 0) print $1 }' "$RAW" | sort -u | tr '\n' ' ')
churn_allocs=$(median BenchmarkChurn/flows=1e6 allocs/op)
replay_allocs=$(median BenchmarkReplay allocs/packet)
churn_bytes=$(median BenchmarkChurn/flows=1e6 B/op)

model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
caches=$( (lscpu 2>/dev/null || true) | awk -F: '/^(L1d|L2|L3) cache/ { gsub(/^ +/, "", $2); printf "%s%s %s", sep, $1, $2; sep = ", " }')
hyper=$( (lscpu 2>/dev/null || true) | awk -F: '/Hypervisor vendor/ { gsub(/^ +/, "", $2); print $2 }')
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)
commit=$(awk -F': ' '/^pfsim-commit: / { print $2; exit }' "$RAW")
if [ -z "$commit" ]; then
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  # Uncommitted changes to the code, not to the files this script writes or reads.
  if [ -n "$(git status --porcelain 2>/dev/null | grep -v -e "$OUT\$" -e "$RAW\$" -e "$RAW_ANCHOR\$" -e 'bench/analysis.md$')" ]; then
    commit="$commit (with uncommitted changes)"
  fi
fi

{
cat <<EOF
# Benchmarks

Generated by \`bench/run.sh\` (COUNT=$COUNT) on $(date -u +%Y-%m-%d) from commit $commit.
Regenerate with \`COUNT=10 bench/run.sh\`; the default COUNT is 6, for a run of a few minutes.
The benchmarks and what each measures are documented in [\`bench/bench_test.go\`](bench/bench_test.go);
each checks its verdict on every iteration.

## Machine

| | |
| --- | --- |
| CPU | $model, ${mhz} MHz |
| cores (\`nproc\`) | $(nproc) (GOMAXPROCS $procs) |
| caches | ${caches:-unknown} |
| memory | $mem |
| virtualisation | ${hyper:-none reported} |
| transparent huge pages | $thp |
| OS | $(uname -srm) |
| Go | $(go version | cut -d' ' -f3-) |

The machine is shared: other jobs may run at the same time, which is why every
ratio below compares benchmarks of one run (medians of $COUNT runs each), and why
each round runs ours and then the anchor's, one after the other.

## Command

\`\`\`sh
for round in \$(seq $COUNT); do
  $(ours_cmd) >> $RAW
  (cd $ANCHOR_DIR && $(anchor_cmd)) >> $RAW_ANCHOR
done
benchstat $RAW
benchstat $RAW_ANCHOR
\`\`\`

The anchor is tailscale's packet filter (\`tailscale.com\` $(awk '$1 == "require" && $2 == "tailscale.com" { print $3 }' "$ANCHOR_DIR/go.mod")),
measured by its own benchmark, unmodified, from the separate module
[\`$ANCHOR_DIR\`]($ANCHOR_DIR/README.md): one UDP packet of an open flow,
parsed once before the timed loop, given again and again to its filter,
which finds the flow in its table (of that one flow) and accepts it.

## Results (benchstat)

\`\`\`
$("$BENCHSTAT" "$RAW")
\`\`\`

The anchor:

\`\`\`
$([ -s "$RAW_ANCHOR" ] && "$BENCHSTAT" "$RAW_ANCHOR" || echo "missing: $RAW_ANCHOR is empty")
\`\`\`

## Targets of the performance issue

Medians of this run. Established and Parallel go through the whole interface
path in its VPC, \`vpc.ENI.Cross\` (ACL of 20 rules each way, security groups of 20
inbound rules, connection table);
the baseline is a bare Go map lookup of precomputed keys. The anchor does less
per packet than Established/flows=1e3 (one flow, always in cache; no ACL or
security groups; no decoding in its timed loop): see [\`$ANCHOR_DIR/README.md\`]($ANCHOR_DIR/README.md).

| target | measured | result |
| --- | --- | --- |
$(ratio_row "Established/flows=1e3 ≤ 1.0 × tailscale's udp-existing-flow-v4" "$est3" Established/flows=1e3 "<=" 1.0 "$anchor" udp-existing-flow-v4)
$(ratio_row "Established/flows=1e6 ≤ 1.5 × Baseline/map/flows=1e6" "$est6" Established/flows=1e6 "<=" 1.5 "$base6" Baseline/map/flows=1e6)
$(ratio_row "Components/path-floor ≤ 0.5 × Baseline/map/flows=1e3" "$floor" Components/path-floor "<=" 0.5 "$base3" Baseline/map/flows=1e3)
$(ratio_row "Components/acl ≤ 2 × Baseline/map/flows=1e3" "$aclc" Components/acl "<=" 2 "$base3" Baseline/map/flows=1e3)
| 0 allocs/op on every path but churn | ${allocs:-none allocate}; churn $churn_allocs allocs/op, $churn_bytes B/op; a replayed capture $replay_allocs allocs/packet, all of them setup | $([ -z "$allocs" ] && echo met || echo "**not met**") |
$(ratio_row "NewFlow/rules=1000 ≤ 2 × NewFlow/rules=20" "$new1000" NewFlow/rules=1000 "<=" 2 "$new20" NewFlow/rules=20)
$(ratio_row "Decode/pfsim ≤ 1.3 × Decode/gopacket-parser" "$dec" Decode/pfsim "<=" 1.3 "$decgp" Decode/gopacket-parser)
$(ratio_row "Parallel on $procs cores ≥ 1.7 × one core" "$est6" Established/flows=1e6 ">=" 1.7 "$par" Parallel/flows=1e6)
| ≤ 128 bytes of heap per tracked flow at 1e6 | $bflow B/flow (Established/flows=1e6, table presized) | $([ "$bflow" = missing ] && echo missing || verdict "$bflow <= 128") |
| \`go test -race\` clean for concurrent use of one table | \`$RACE_CMD\` | $race |

## Where the time of an established packet goes

BenchmarkComponents takes Established apart on the same packets (same run):

| part | flows=1e3 | flows=1e6 |
| --- | --- | --- |
| the interface's whole path (Established) | $(ns "$est3") | $(ns "$est6") |
| connection table alone (\`conntrack.Table.Lookup\`) | $(ns "$look3") | $(ns "$look6") |
| network ACL alone (20 rules, scanned) | $(ns "$aclc") | |
| the path itself, \`vpc.ENI.Cross\` over an ACL with no rules (path-floor) | $(ns "$floor") | |
| bare Go map lookup (Baseline/map) | $(ns "$base3") | $(ns "$base6") |
| the anchor: tailscale's filter, one open UDP flow, packet parsed beforehand (udp-existing-flow-v4) | $(ns "$anchor")$([ "$anchor" = missing ] || echo " ($anchor_allocs allocs/op)") | |

For comparison, Drop/rules=1000 (the 1000-rule ACL's index, every rule missed,
then its \`*\` rule) takes $(ns "$drop").

$(cat bench/analysis.md 2>/dev/null || true)
EOF
if [ "$race" != pass ]; then
  printf '\n```\n%s\n```\n' "$race_out"
fi
} > "$OUT"
echo "wrote $OUT" >&2
