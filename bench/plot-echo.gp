# SPDX-License-Identifier: GPL-2.0-or-later
# Echo requests/s versus clients, one line per backend, and below it each
# backend's ratio to raw epoll (the lines above lie on top of each other).
# gnuplot -e "datafile='echo.dat'; outfile='bench-echo.png'; subtitle='...'" plot-echo.gp
if (!exists("subtitle")) subtitle = ""
set terminal pngcairo size 1000,860 font ",11"
set output outfile
# Header: "# clients epoll minivent ...".
ncols = int(system("head -n1 '" . datafile . "' | wc -w")) - 2
name(i) = system("head -n1 '" . datafile . "' | cut -d' ' -f" . (i + 2))
# One colour and point shape per backend in every plot, high contrast on
# white (no yellow), told apart by the point shape as well.
colour(n) = n eq "epoll" ? "#000000" : n eq "minivent" ? "#0072B2" : \
	n eq "minivent-slack" ? "#56B4E9" : n eq "libev" ? "#D55E00" : \
	n eq "libevent" ? "#009E73" : n eq "libuv" ? "#CC79A7" : "#666666"
point(n) = n eq "epoll" ? 7 : n eq "minivent" ? 5 : n eq "minivent-slack" ? 4 : \
	n eq "libev" ? 9 : n eq "libevent" ? 11 : 13
# The x range is the data's (log scale would widen it to whole decades),
# and so are the tics: one per number of clients measured.
stats datafile using 1 nooutput
set xrange [STATS_min / 1.25 : STATS_max * 1.25]
set logscale x
set grid
set multiplot layout 2,1 title "Echo ping-pong over AF\\_UNIX, 64-byte messages\n{/*0.8 " . subtitle . "}"
set ylabel "requests/s"
set format y "%.0s%c"
set yrange [0:*]
set key outside right top
unset xlabel
plot for [i=1:ncols] datafile using 1:(column(i + 1)):xtic(1) with linespoints lw 2 ps 1.3 lc rgb colour(name(i)) pt point(name(i)) title name(i)
set ylabel "ratio to raw epoll (requests/s)"
set xlabel "clients"
set format y "%.2f"
set yrange [*:*]
set key outside right top
plot for [i=1:ncols] datafile using 1:(column(i + 1) / column(2)):xtic(1) with linespoints lw 2 ps 1.3 lc rgb colour(name(i)) pt point(name(i)) title name(i)
unset multiplot
