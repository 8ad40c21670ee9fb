# Shared by the benchmark runners (sourced): publishing a table.

# publish SUFFIX HEADING TABLE: prints TABLE and writes it, under a heading with the date and
# host, to results/<date>-<host>SUFFIX.md.
publish() {
    local suffix=$1 heading=$2 table=$3
    local out="results/$(date +%Y-%m-%d)-$(hostname)$suffix.md"
    echo "$table"
    { echo "# $heading, $(date -u +%Y-%m-%dT%H:%MZ), $(hostname)"; echo; echo "$table"; } >"$out"
    echo "written to Benchmarks/$out"
}

# start_server COMMAND...: starts a server pinned to CPU 1 and waits for its "ready PORT" line;
# sets server_port and server_pid.
start_server() {
    coproc SERVER { exec taskset -c 1 "$@" 2>/dev/null; }
    local line
    read -r line <&"${SERVER[0]}"
    server_port=${line#ready }
    server_pid=$SERVER_PID
}
