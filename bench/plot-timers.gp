# SPDX-License-Identifier: GPL-2.0-or-later
# Timer churn: ns per operation versus N, one panel per operation.
# gnuplot -e "datafile='timers.dat'; outfile='bench-timers.png'; subtitle='...'" plot-timers.gp
if (!exists("subtitle")) subtitle = ""
set terminal pngcairo size 1000,800 font ",10"
set output outfile
# Header: "# n b1-add b1-push b1-cancel b1-fire b2-add ...".
nb = (int(system("head -n1 '" . datafile . "' | wc -w")) - 2) / 4
name(i) = system("head -n1 '" . datafile . "' | cut -d' ' -f" . (3 + 4 * (i - 1)) . " | sed 's/-add$//'")
# One colour and point shape per backend in every plot, high contrast on
# white (no yellow), told apart by the point shape as well.
colour(n) = n eq "epoll" ? "#000000" : n eq "minivent" ? "#0072B2" : \
	n eq "minivent-slack" ? "#56B4E9" : n eq "libev" ? "#D55E00" : \
	n eq "libev-now" ? "#8B4513" : \
	n eq "libevent" ? "#009E73" : n eq "libuv" ? "#CC79A7" : "#666666"
point(n) = n eq "epoll" ? 7 : n eq "minivent" ? 5 : n eq "minivent-slack" ? 4 : \
	n eq "libev" ? 9 : n eq "libev-now" ? 8 : n eq "libevent" ? 11 : 13
array ops[4] = ["add", "push back", "cancel", "fire (CPU time per fired timer)"]
# The x range is the data's (log scale would widen it to whole decades).
stats datafile using 1 nooutput
set xrange [STATS_min / 1.4 : STATS_max * 1.4]
set logscale x
set format x "10^{%L}"
set logscale y
set grid
set key top left opaque
set multiplot layout 2,2 title "Timer churn: ns per operation versus number of timers\n{/*0.8 " . subtitle . "}"
do for [op=1:4] {
	set title ops[op]
	set xlabel "timers (N)"
	set ylabel "ns per operation"
	plot for [i=1:nb] datafile using 1:(column(1 + 4 * (i - 1) + op)) \
		with linespoints lw 2 ps 1.3 lc rgb colour(name(i)) pt point(name(i)) title name(i)
}
unset multiplot
