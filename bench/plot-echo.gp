# SPDX-License-Identifier: GPL-2.0-or-later
# Echo requests/s versus clients, one line per backend.
# gnuplot -e "datafile='echo.dat'; outfile='bench-echo.png'" plot-echo.gp
set terminal pngcairo size 900,560 font ",11"
set output outfile
set title "Echo ping-pong over AF\\_UNIX: requests/s versus clients"
set xlabel "clients"
set ylabel "requests/s"
set logscale x
set xtics (1, 2, 16, 100, 1000)
set format y "%.0s%c"
set yrange [0:*]
set grid
set key bottom right
# Backend names come from the header line: "# clients epoll minivent ...".
ncols = int(system("head -n1 '" . datafile . "' | wc -w")) - 2
name(i) = system("head -n1 '" . datafile . "' | cut -d' ' -f" . (i + 2))
plot for [i=1:ncols] datafile using 1:(column(i + 1)) with linespoints lw 2 title name(i)
