# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Source it; do not execute it.
#
# Everything here prints diagnostics to stderr so that callers keep full control of stdout.

VIOPAY_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log()  { printf '%s\n' "[viopay] $*" >&2; }
warn() { printf '%s\n' "[viopay] warning: $*" >&2; }
die()  { printf '%s\n' "[viopay] error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: print a TCP port on 127.0.0.1 that is currently free.
free_port() {
    local port
    if command -v python3 >/dev/null 2>&1; then
        port="$(python3 - <<'EOF' 2>/dev/null
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
)" || port=""
        if [ -n "$port" ] && ! port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    fi
    local i
    for i in $(seq 1 200); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        if ! port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "could not find a free TCP port on 127.0.0.1"
}

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: run COMMAND every 0.5 s until it succeeds.
# Set WAIT_PID=<pid> to give up early when that process dies; set WAIT_LOG=<file> to show its
# tail on failure.
wait_for() {
    local desc="$1" timeout="$2"
    shift 2
    local deadline=$(( SECONDS + timeout ))
    while true; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if [ -n "${WAIT_PID:-}" ] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
            warn "$desc: process $WAIT_PID exited before it became ready"
            break
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            warn "$desc: not ready after ${timeout}s"
            break
        fi
        sleep 0.5
    done
    if [ -n "${WAIT_LOG:-}" ] && [ -f "$WAIT_LOG" ]; then
        warn "last lines of $WAIT_LOG:"
        tail -n 30 "$WAIT_LOG" >&2 || true
    fi
    return 1
}

# apt_install PACKAGE...: install Debian packages when running as root, without starting their
# system services (a temporary policy-rc.d is used when none exists).
apt_install() {
    if ! is_root; then
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "apt-get not found; cannot install $*"
        return 1
    fi
    log "installing $* with apt-get (this happens once)"
    local policy_created=0 rc=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_created=1
    fi
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=300 update -qq &&
            apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"
    } >&2 || rc=$?
    if [ "$policy_created" -eq 1 ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    return "$rc"
}

# find_pg_bin: print the directory holding initdb/pg_ctl/postgres (newest version wins).
# Honours VIOPAY_PG_BIN.
find_pg_bin() {
    if [ -n "${VIOPAY_PG_BIN:-}" ]; then
        [ -x "$VIOPAY_PG_BIN/initdb" ] || die "VIOPAY_PG_BIN=$VIOPAY_PG_BIN does not contain initdb"
        printf '%s\n' "$VIOPAY_PG_BIN"
        return 0
    fi
    local dir best=""
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            best="$dir"
        fi
    done
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then best="$dir"; fi
    fi
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [ -n "$best" ] || return 1
    printf '%s\n' "$best"
}

# ensure_pg_installed: make sure the PostgreSQL server binaries exist; print their directory.
ensure_pg_installed() {
    local bin
    if bin="$(find_pg_bin)"; then
        printf '%s\n' "$bin"
        return 0
    fi
    if ! is_root; then
        die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them with:
    sudo apt-get update && sudo apt-get install -y postgresql
or set VIOPAY_PG_BIN to the directory holding initdb, or set the connection string yourself."
    fi
    # Do not let postgresql-common create and start a system-wide 'main' cluster.
    if [ ! -e /etc/postgresql-common/createcluster.d/viopay.conf ]; then
        mkdir -p /etc/postgresql-common/createcluster.d
        printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.d/viopay.conf
    fi
    apt_install postgresql postgresql-client || die "apt-get install postgresql failed"
    bin="$(find_pg_bin)" || die "PostgreSQL was installed but initdb still cannot be found"
    printf '%s\n' "$bin"
}

# ensure_redis_installed: make sure redis-server exists; print its path. Honours VIOPAY_REDIS_SERVER.
ensure_redis_installed() {
    local path
    if [ -n "${VIOPAY_REDIS_SERVER:-}" ]; then
        [ -x "$VIOPAY_REDIS_SERVER" ] || die "VIOPAY_REDIS_SERVER=$VIOPAY_REDIS_SERVER is not executable"
        printf '%s\n' "$VIOPAY_REDIS_SERVER"
        return 0
    fi
    for path in "$(command -v redis-server 2>/dev/null || true)" /usr/bin/redis-server /usr/sbin/redis-server /usr/local/bin/redis-server; do
        if [ -n "$path" ] && [ -x "$path" ]; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    if ! is_root; then
        die "redis-server not found. Install it with:
    sudo apt-get update && sudo apt-get install -y redis-server
or set VIOPAY_REDIS_SERVER to its path, or set the connection string yourself."
    fi
    apt_install redis-server || die "apt-get install redis-server failed"
    path="$(command -v redis-server 2>/dev/null || true)"
    [ -n "$path" ] || path=/usr/bin/redis-server
    [ -x "$path" ] || die "redis-server was installed but cannot be found"
    printf '%s\n' "$path"
}

# ensure_chromium_installed: make sure chromium and chromedriver exist for the portal's browser tests. Installs Debian's
# chromium and chromium-driver with apt-get when running as root; otherwise only warns (the tests then skip, or fail in CI).
ensure_chromium_installed() {
    if [ -x /usr/bin/chromium ] && { [ -x /usr/bin/chromedriver ] || [ -x /usr/lib/chromium/chromedriver ]; }; then
        return 0
    fi
    if ! is_root; then
        warn "chromium or chromedriver not found; the portal's browser tests need them:
    sudo apt-get update && sudo apt-get install -y chromium chromium-driver"
        return 0
    fi
    apt_install chromium chromium-driver || warn "apt-get install chromium chromium-driver failed; the portal's browser tests will not run"
}

# pg_run_as COMMAND...: run a PostgreSQL server command as the cluster owner. PostgreSQL refuses
# to run as root, so root delegates to the 'postgres' user; everybody else runs it directly.
pg_run_as() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# pg_owned_dir DIR: create DIR (if needed) owned by whoever will run the server.
pg_owned_dir() {
    mkdir -p "$1"
    if is_root; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        fi
        chown postgres: "$1"
        chmod 700 "$1"
    fi
}

# pg_ready PG_BIN PORT: true when the server on 127.0.0.1:PORT accepts connections.
pg_ready() {
    "$1/pg_isready" -q -h 127.0.0.1 -p "$2" -t 2
}

# start_pg PG_BIN DATA_DIR PORT SOCKET_DIR LOG_FILE [fast]
# Initialises DATA_DIR when empty (superuser 'postgres', trust auth for local/loopback), writes
# the connection settings into DATA_DIR/viopay.conf (so a plain `pg_ctl -D DATA_DIR start`
# brings the same server back), starts the server and waits until it accepts connections.
# Pass 'fast' as 6th argument for throwaway clusters (fsync etc. off).
# SOCKET_DIR may be empty (no unix socket). The parent of DATA_DIR must be writable by the owner.
start_pg() {
    local bin="$1" data="$2" port="$3" sockdir="$4" logfile="$5" mode="${6:-}"
    pg_owned_dir "$data"
    if [ ! -s "$data/PG_VERSION" ]; then
        log "initialising PostgreSQL cluster in $data"
        pg_run_as "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$data.initdb.log" 2>&1 || {
            cat "$data.initdb.log" >&2
            die "initdb failed for $data"
        }
        printf "\ninclude_if_exists = 'viopay.conf'\n" | pg_run_as tee -a "$data/postgresql.conf" >/dev/null
    fi
    {
        printf "# Written by scripts/lib.sh on every start.\n"
        printf "listen_addresses = '127.0.0.1'\n"
        printf "port = %s\n" "$port"
        printf "unix_socket_directories = '%s'\n" "$sockdir"
        printf "max_connections = 300\n"
        if [ "$mode" = fast ]; then
            printf "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        fi
        # Extra settings from the caller, one per line (scripts/bench: pg_stat_statements).
        if [ -n "${VIOPAY_PG_EXTRA_CONF:-}" ]; then printf "%s\n" "$VIOPAY_PG_EXTRA_CONF"; fi
    } | pg_run_as tee "$data/viopay.conf" >/dev/null
    if [ -n "$sockdir" ]; then pg_owned_dir "$sockdir"; fi
    if is_root; then touch "$logfile" && chown postgres: "$logfile"; fi
    log "starting PostgreSQL on 127.0.0.1:$port (data: $data)"
    if ! pg_run_as "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >/dev/null 2>&1; then
        warn "pg_ctl start failed; last lines of $logfile:"
        tail -n 30 "$logfile" >&2 || true
        return 1
    fi
    WAIT_LOG="$logfile" wait_for "PostgreSQL on port $port" 60 pg_ready "$bin" "$port" ||
        return 1
}

# stop_pg PG_BIN DATA_DIR [MODE]: stop the cluster (MODE: fast|immediate, default fast); quiet.
stop_pg() {
    local bin="$1" data="$2" mode="${3:-fast}"
    [ -f "$data/postmaster.pid" ] || return 0
    pg_run_as "$bin/pg_ctl" -D "$data" stop -m "$mode" -w -t 60 >/dev/null 2>&1 || true
}

# ensure_pgbouncer_installed: make sure Debian's pgbouncer exists; print its path. Honours VIOPAY_PGBOUNCER.
ensure_pgbouncer_installed() {
    local path
    if [ -n "${VIOPAY_PGBOUNCER:-}" ]; then
        [ -x "$VIOPAY_PGBOUNCER" ] || die "VIOPAY_PGBOUNCER=$VIOPAY_PGBOUNCER is not executable"
        printf '%s\n' "$VIOPAY_PGBOUNCER"
        return 0
    fi
    for path in "$(command -v pgbouncer 2>/dev/null || true)" /usr/sbin/pgbouncer /usr/bin/pgbouncer; do
        if [ -n "$path" ] && [ -x "$path" ]; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    if ! is_root; then
        warn "pgbouncer not found; the PgBouncer tests need it:
    sudo apt-get update && sudo apt-get install -y pgbouncer"
        return 1
    fi
    apt_install pgbouncer || { warn "apt-get install pgbouncer failed"; return 1; }
    path=/usr/sbin/pgbouncer
    [ -x "$path" ] || { warn "pgbouncer was installed but $path is missing"; return 1; }
    printf '%s\n' "$path"
}

# pgbouncer_ready PORT: true when something accepts connections on 127.0.0.1:PORT (PgBouncer listens once it has
# read its configuration; it connects to PostgreSQL only when a client asks).
pgbouncer_ready() { port_in_use "$1"; }

# start_pgbouncer PGBOUNCER PORT DIR PG_PORT [POOL_SIZE]
# Starts PgBouncer on 127.0.0.1:PORT in transaction pooling mode in front of the PostgreSQL on 127.0.0.1:PG_PORT,
# with its configuration, log and pid file in DIR, and waits until it listens. Sets PGBOUNCER_PID.
#  - every database name is passed through to PostgreSQL (`*`), with POOL_SIZE (default 4) server connections per
#    database and user: many client connections share a few server connections, which is what transaction pooling is;
#  - `viopay_single` is the database `postgres` over exactly one server connection, for tests that need two clients
#    to land on the same server connection;
#  - auth_type=trust with a userlist naming `postgres` (the throwaway PostgreSQL trusts loopback too); `pgbouncer` is
#    the admin console (SHOW POOLS, SHOW SERVERS …) for the user postgres;
#  - ignore_startup_parameters: what a driver may send that PgBouncer 1.18 does not track (extra_float_digits).
# PgBouncer refuses to run as root: root starts it with `-u postgres` (it drops to that user itself, so PGBOUNCER_PID
# is PgBouncer's own pid and SIGTERM stops it at once).
start_pgbouncer() {
    local bin="$1" port="$2" dir="$3" pg_port="$4" pool="${5:-4}"
    pg_owned_dir "$dir"
    {
        printf '[databases]\n'
        printf 'viopay_single = host=127.0.0.1 port=%s dbname=postgres pool_size=1\n' "$pg_port"
        printf '* = host=127.0.0.1 port=%s\n' "$pg_port"
        printf '\n[pgbouncer]\n'
        printf 'listen_addr = 127.0.0.1\nlisten_port = %s\nunix_socket_dir =\n' "$port"
        printf 'auth_type = trust\nauth_file = %s/userlist.txt\nadmin_users = postgres\nstats_users = postgres\n' "$dir"
        printf 'pool_mode = transaction\ndefault_pool_size = %s\nmin_pool_size = 0\nreserve_pool_size = 0\n' "$pool"
        printf 'max_client_conn = 1000\nmax_db_connections = 0\n'
        printf 'ignore_startup_parameters = extra_float_digits\n'
        printf 'logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n' "$dir" "$dir"
    } >"$dir/pgbouncer.ini"
    printf '"postgres" ""\n' >"$dir/userlist.txt"
    local -a as_user=()
    if is_root; then
        chown postgres: "$dir/pgbouncer.ini" "$dir/userlist.txt"
        as_user=(-u postgres)
    fi
    log "starting pgbouncer on 127.0.0.1:$port (transaction pooling, $pool server connections per database; dir: $dir)"
    (cd / && exec setsid "$bin" "${as_user[@]}" "$dir/pgbouncer.ini" </dev/null >>"$dir/pgbouncer.out" 2>&1) &
    PGBOUNCER_PID=$!
    WAIT_PID="$PGBOUNCER_PID" WAIT_LOG="$dir/pgbouncer.log" \
        wait_for "pgbouncer on port $port" 30 pgbouncer_ready "$port" || return 1
    # The pid PgBouncer wrote itself is the one to signal, whatever setsid did.
    if [ -s "$dir/pgbouncer.pid" ]; then PGBOUNCER_PID="$(cat "$dir/pgbouncer.pid")"; fi
}

# stop_pgbouncer PID: stop a PgBouncer we started (SIGTERM: immediate shutdown); quiet.
stop_pgbouncer() {
    local pid="$1" i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# redis_ping PORT: true when redis answers PONG on 127.0.0.1:PORT.
redis_ping() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
    else
        local reply=""
        exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
        printf 'PING\r\n' >&3
        IFS= read -r -t 2 reply <&3 || true
        exec 3<&- 3>&-
        [ "${reply%$'\r'}" = "+PONG" ]
    fi
}

# start_redis REDIS_SERVER PORT DIR [persist]
# Starts redis-server in the background, in its own session (so Ctrl-C in the terminal does not
# reach it), and waits until it answers PING. Sets REDIS_PID. Without 'persist' nothing is
# written to disk.
start_redis() {
    local server="$1" port="$2" dir="$3" persist="${4:-}"
    mkdir -p "$dir"
    local -a persistence=(--save '' --appendonly no)
    if [ "$persist" = persist ]; then
        persistence=(--appendonly no --dbfilename dump.rdb)
    fi
    log "starting redis-server on 127.0.0.1:$port (dir: $dir)"
    setsid "$server" --port "$port" --bind 127.0.0.1 --dir "$dir" \
        "${persistence[@]}" --daemonize no --protected-mode yes \
        --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
    REDIS_PID=$!
    WAIT_PID="$REDIS_PID" WAIT_LOG="$dir/redis.log" \
        wait_for "redis-server on port $port" 30 redis_ping "$port"
}

# stop_redis PID PORT: stop a redis-server we started; quiet.
stop_redis() {
    local pid="$1" port="$2" i
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # A test may have restarted redis on the same port: shut that one down too.
    if [ -n "$port" ] && command -v redis-cli >/dev/null 2>&1 && redis_ping "$port"; then
        redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
}

# The first "key": "string" value of KEY in the JSON on stdin (the admin CLI's answers are flat).
json_field() { grep -o "\"$1\": *\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }

# new_merchant_client API_DLL NAME: a reseller, a merchant and an API client made with the API's admin
# CLI (same configuration and LMK as the server, from the environment). Sets MERCHANT_ID, CLIENT_ID and
# CLIENT_SECRET as shell variables, unexported, so the caller decides which process sees the secret.
new_merchant_client() {
    local dll="$1" name="$2" reseller client
    reseller="$(dotnet "$dll" create-reseller --name "$name reseller" | json_field reseller_id)"
    MERCHANT_ID="$(dotnet "$dll" create-merchant --reseller "$reseller" --name "$name" | json_field merchant_id)"
    client="$(dotnet "$dll" create-api-client --merchant "$MERCHANT_ID")"
    CLIENT_ID="$(json_field client_id <<<"$client")"
    CLIENT_SECRET="$(json_field client_secret <<<"$client")"
    [ -n "$reseller" ] && [ -n "$MERCHANT_ID" ] && [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] ||
        die "the admin CLI could not create the merchant '$name' and its API client"
}

# redis_cluster_ok PORT: true when the cluster node on 127.0.0.1:PORT reports cluster_state:ok.
redis_cluster_ok() {
    redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

# cluster_port: a free port for a Redis Cluster node. The node also listens on its cluster bus, port + 10000, so the
# port must be at most 55535 and the bus port free too.
cluster_port() {
    local port i
    for i in $(seq 1 200); do
        port="$(free_port)"
        if [ "$port" -le 55535 ] && ! port_in_use $(( port + 10000 )); then
            printf '%s\n' "$port"
            return 0
        fi
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        if ! port_in_use "$port" && ! port_in_use $(( port + 10000 )); then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "could not find a free port pair (port, port + 10000) on 127.0.0.1 for a Redis Cluster node"
}

# start_redis_cluster REDIS_SERVER DIR [MASTERS]
# Starts MASTERS (default 3) cluster-enabled redis-servers on free loopback ports, each in DIR/node-N with its own
# redis.conf (so `redis-server DIR/node-N/redis.conf` brings the same node back, with its node id and slots), joins
# them with `redis-cli --cluster create` (no replicas) and waits until every node reports cluster_state:ok.
# Sets REDIS_CLUSTER_NODES ("127.0.0.1:p1,127.0.0.1:p2,…"), REDIS_CLUSTER_PORTS, REDIS_CLUSTER_PIDS and
# REDIS_CLUSTER_DIRS (space separated). Nothing is persisted but the cluster's own nodes.conf.
# cluster-require-full-coverage is off: when a master dies, the others keep serving their slots and only the
# requests that need the lost slots fail (the API answers those 503).
start_redis_cluster() {
    local server="$1" dir="$2" masters="${3:-3}" i port node
    # redis-cli comes with Debian's redis-tools, which redis-server depends on; installed alone if it went missing.
    command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools ||
        die "redis-cli not found: sudo apt-get install -y redis-tools"
    REDIS_CLUSTER_NODES="" REDIS_CLUSTER_PORTS="" REDIS_CLUSTER_PIDS="" REDIS_CLUSTER_DIRS=""
    local -a addresses=()
    for i in $(seq 1 "$masters"); do
        port="$(cluster_port)"
        node="$dir/node-$i"
        mkdir -p "$node"
        cat >"$node/redis.conf" <<CONF
port $port
bind 127.0.0.1
protected-mode yes
daemonize no
dir $node
logfile $node/redis.log
save ""
appendonly no
cluster-enabled yes
cluster-config-file $node/nodes.conf
cluster-node-timeout 2000
cluster-require-full-coverage no
CONF
        setsid "$server" "$node/redis.conf" </dev/null >/dev/null 2>&1 &
        REDIS_CLUSTER_PIDS="${REDIS_CLUSTER_PIDS:+$REDIS_CLUSTER_PIDS }$!"
        REDIS_CLUSTER_PORTS="${REDIS_CLUSTER_PORTS:+$REDIS_CLUSTER_PORTS }$port"
        REDIS_CLUSTER_DIRS="${REDIS_CLUSTER_DIRS:+$REDIS_CLUSTER_DIRS }$node"
        addresses+=("127.0.0.1:$port")
        WAIT_PID="$!" WAIT_LOG="$node/redis.log" wait_for "redis cluster node on port $port" 30 redis_ping "$port" || return 1
    done
    REDIS_CLUSTER_NODES="$(IFS=,; printf '%s' "${addresses[*]}")"
    log "creating a Redis Cluster of $masters masters: $REDIS_CLUSTER_NODES"
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || {
        cat "$dir/create.log" >&2
        return 1
    }
    for port in $REDIS_CLUSTER_PORTS; do
        wait_for "cluster_state:ok on port $port" 30 redis_cluster_ok "$port" || return 1
    done
}

# stop_redis_cluster "PIDS" "PORTS": stop every node we started, and any node a test restarted on one of the ports.
stop_redis_cluster() {
    local -a pids=($1) ports=($2)
    local i
    for i in "${!ports[@]}"; do
        stop_redis "${pids[$i]:-}" "${ports[$i]}"
    done
}
