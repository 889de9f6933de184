#!/bin/sh
# notify_headless.sh — a daemon with no desktop session (no session bus, or
# no notify-send) whose channels are only the desktop says once, at start,
# that desktop notifications cannot be delivered and how to configure a
# channel; a reload that changes the channels looks again, one that keeps
# them does not; with a session, or a webhook channel, it says nothing.
set -u
. tests/e2e/lib.sh
e2e_setup
CONFIG=$E2E_ROOT/config/config.yaml
LOG=$E2E_ROOT/logs/scheduler.log
WARNING='WARN desktop notifications cannot be delivered'

# config TEXT...: config.yaml (replaced as editors do) with TEXT appended.
config() {
    { printf 'scheduler:\n  timezone: UTC\n  kill_grace: 1\n  shutdown_timeout: 3\n'
      printf '%s\n' "$@"; } >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
}
warnings() {
    grep -c "$WARNING" "$LOG"
}
reloads() {
    grep -c 'config reloaded' "$LOG"
}
# reload TEXT...: rewrite the config and wait for the daemon to take it.
reload() {
    reload_n=$(reloads)
    config "$@"
    e2e_wait 5 sh -c "[ \$(grep -c 'config reloaded' '$LOG') -gt $reload_n ]"
}

# No session: no bus address, and a runtime folder without a bus socket.
unset DBUS_SESSION_BUS_ADDRESS
mkdir -p "$E2E_ROOT/run"
XDG_RUNTIME_DIR=$E2E_ROOT/run
export XDG_RUNTIME_DIR
config
e2e_start || e2e_done
e2e_check headless_start_warns_once \
    "one '$WARNING: no session bus' line naming notifications: in config.yaml, got $(warnings)" \
    sh -c "[ \$(grep -c '$WARNING: no session bus (DBUS_SESSION_BUS_ADDRESS unset, no user bus socket); configure a webhook, ntfy, slack or email channel under notifications: in .*config.yaml' '$LOG') = 1 ]"

reload 'logging:' '  level: info'
e2e_check reload_keeping_the_channels_is_silent "still one warning, got $(warnings)" \
    [ "$(warnings)" = 1 ]
reload 'notifications:' '  hook:' '    type: webhook' '    url: http://127.0.0.1:9/hook'
e2e_check webhook_channel_is_not_warned_of "still one warning with a webhook, got $(warnings)" \
    [ "$(warnings)" = 1 ]
reload 'notifications:' '  desk:' '    type: desktop'
e2e_check reload_to_desktop_only_warns_again "a second warning, got $(warnings)" \
    [ "$(warnings)" = 2 ]
e2e_stop

# A session bus but no notify-send: PATH is a folder of links to every
# program of /usr/bin and /bin but notify-send.
DBUS_SESSION_BUS_ADDRESS=unix:path=$E2E_ROOT/run/bus
export DBUS_SESSION_BUS_ADDRESS
mkdir -p "$E2E_ROOT/tools"
for f in /usr/bin/* /bin/*; do
    [ "$(basename "$f")" = notify-send ] || ln -sf "$f" "$E2E_ROOT/tools/"
done
SAVED_PATH=$PATH
PATH=$E2E_ROOT/tools
: >"$LOG"
e2e_start || e2e_done
PATH=$SAVED_PATH
e2e_check missing_notify_send_warns "'$WARNING: notify-send is not on PATH', got: $(grep WARN "$LOG")" \
    grep -q "$WARNING: notify-send is not on PATH" "$LOG"
e2e_stop

# A session and notify-send: nothing to say.
mkdir -p "$E2E_ROOT/bin"
printf '#!/bin/sh\nexit 0\n' >"$E2E_ROOT/bin/notify-send"
chmod +x "$E2E_ROOT/bin/notify-send"
: >"$LOG"
PATH=$E2E_ROOT/bin:$PATH
e2e_start || e2e_done
e2e_check desktop_session_is_not_warned_of "no warning, got: $(grep WARN "$LOG")" \
    sh -c "! grep -q '$WARNING' '$LOG'"
e2e_done
