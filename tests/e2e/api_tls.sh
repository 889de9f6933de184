#!/bin/sh
# api_tls.sh — the HTTP API over TLS (api.tls_cert, api.tls_key) against the
# real daemon on 127.0.0.1: with a self-signed certificate, curl trusting
# it gets /api/v1/status with the token, plain HTTP on the same port gets
# no answer, `main dashboard` prints https://; one of the two set without
# the other is a config error naming the field, an unreadable file names
# the file, a key file that is not a key is named, and so is a key of
# another certificate; a live reload with a
# broken key is refused and the old listener keeps serving, and a reload
# back to plain HTTP serves HTTP.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
TOKEN=reader-token-for-the-tls-test
CERTS=$E2E_ROOT/config/tls
mkdir -p "$CERTS"
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem" \
    >"$E2E_ROOT/openssl.out" 2>&1; then
    e2e_not_ok make_certificate "openssl made no certificate: $(cat "$E2E_ROOT/openssl.out")"
    e2e_done
fi
echo "this is not a key" >"$CERTS/notakey.pem"
CONFIG=$E2E_ROOT/config/config.yaml
cp "$CONFIG" "$E2E_ROOT/config.base"
# api_config [EXTRA_LINE...]: the api section on $PORT with the lines given.
api_config() {
    {
        cat "$E2E_ROOT/config.base"
        echo "api:"
        echo "  listen: 127.0.0.1:$PORT"
        echo "  tokens:"
        echo "    - { name: reader, role: read, sha256: $(sha256_of "$TOKEN") }"
        for line in "$@"; do
            echo "  $line"
        done
    } >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
}
https_url() {
    echo "https://127.0.0.1:$PORT$1"
}
reloads() {
    grep -c 'config reloaded from' "$E2E_ROOT/daemon.out"
}

# ---- config errors -------------------------------------------------------------

api_config "tls_cert: config/tls/cert.pem"
e2e_cli check >"$E2E_ROOT/check.out" 2>&1
e2e_check cert_without_key_is_refused "config.yaml:N: api.tls_cert is set but api.tls_key is not, got $(cat "$E2E_ROOT/check.out")" \
    grep -Eq 'config\.yaml:[0-9]+:[0-9]+: api\.tls_cert is set but api\.tls_key is not' "$E2E_ROOT/check.out"
api_config "tls_key: config/tls/key.pem"
e2e_cli check >"$E2E_ROOT/check.out" 2>&1
e2e_check key_without_cert_is_refused "api.tls_key is set but api.tls_cert is not, got $(cat "$E2E_ROOT/check.out")" \
    grep -q 'api\.tls_key is set but api\.tls_cert is not' "$E2E_ROOT/check.out"
api_config "tls_cert: config/tls/missing.pem" "tls_key: config/tls/key.pem"
timeout 10 "$E2E_MAIN" --root "$E2E_ROOT" >"$E2E_ROOT/start.out" 2>&1
e2e_check unreadable_cert_names_the_file "the start fails naming api.tls_cert and missing.pem, got $(cat "$E2E_ROOT/start.out")" \
    grep -q "api.tls_cert: cannot read $CERTS/missing.pem: No such file" "$E2E_ROOT/start.out"
api_config "tls_cert: config/tls/cert.pem" "tls_key: config/tls/notakey.pem"
timeout 10 "$E2E_MAIN" --root "$E2E_ROOT" >"$E2E_ROOT/start.out" 2>&1
e2e_check not_a_key_is_named "the start fails: api.tls_key: config/tls/notakey.pem is not a PEM private key, got $(cat "$E2E_ROOT/start.out")" \
    grep -q "api.tls_key: config/tls/notakey.pem is not a PEM private key" "$E2E_ROOT/start.out"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CERTS/other.pem" >/dev/null 2>&1
api_config "tls_cert: config/tls/cert.pem" "tls_key: config/tls/other.pem"
timeout 10 "$E2E_MAIN" --root "$E2E_ROOT" >"$E2E_ROOT/start.out" 2>&1
e2e_check key_of_another_certificate_is_named "the start fails naming both files, got $(cat "$E2E_ROOT/start.out")" \
    grep -q "api.tls_cert, api.tls_key: cannot start the HTTPS server on 127.0.0.1:$PORT with config/tls/cert.pem and config/tls/other.pem" "$E2E_ROOT/start.out"

# ---- HTTPS ---------------------------------------------------------------------

api_config "tls_cert: config/tls/cert.pem" "tls_key: config/tls/key.pem"
e2e_start || exit 1
e2e_wait 10 curl -sf --cacert "$CERTS/cert.pem" "$(https_url /healthz)"
req --cacert "$CERTS/cert.pem" -H "$(bearer "$TOKEN")" "$(https_url /api/v1/status)"
e2e_check https_status_with_token "200 over HTTPS, got $code $(head -c 200 "$out")" \
    sh -c "[ $code = 200 ] && grep -q '\"pid\"' '$out'"
req --cacert "$CERTS/cert.pem" "$(https_url /api/v1/status)"
e2e_check https_without_token_is_401 "401, got $code" problem 401
req -m 5 -H "$(bearer "$TOKEN")" "$(url /api/v1/status)"
e2e_check plain_http_to_tls_port_fails "no HTTP answer on the TLS port, got $code" [ "$code" = 000 ]
req -m 5 "$(https_url /healthz)"
e2e_check untrusted_certificate_fails "curl without --cacert refuses the self-signed certificate, got $code" \
    [ "$code" = 000 ]
e2e_check log_says_https "the log says listening on https://, got $(grep 'listening on' "$E2E_ROOT/daemon.out")" \
    grep -q "api: listening on https://127.0.0.1:$PORT/" "$E2E_ROOT/daemon.out"
e2e_cli dashboard >"$E2E_ROOT/dashboard.out" 2>&1
e2e_check dashboard_prints_https "https://127.0.0.1:$PORT/#token=…, got $(sed 's/token=.*/token=…/' "$E2E_ROOT/dashboard.out")" \
    grep -Eqx "https://127\.0\.0\.1:$PORT/#token=[0-9a-f]{64}" "$E2E_ROOT/dashboard.out"

# ---- live reloads ----------------------------------------------------------------

n=$(reloads)
api_config "tls_cert: config/tls/cert.pem" "tls_key: config/tls/notakey.pem"
e2e_cli reload >/dev/null 2>&1
e2e_wait 10 grep -q "notakey.pem is not a PEM private key" "$E2E_ROOT/daemon.out"
e2e_check broken_key_reload_refused "the reload refused naming api.tls_key, got $(grep -i 'tls' "$E2E_ROOT/daemon.out" | tail -3)" \
    grep -q "api.tls_key: config/tls/notakey.pem is not a PEM private key" "$E2E_ROOT/daemon.out"
req --cacert "$CERTS/cert.pem" -H "$(bearer "$TOKEN")" "$(https_url /api/v1/status)"
e2e_check old_listener_stays "200 over HTTPS still, got $code" [ "$code" = 200 ]
api_config
e2e_cli reload >/dev/null 2>&1
e2e_wait 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H '$(bearer "$TOKEN")' '$(url /api/v1/status)')\" = 200 ]"
req -H "$(bearer "$TOKEN")" "$(url /api/v1/status)"
e2e_check reload_to_plain_http "200 over plain HTTP after TLS was turned off (reloads $n -> $(reloads)), got $code" \
    [ "$code" = 200 ]

e2e_stop
e2e_done
