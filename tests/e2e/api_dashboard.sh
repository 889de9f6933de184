#!/bin/sh
# api_dashboard.sh — the dashboard's files from the real daemon: / without
# a token, no-cache, with the strict CSP and the other headers; the assets
# it names under hashed names, immutable, gzip-compressed when asked and
# plain when not, each with its Content-Type; an unknown asset or
# /assets/index.html is 404; data routes still need the token.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"

# gzipped: the last response was sent with Content-Encoding: gzip.
gzipped() {
    has_header Content-Encoding gzip
}

req "$(url /)"
e2e_check index_open_without_token "200 with the module script, got $code $(cat "$out")" \
    sh -c "[ $code = 200 ] && grep -q '<script type=\"module\"' '$out'"
e2e_check index_is_html "Content-Type: text/html, got $(cat "$hdr")" \
    has_header Content-Type 'text/html; charset=utf-8'
e2e_check index_no_cache "Cache-Control: no-cache, got $(cat "$hdr")" \
    has_header Cache-Control 'no-cache'
e2e_check index_strict_csp "a CSP with default-src 'self' and connect-src 'self', got $(cat "$hdr")" \
    has_header Content-Security-Policy "default-src 'self'.*connect-src 'self'"
e2e_check index_nosniff "X-Content-Type-Options: nosniff, got $(cat "$hdr")" \
    has_header X-Content-Type-Options nosniff
e2e_check index_no_referrer "Referrer-Policy: no-referrer, got $(cat "$hdr")" \
    has_header Referrer-Policy no-referrer
e2e_check index_no_frames "X-Frame-Options: DENY, got $(cat "$hdr")" \
    has_header X-Frame-Options DENY

app=$(sed -n 's|.*src="/assets/\(app\.[0-9a-f]*\.js\)".*|\1|p' "$out")
css=$(sed -n 's|.*href="/assets/\(style\.[0-9a-f]*\.css\)".*|\1|p' "$out")
e2e_check index_names_hashed_assets "app.HASH.js and style.HASH.css, got '$app' '$css'" \
    [ -n "$app" -a -n "$css" ]

req -H 'Accept-Encoding: gzip, deflate' "$(url "/assets/$app")"
e2e_check asset_gzip_when_accepted "200 gzip-compressed, got $code $(cat "$hdr")" \
    sh -c "[ $code = 200 ] && gzip -dc '$out' | grep -q '^import'"
e2e_check asset_gzip_header "Content-Encoding: gzip, got $(cat "$hdr")" gzipped
e2e_check asset_immutable "Cache-Control: public, max-age=31536000, immutable, got $(cat "$hdr")" \
    has_header Cache-Control 'public, max-age=31536000, immutable'
e2e_check asset_js_type "text/javascript, got $(cat "$hdr")" \
    has_header Content-Type 'text/javascript; charset=utf-8'

req "$(url "/assets/$app")"
e2e_check asset_plain_without_accept "plain text, got $(head -c 200 "$out")" grep -q '^import' "$out"
e2e_check asset_plain_no_encoding "no Content-Encoding, got $(cat "$hdr")" sh -c "! grep -qi '^content-encoding' '$hdr'"
e2e_check modules_import_hashed_names "imports of ./NAME.HASH.js, got $(grep '^import' "$out")" \
    grep -Eq '^import .*"\./[a-z]+\.[0-9a-f]{12}\.js"' "$out"

req -H 'Accept-Encoding: gzip;q=0' "$(url "/assets/$css")"
e2e_check css_type "text/css, got $(cat "$hdr")" has_header Content-Type 'text/css'
e2e_check gzip_refused_by_q0 "not compressed for gzip;q=0, got $(cat "$hdr")" \
    sh -c "! grep -qi '^content-encoding' '$hdr'"

req "$(url /assets/app.000000000000.js)"
e2e_check unknown_asset_404 "404 problem, got $code" problem 404
req "$(url /assets/index.html)"
e2e_check index_only_at_root "404 for /assets/index.html, got $code" problem 404

req "$(url /api/v1/status)"
e2e_check data_still_needs_token "401, got $code" [ "$code" = 401 ]
e2e_stop
e2e_done
