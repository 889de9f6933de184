# api_lib.sh — what the HTTP API's e2e tests share, sourced after lib.sh
# and e2e_setup: the API turned back on (e2e_setup turns it off) on a free
# port in $PORT, and curl helpers that leave the last response's status in
# $code, its body in $out and its headers in $hdr.

unset TASKSCHED_API__LISTEN

# A port free on 127.0.0.1 now (the kernel's pick; the daemon binds it next).
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
out="$E2E_ROOT/out"
hdr="$E2E_ROOT/headers"

# sha256_of TOKEN: the hex SHA-256 an api.tokens entry names TOKEN by.
sha256_of() {
    printf %s "$1" | sha256sum | cut -d' ' -f1
}

# req [CURL ARGS...] URL: the response's status in $code, its body in $out
# and its headers in $hdr (000: no response).
req() {
    code=$(curl -s -o "$out" -D "$hdr" -w '%{http_code}' "$@" 2>/dev/null)
    [ -n "$code" ] || code=000
}
url() {
    echo "http://127.0.0.1:$PORT$1"
}
bearer() {
    echo "Authorization: Bearer $1"
}
# has_header NAME VALUE-PATTERN: the last response had that header.
has_header() {
    tr -d '\r' <"$hdr" | grep -qi "^$1: $2"
}
# body_is PYTHON-EXPR: the last body, as JSON `d`, makes EXPR true.
body_is() {
    /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$out" 2>/dev/null
}
# problem STATUS [PARAMETER]: the last response was STATUS with an RFC 9457
# body, naming PARAMETER when given.
problem() {
    [ "$code" = "$1" ] && has_header Content-Type 'application/problem+json' &&
        body_is "d['status'] == $1 and d['type'] and d['title'] and d['detail'] and ('${2:-}' == '' or d['parameter'] == '${2:-}')"
}
