#!/usr/bin/env bash
# Side-by-side benchmark of HttpCaching.Proxy, Varnish and nginx (proxy_cache) in front of one origin on 127.0.0.1:
# cache hits on a 2 KB and a 50 KB body with wrk at 16 and 64 connections, interleaved over a few rounds (median
# reported), then cold bursts of 200 concurrent requests for one uncached URL, counting the origin requests each
# cache makes. See benchmarks/proxy/README.md.
#
#   benchmarks/proxy/run.sh                       # the full run (about 9 minutes)
#   ROUNDS=1 DURATION=3 WARMUP=2 benchmarks/proxy/run.sh   # a quick check of the set-up
#
# Settings (environment variables):
#   ROUNDS=3          measured rounds; every round runs every case on every server
#   DURATION=10       seconds per wrk run;  WARMUP=5  seconds of warm-up per server and body size, before round 1
#   PAUSE=2           seconds of rest between wrk runs (the machine is shared)
#   SIZES="2k 50k"    CONNECTIONS="16 64"   THREADS=2 (wrk threads)
#   SERVERS="proxy varnish nginx"
#   BURST=200         requests in one cold burst;  BURST_DELAYS="0 200"  origin delays (ms) for the bursts
#   WRK_CPUS, SERVER_CPUS   optional taskset CPU lists to pin wrk and the servers (default: not pinned)
#   KEEP=1            keep the temporary directory (logs, configs, raw results) instead of deleting it
#   ACCESS_LOG=1      turn the proxy's access log on (off as shipped, and nginx's is off here)
#
# Every server is a throwaway process: its own directory under one mktemp directory, a free port on 127.0.0.1 only,
# run as "nobody" through setpriv when the script runs as root, stopped by the process id recorded here (a trap does
# it on every exit). Exits 2 when a tool is missing, 1 when a check fails (a server that does not serve hits, an
# origin reached during the hit runs, wrk errors, a failed burst request).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-5}"
PAUSE="${PAUSE:-2}"
SIZES="${SIZES:-2k 50k}"
CONNECTIONS="${CONNECTIONS:-16 64}"
THREADS="${THREADS:-2}"
SERVERS="${SERVERS:-proxy varnish nginx}"
BURST="${BURST:-200}"
BURST_DELAYS="${BURST_DELAYS:-0 200}"
WRK_CPUS="${WRK_CPUS:-}"
SERVER_CPUS="${SERVER_CPUS:-}"
KEEP="${KEEP:-}"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# --- What is needed -----------------------------------------------------------------------------------------------
missing=()
for tool in varnishd nginx wrk python3 curl dotnet setpriv; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install the Debian packages with: apt-get update && apt-get install -y varnish nginx wrk python3 curl util-linux" >&2
  echo "(dotnet: the .NET SDK of global.json)" >&2
  exit 2
fi
export PATH="$PATH:/usr/sbin"
# The origin runs as nobody: a python3 outside root's home (a pyenv shim under /root would not run).
origin_python="$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3 || command -v python3)"
varnish_version="$(varnishd -V 2>&1 | head -n1)"
case "$varnish_version" in
  *varnish-7.*) ;;
  *) echo "warning: Varnish 7 expected, found: $varnish_version" >&2 ;;
esac

# --- Throwaway directory and clean-up ------------------------------------------------------------------------------
work="$(mktemp -d /tmp/proxybench.XXXXXX)"
chmod 755 "$work"
declare -A pids=()

cleanup() {
  local status=$? name pid i
  trap - EXIT INT TERM
  for name in "${!pids[@]}"; do
    pid="${pids[$name]}"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "${!pids[@]}"; do
    pid="${pids[$name]}"
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "warning: $name ($pid) did not stop on TERM; sending KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ -n "$KEEP" ]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The servers run unprivileged: as nobody when this script is root, else as the current user.
runas=()
if [ "$(id -u)" -eq 0 ]; then
  runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
server_pin=()
wrk_pin=()
[ -n "$SERVER_CPUS" ] && server_pin=(taskset -c "$SERVER_CPUS")
[ -n "$WRK_CPUS" ] && wrk_pin=(taskset -c "$WRK_CPUS")

# A directory the servers can write to.
own_dir() {
  mkdir -p "$1"
  [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$1"
  return 0
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME DIR COMMAND...: runs COMMAND in DIR as the server user, output to $work/NAME.log; records its pid.
start() {
  local name="$1" dir="$2"
  shift 2
  (cd "$dir" && exec "${server_pin[@]}" "${runas[@]}" "$@") >"$work/$name.log" 2>&1 &
  pids[$name]=$!
}

# wait_up NAME URL: waits until URL answers (any status), or fails with the server's log.
wait_up() {
  local name="$1" url="$2" i
  for i in $(seq 300); do
    if curl -s -o /dev/null --max-time 2 "$url"; then
      return 0
    fi
    kill -0 "${pids[$name]}" 2>/dev/null || { cat "$work/$name.log" >&2; fail "$name exited during start-up"; }
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  fail "$name did not answer on $url within 30 s"
}

# --- Origin ------------------------------------------------------------------------------------------------------
own_dir "$work/origin"
cp "$here/origin.py" "$work/origin/origin.py"
origin_port="$(free_port)"
origin_log="$work/origin/access.log"
start origin "$work/origin" "$origin_python" "$work/origin/origin.py" --port "$origin_port" --log "$origin_log"
wait_up origin "http://127.0.0.1:$origin_port/"
origin_count() { grep -cxF "GET $1" "$origin_log" || true; }

declare -A port=()

# --- HttpCaching.Proxy ------------------------------------------------------------------------------------------
log "building HttpCaching.Proxy (Release)"
dotnet publish "$repo/src/HttpCaching.Proxy" -c Release -o "$work/proxy" --nologo -v quiet >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; fail "dotnet publish of src/HttpCaching.Proxy failed"; }
own_dir "$work/proxy-home"
port[proxy]="$(free_port)"
# The shipped appsettings.json (published beside the dll; the content root is the current directory), and the
# freshness floor set to an hour so that nothing in the run can expire (the origin says max-age=3600 anyway). The
# access log is off, as shipped and as nginx's is below; ACCESS_LOG=1 turns the proxy's on (one console line per
# request).
proxy_log=()
[ "${ACCESS_LOG:-}" = 1 ] && proxy_log=(--Logging:LogLevel:HttpCaching.Proxy.AccessLog Information)
start proxy "$work/proxy" env HOME="$work/proxy-home" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  dotnet "$work/proxy/HttpCaching.Proxy.dll" --origin "http://127.0.0.1:$origin_port/" \
  --urls "http://127.0.0.1:${port[proxy]}" --HttpCaching:Defaults:MinimumFreshness 01:00:00 "${proxy_log[@]}"

# --- Varnish -----------------------------------------------------------------------------------------------------
own_dir "$work/varnish"
port[varnish]="$(free_port)"
cat >"$work/varnish/default.vcl" <<EOF
vcl 4.1;
backend origin { .host = "127.0.0.1"; .port = "$origin_port"; }
sub vcl_deliver {
  if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
EOF
# -F: foreground (the recorded pid is the manager, which stops its child on TERM); -j none: no jail, no privileges;
# -T none: no management port; the rest is Varnish's defaults (two thread pools, the built-in VCL after ours).
start varnish "$work/varnish" varnishd -F -j none -n "$work/varnish/instance" -a "127.0.0.1:${port[varnish]}" -T none \
  -f "$work/varnish/default.vcl" -s malloc,256m

# --- nginx -------------------------------------------------------------------------------------------------------
own_dir "$work/nginx"
port[nginx]="$(free_port)"
n="$work/nginx"
# No user directive: nginx runs as nobody through setpriv already (or as the current user).
cat >"$n/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  # wrk keeps its connections; nginx would close each after 1000 requests by default (Varnish and Kestrel do not).
  keepalive_requests 10000000;
  client_body_temp_path $n/client_body;
  proxy_temp_path $n/proxy_temp;
  fastcgi_temp_path $n/fastcgi;
  uwsgi_temp_path $n/uwsgi;
  scgi_temp_path $n/scgi;
  proxy_cache_path $n/cache levels=1:2 keys_zone=bench:10m max_size=1g inactive=2h use_temp_path=off;
  upstream origin { server 127.0.0.1:$origin_port; keepalive 64; }
  server {
    listen 127.0.0.1:${port[nginx]};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_cache bench;
    add_header X-Cache \$upstream_cache_status always;
    # Concurrent misses of one URL wait for the first (off by default in nginx).
    location / {
      proxy_pass http://origin;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 30s;
    }
    # The same without the lock, nginx's default: /nolock/x is the origin's /x.
    location /nolock/ {
      proxy_pass http://origin/;
      proxy_cache_lock off;
    }
  }
}
EOF
start nginx "$n" nginx -p "$n/" -c "$n/nginx.conf" -e "$n/error.log"

# --- Up, warm, and serving hits ---------------------------------------------------------------------------------
for server in $SERVERS; do
  wait_up "$server" "http://127.0.0.1:${port[$server]}/2k"
done
log "servers up: origin :$origin_port, proxy :${port[proxy]}, varnish :${port[varnish]}, nginx :${port[nginx]}"

cat >"$work/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
EOF

declare -A body_length=([2k]=2048 [50k]=51200)

# check_hit SERVER SIZE: the response is a hit with the full body, by the server's own header.
check_hit() {
  local server="$1" size="$2" headers length
  headers="$(curl -s -D - -o "$work/body" "http://127.0.0.1:${port[$server]}/$size")"
  length="$(stat -c %s "$work/body")"
  [ "$length" -eq "${body_length[$size]}" ] || fail "$server /$size: body of $length bytes, expected ${body_length[$size]}"
  case "$server" in
    proxy) grep -qiE '^cache-status:.*; hit' <<<"$headers" ;;
    *) grep -qiE '^x-cache: *hit' <<<"$headers" ;;
  esac || { printf '%s\n' "$headers" >&2; fail "$server does not serve /$size as a hit"; }
}

# cpu_ticks PID: user + system CPU time (clock ticks) of PID and of all its descendants (nginx's workers, Varnish's
# child), from /proc.
cpu_ticks() {
  local total child
  total="$(awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0)"
  for child in $(pgrep -P "$1" || true); do
    total=$((total + $(cpu_ticks "$child")))
  done
  echo "$total"
}

# run_wrk SERVER SIZE CONNECTIONS SECONDS: prints "rps p50_us p99_us cpu_us_per_request"; fails on any wrk error.
run_wrk() {
  local server="$1" size="$2" conns="$3" seconds="$4" out line requests duration p50 p99 errors ticks_before ticks_after
  ticks_before="$(cpu_ticks "${pids[$server]}")"
  out="$("${wrk_pin[@]}" wrk -t"$THREADS" -c"$conns" -d"${seconds}s" --latency -s "$work/report.lua" \
    "http://127.0.0.1:${port[$server]}/$size")"
  ticks_after="$(cpu_ticks "${pids[$server]}")"
  printf '%s\n' "$out" >>"$work/wrk-$server.txt"
  line="$(grep '^WRK ' <<<"$out")" || fail "no wrk result for $server /$size -c$conns"
  eval "$(sed -e 's/^WRK //' <<<"$line" | tr ' ' '\n' | sed -e 's/^/wrk_/')"
  errors=$((wrk_connect + wrk_read + wrk_write + wrk_status + wrk_timeout))
  [ "$errors" -eq 0 ] || { printf '%s\n' "$out" >&2; fail "$server /$size -c$conns: wrk counted $errors errors"; }
  # Every response carried the whole body (bytes include headers, so at least the bodies).
  [ "$wrk_bytes" -ge $((wrk_requests * body_length[$size])) ] || fail "$server /$size: short bodies"
  python3 -c "import sys; r, d, a, b, t, hz = map(int, sys.argv[1:]); print(f'{r / (d / 1e6):.0f} {a} {b} {t / hz * 1e6 / r:.1f}')" \
    "$wrk_requests" "$wrk_duration_us" "$wrk_p50_us" "$wrk_p99_us" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before: $load_before"

for server in $SERVERS; do
  for size in $SIZES; do
    curl -s -o /dev/null "http://127.0.0.1:${port[$server]}/$size"
    check_hit "$server" "$size"
    log "warm-up: $server /$size, ${WARMUP}s at 64 connections"
    run_wrk "$server" "$size" 64 "$WARMUP" >/dev/null || exit 1
  done
done
declare -A origin_before=()
for size in $SIZES; do
  origin_before[$size]="$(origin_count "/$size")"
  # One miss per server, or the "hits" are not what they seem.
  [ "${origin_before[$size]}" -le "$(wc -w <<<"$SERVERS")" ] \
    || fail "the origin got ${origin_before[$size]} requests for /$size during warm-up: a server is not caching it"
done

# --- Measured rounds, interleaved -------------------------------------------------------------------------------
results="$work/results.tsv"
: >"$results"
read -r -a order <<<"$SERVERS"
for round in $(seq "$ROUNDS"); do
  for size in $SIZES; do
    for conns in $CONNECTIONS; do
      for server in "${order[@]}"; do
        sleep "$PAUSE"
        # (Not "read < <(run_wrk …)": a failure inside a process substitution would not stop the script.)
        measured="$(run_wrk "$server" "$size" "$conns" "$DURATION")" || exit 1
        read -r rps p50 p99 cpu <<<"$measured"
        log "round $round: $server /$size -c$conns: $rps req/s, p50 ${p50} us, p99 ${p99} us, ${cpu} us CPU per request"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$size" "$conns" "$rps" "$p50" "$p99" "$cpu" >>"$results"
      done
    done
  done
  # The next round starts with the next server, so none is always first after the pause.
  order=("${order[@]:1}" "${order[0]}")
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

for size in $SIZES; do
  after="$(origin_count "/$size")"
  [ "$after" -eq "${origin_before[$size]}" ] \
    || fail "the origin got $((after - ${origin_before[$size]})) requests for /$size during the measured runs: not all were hits"
  for server in $SERVERS; do
    check_hit "$server" "$size"
  done
done
log "checked: every server served hits, and the origin saw no request for the test URLs during the measured runs"

# --- Cold bursts -------------------------------------------------------------------------------------------------
bursts="$work/bursts.tsv"
: >"$bursts"
stamp="$(date +%s)"
for delay in $BURST_DELAYS; do
  for target in $SERVERS $([[ " $SERVERS " == *" nginx "* ]] && echo nginx-nolock); do
    server="${target%-nolock}"
    path="/burst/$delay/$target-$stamp"
    prefix=""
    [ "$target" = nginx-nolock ] && prefix="/nolock"
    [ "$(origin_count "$path")" -eq 0 ] || fail "$path is not fresh"
    sleep "$PAUSE"
    outcome="$(python3 "$here/burst.py" --port "${port[$server]}" --path "$prefix$path" -n "$BURST" --length 2048)" \
      || fail "burst on $target: $outcome"
    sleep 0.5
    count="$(origin_count "$path")"
    log "burst of $BURST on $target, origin delay ${delay} ms: $count origin request(s); $outcome"
    printf '%s\t%s\t%s\t%s\n' "$target" "$delay" "$count" "$outcome" >>"$bursts"
  done
done

# --- Report ------------------------------------------------------------------------------------------------------
{
  echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr); load average (1, 5, 15 min) before: $load_before, after: $load_after"
  echo "Versions: HttpCaching.Proxy $(git -C "$repo" rev-parse --short HEAD) on .NET $(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ {v=$2} END {print v}')," \
    "$varnish_version, $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')"
  echo "Runs: $ROUNDS rounds x ${DURATION}s per case and server, wrk -t$THREADS, warm-up ${WARMUP}s; median of rounds"
  echo
  python3 "$here/report.py" "$results" "$bursts" "$BURST"
}
