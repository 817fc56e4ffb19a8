#!/usr/bin/env bash
# golive's release binary side by side with its peers, as an operator runs
# them: the cockpit and oxker (when on PATH: `cargo install oxker`) in a
# 120x40 tmux, `golive logs` and `docker logs -f -t` on a pipe. CPU is the
# process's task-clock (perf stat), memory its VmRSS and VmHWM (peak).
#
#   cargo build --release && benches/side_by_side.sh     (RUNS=3 SECS=30;
#   ONLY=flood for the flood cases alone, ONLY=idle for the first line and
#   the idle cases)
#
# Cases: idle with one quiet container (its 200 lines of history on screen),
# idle with 20 loopback endpoints polled at 1 Hz plus that container, and a
# flood of LINES (300,000) lines from a fresh container, followed live from
# before its first line. Each figure is the median of RUNS runs. Needs the
# Docker engine, busybox-static, tmux, perf and python3 (the endpoints);
# says what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SECS=${SECS:-30}
LINES=${LINES:-300000}
GOLIVE=${GOLIVE:-target/release/golive}
for tool in docker tmux perf python3 /bin/busybox "$GOLIVE"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "side_by_side: $tool is missing"; exit 1; }
done
OXKER=$(command -v oxker || true)
[ -n "$OXKER" ] || echo "side_by_side: oxker is not on PATH (cargo install oxker): not compared"
work=$(mktemp -d)
sock=golive-side-$$
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  docker rm -f golive-side-quiet golive-side-flood >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Images FROM scratch with busybox: no pull needed.
mkdir -p "$work/img" && cp /bin/busybox "$work/img/"
cat >"$work/img/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
ENTRYPOINT ["/bin/busybox", "sh", "-c"]
EOF
docker build -q -t golive-side "$work/img" >/dev/null 2>&1
docker rm -f golive-side-quiet >/dev/null 2>&1 || true
docker run -d --name golive-side-quiet golive-side \
  'i=0; while [ $i -lt 200 ]; do echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) INFO history line $i"; i=$((i+1)); done; exec sleep 1000000' >/dev/null

# Twenty endpoints answering /health, in a process of their own.
cat >"$work/serve.py" <<'EOF'
import http.server, socketserver, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
ports = []
for _ in range(20):
    s = S(("127.0.0.1", 0), H)
    ports.append(s.server_address[1])
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(" ".join(map(str, ports)), flush=True)
threading.Event().wait()
EOF
python3 "$work/serve.py" >"$work/ports" &
server=$!
for _ in $(seq 50); do [ -s "$work/ports" ] && break; sleep 0.1; done
urls=$(for p in $(cat "$work/ports"); do printf '"http://127.0.0.1:%s/health", ' "$p"; done)

profile() { # name, endpoints?, container
  {
    printf '[service]\nname = "side-%s"\nversion = "v1"\n\n[settings]\npoll_interval = "1s"\n\n' "$1"
    [ "$2" = yes ] && printf '[[endpoint]]\nid = "health"\nurls = [%s]\nformat = "plain"\n\n' "$urls"
    printf '[[logs]]\nid = "app"\ndocker = { container = "%s" }\n\n' "$3"
    printf '[[phase]]\nid = "pre"\n\n  [[phase.item]]\n  id = "look"\n  title = "Look at the dashboards"\n'
  } >"$work/$1.toml"
}
profile quiet no golive-side-quiet
profile endpoints yes golive-side-quiet
profile flood no golive-side-flood

kib() { awk "/$2/{print \$2}" "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
in_tmux() { # command...: starts it in a fresh tmux, prints its pid
  tmux -L "$sock" kill-server 2>/dev/null || true
  tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 "$*"
  tmux -L "$sock" list-panes -F '#{pane_pid}'
}
cpu_ms() { perf stat -x, -e task-clock -p "$1" -- sleep "$2" 2>&1 | awk -F, '/task-clock/{print $1}'; }

idle() { # label, command...: "cpu% rss_mib"
  local label=$1; shift
  local cpus=() rsss=()
  for _ in $(seq "$RUNS"); do
    local pid; pid=$(in_tmux "$@")
    sleep 5
    local ms; ms=$(cpu_ms "$pid" "$SECS")
    cpus+=("$(awk "BEGIN{print $ms/($SECS*10)}")")
    rsss+=("$(awk "BEGIN{print $(kib "$pid" VmRSS)/1024}")")
    tmux -L "$sock" kill-server
  done
  printf '%s %s %s\n' "$label" "$(printf '%s\n' "${cpus[@]}" | median)" "$(printf '%s\n' "${rsss[@]}" | median)"
}

fresh_flood() { # a container that prints LINES lines 4 s after it starts
  docker rm -f golive-side-flood >/dev/null 2>&1 || true
  docker run -d --name golive-side-flood --log-opt max-size=500m golive-side \
    "sleep 4; awk -v n=$LINES 'BEGIN{for(i=0;i<n;i++) printf \"INFO GET /api/v1/items?page=%d 200 12ms user=alice trace=4bf92f3577b34da6\\n\", i}'; exec sleep 1000000" >/dev/null
}

flood() { # label, tmux|pipe, command...: "cpu_s rss_after_mib peak_mib"
  local label=$1 how=$2; shift 2
  local cpus=() rsss=() peaks=()
  for _ in $(seq "$RUNS"); do
    fresh_flood
    local pid
    if [ "$how" = tmux ]; then
      pid=$(in_tmux "$@")
    else
      "$@" >"$work/out" 2>/dev/null &
      pid=$!
    fi
    local ms; ms=$(cpu_ms "$pid" 25)
    cpus+=("$(awk "BEGIN{print $ms/1000}")")
    rsss+=("$(awk "BEGIN{print $(kib "$pid" VmRSS)/1024}")")
    peaks+=("$(awk "BEGIN{print $(kib "$pid" VmHWM)/1024}")")
    if [ "$how" = tmux ]; then tmux -L "$sock" kill-server; else
      kill "$pid"; wait "$pid" 2>/dev/null || true
      echo "  $label printed $(wc -l <"$work/out") lines" >&2
    fi
  done
  printf '%s %s %s %s\n' "$label" "$(printf '%s\n' "${cpus[@]}" | median)" \
    "$(printf '%s\n' "${rsss[@]}" | median)" "$(printf '%s\n' "${peaks[@]}" | median)"
}

first_line() { # label, command...: ms from launch until the history's last line is on screen
  local label=$1; shift
  local all=()
  for _ in $(seq "$RUNS"); do
    tmux -L "$sock" kill-server 2>/dev/null || true
    local t0; t0=$(date +%s%N)
    tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 "$*"
    local ms=timeout
    while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ]; do
      if tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q "history line 199"; then
        ms=$(( ($(date +%s%N) - t0) / 1000000 )); break
      fi
      sleep 0.005
    done
    all+=("$ms")
    tmux -L "$sock" kill-server
  done
  printf '%s %s\n' "$label" "$(printf '%s\n' "${all[@]}" | median)"
}

# Fresh history (the cockpit shows a container's last 15 minutes).
docker rm -f golive-side-quiet >/dev/null 2>&1 || true
docker run -d --name golive-side-quiet golive-side \
  'i=0; while [ $i -lt 200 ]; do echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) INFO history line $i"; i=$((i+1)); done; exec sleep 1000000' >/dev/null
sleep 1
if [ "${ONLY:-all}" != flood ]; then
echo "first line: ms from launch to the container's last history line on screen (median of $RUNS)"
first_line "tmux itself (echo)" sh -c "'echo history line 199; sleep 10'"
first_line "golive cockpit" "$GOLIVE" run "$work/quiet.toml"
[ -n "$OXKER" ] && first_line "oxker" "$OXKER"
echo
echo "idle: CPU % of one core over ${SECS} s, RSS MiB (median of $RUNS)"
idle "golive, 1 quiet container" "$GOLIVE" run "$work/quiet.toml"
idle "golive, 20 endpoints at 1 Hz + 1 container" "$GOLIVE" run "$work/endpoints.toml"
[ -n "$OXKER" ] && idle "oxker (every container's stats)" "$OXKER"
echo
fi
[ "${ONLY:-all}" = idle ] && exit 0
# Only the flood's container: oxker follows the logs of the container it
# has selected, the first.
docker rm -f golive-side-quiet >/dev/null 2>&1 || true
echo "flood of $LINES lines: CPU s, RSS MiB after, peak RSS MiB (median of $RUNS)"
flood "golive cockpit" tmux "$GOLIVE" run "$work/flood.toml"
[ -n "$OXKER" ] && flood "oxker" tmux "$OXKER"
flood "golive logs" pipe "$GOLIVE" logs "$work/flood.toml"
flood "docker logs -f -t" pipe docker logs -f -t golive-side-flood
