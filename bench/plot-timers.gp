# SPDX-License-Identifier: GPL-2.0-or-later
# Timer churn: ns per operation versus N, one panel per operation.
# gnuplot -e "datafile='timers.dat'; outfile='bench-timers.png'" plot-timers.gp
set terminal pngcairo size 1000,760 font ",10"
set output outfile
set logscale x
set format x "10^{%L}"
set logscale y
set grid
set key top left
# Header: "# n b1-add b1-push b1-cancel b1-fire b2-add ...".
nb = (int(system("head -n1 '" . datafile . "' | wc -w")) - 2) / 4
name(i) = system("head -n1 '" . datafile . "' | cut -d' ' -f" . (3 + 4 * (i - 1)) . " | sed 's/-add$//'")
ops = "add push-back cancel fire(CPU)"
set multiplot layout 2,2 title "Timer churn: ns per operation versus number of timers"
do for [op=1:4] {
	set title word(ops, op)
	set xlabel "timers (N)"
	set ylabel "ns per operation"
	plot for [i=1:nb] datafile using 1:(column(1 + 4 * (i - 1) + op)) \
		with linespoints lw 2 title name(i)
}
unset multiplot
