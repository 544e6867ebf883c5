# shellcheck shell=bash
# agents.sh — coordinator configurations for tests that use the world's MPIC
# agents (tests/world/world.sh agents on BINARY; see tests/world/README.md).
# Source it after the world's description and lib.sh:
#   . <("$WORLD" env)
#   . "$SRC/tests/integration/lib.sh"
#   . "$SRC/tests/integration/agents.sh"
#   agents_on "$V"            # world.sh agents on "$V" (idempotent)
#   agents_conf five "p0 r1 r2 r3 r4 r5"
#   "$V" caa --config "$T/five.conf" --ca good-ca.vtg ...
#
# agents_conf NAME "p0 r1 ..." [OPTION...] writes $T/NAME.conf (as
# test_mpic.sh's conf()): the same [engine] (early-decision = no,
# timeout-ms = 300, retries = 1, the world's root hints and trust anchor),
# p0 a local iterative perspective in its namespace (the primary), and every
# rN `mode = remote` at its agent ($VTG_RN_AGENT_URL) with the world's agent
# CA and the coordinator's client certificate, the connection starting in
# p0 (netns = $VTG_P0_NETNS). OPTIONs, each for one perspective P:
#   P:key          the API-key agent ($VTG_AGENT_KEY_URL, api-key-file =
#                  $VTG_AGENT_API_KEY_FILE); only r1 has one
#   P:wrong-key    the API-key agent with $VTG_AGENT_WRONG_KEY_FILE
#   P:expired      client certificate expired ($VTG_AGENT_EXPIRED_CERT/KEY)
#   P:other        client certificate of another CA ($VTG_AGENT_OTHER_CERT/KEY)
#   P:nocert       no client certificate and no key
#   P:local        P as a local iterative perspective (netns, source), as
#                  test_mpic.sh writes it (mixes local and remote)
#   P:rir=RIR      another RIR label ("_" for a space: rir=RIPE_NCC)
#   P:KEY=VALUE    one more line "KEY = VALUE" in P's section ("_" kept)
#   engine:KEY=VALUE  set KEY in [engine] (replaces the default line, if any;
#                  engine:early-decision=yes drops early-decision = no)
# Needs $T (a directory of the test) and the world.env variables.

agents_on() { # agents_on BINARY: the world's agents run BINARY
  "$SRC/tests/world/world.sh" agents on "$1" >/dev/null
}

agents_conf() {
  local name=$1 persp=$2 p o k v rir auth local_p extra
  shift 2
  local -A eng=([early-decision]=no [root-hints]=$VTG_ROOT_HINTS [trust-anchor]=$VTG_TRUST_ANCHOR
                [timeout-ms]=300 [retries]=1)
  local eng_order="early-decision root-hints trust-anchor timeout-ms retries"
  for o in "$@"; do
    case $o in
      engine:*=*) k=${o#engine:}; v=${k#*=}; k=${k%%=*}
                  [[ " $eng_order " == *" $k "* ]] || eng_order+=" $k"
                  eng[$k]=$v ;;
    esac
  done
  {
    printf '[engine]\n'
    for k in $eng_order; do
      [ "$k" = early-decision ] && [ "${eng[$k]}" = yes ] && continue
      printf '%s = %s\n' "$k" "${eng[$k]}"
    done
    for p in $persp; do
      rir=$(var "$p" RIR) auth=cert local_p=no extra=""
      [ "$p" = p0 ] && local_p=yes
      for o in "$@"; do
        [ "${o%%:*}" = "$p" ] || continue
        o=${o#*:}
        case $o in
          key|wrong-key|expired|other|nocert) auth=$o ;;
          local) local_p=yes ;;
          rir=*) rir=${o#rir=}; rir=${rir//_/ } ;;
          *=*) extra+="${o%%=*} = ${o#*=}"$'\n' ;;
          *) echo "agents_conf: unknown option $p:$o" >&2; return 2 ;;
        esac
      done
      printf '[perspective %s]\nrir = %s\n' "$p" "$rir"
      if [ $local_p = yes ]; then
        printf 'netns = %s\nsource = %s\nmode = iterative\n' "$(var "$p" NETNS)" "$(var "$p" SRC)"
      else
        case $auth in
          key|wrong-key) printf 'mode = remote\nurl = %s\n' "$VTG_AGENT_KEY_URL" ;;
          *) printf 'mode = remote\nurl = %s\n' "$(var "$p" AGENT_URL)" ;;
        esac
        printf 'ca = %s\nnetns = %s\n' "$VTG_AGENT_CA" "$VTG_P0_NETNS"
        case $auth in
          cert) printf 'client-cert = %s\nclient-key = %s\n' "$VTG_AGENT_CLIENT_CERT" "$VTG_AGENT_CLIENT_KEY" ;;
          expired) printf 'client-cert = %s\nclient-key = %s\n' "$VTG_AGENT_EXPIRED_CERT" "$VTG_AGENT_EXPIRED_KEY" ;;
          other) printf 'client-cert = %s\nclient-key = %s\n' "$VTG_AGENT_OTHER_CERT" "$VTG_AGENT_OTHER_KEY" ;;
          key) printf 'api-key-file = %s\n' "$VTG_AGENT_API_KEY_FILE" ;;
          wrong-key) printf 'api-key-file = %s\n' "$VTG_AGENT_WRONG_KEY_FILE" ;;
          nocert) ;;
        esac
        [ "$p" != "$VTG_AGENT_KEY_PERSPECTIVE" ] && [[ $auth == key || $auth == wrong-key ]] &&
          echo "agents_conf: warning: only $VTG_AGENT_KEY_PERSPECTIVE has an API-key agent; $p:$auth points at it" >&2
      fi
      printf '%s' "$extra"
    done
  } > "$T/$name.conf"
}
