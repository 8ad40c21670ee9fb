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

# make_certs DIR: a CA (DIR/ca.pem) and a certificate for localhost signed by it
# (DIR/server.pem, DIR/server.key), EC P-256, made with the openssl command.
make_certs() {
    (cd "$1"
     openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
         -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
     openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
     printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext
     openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 1 -out server.pem -days 2 -extfile ext 2>/dev/null)
}

# python_peers VENV PACKAGE...: a virtual environment at VENV with the PyPI packages, made when
# missing (never the global Python).
python_peers() {
    local venv=$1; shift
    local modules; modules=$(printf '%s,' "$@"); modules=${modules%,}
    [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $modules" 2>/dev/null && return 0
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
}

# start_nginx WORK PORT PROBE: nginx serving WORK/www on 127.0.0.1:PORT (sendfile, keep-alive
# for a million requests, no access log; its files under WORK), pinned to CPU 1; waits until
# PROBE (a path) answers. Sets nginx_pid.
start_nginx() {
    local work=$1 port=$2 probe=$3
    cat > "$work/nginx.conf" <<CONF
daemon off;
master_process off;
error_log $work/error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 60;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
    taskset -c 1 nginx -c "$work/nginx.conf" -e "$work/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port$probe" && break; sleep 0.1; done
}

