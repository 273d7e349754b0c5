#!/usr/bin/env bash
# Draws training curves (bits per byte against bytes seen) from `lmzip train --log`
# CSV files: the training loss of each log as a line, its held-out scores as points.
#   scripts/plot-training.sh OUT.png LABEL=LOG.csv [LABEL=LOG.csv...]
set -euo pipefail
out=$1; shift
plots=()
colour=1
for pair in "$@"; do
  label=${pair%%=*}
  log=${pair#*=}
  plots+=("'$log' using 2:3 with lines lw 2 lc $colour title '$label train'")
  plots+=("'$log' using 2:(strcol(4) eq '' ? NaN : \$4) with linespoints pt 7 lc $colour dt 2 title '$label held-out (2048-byte chunks)'")
  colour=$((colour + 1))
done
joined=$(IFS=,; echo "${plots[*]}")
gnuplot <<GP
set terminal pngcairo size 900,520 font ',11'
set output '$out'
set datafile separator ','
set key top right
set grid
set xlabel 'training bytes seen'
set ylabel 'bits per byte'
set format x '%.1s %cB'
set yrange [1.5:8]
plot $joined
GP
