#!/bin/sh
# TLS client certificates against an independent client: curl presents a certificate made by
# /usr/bin/openssl to net_tls_peer_server, whose /whoami must report the certificate's CN and
# the SHA-256 fingerprint openssl computes; without a certificate, or with one from another CA,
# curl must fail. Usage: client_cert_curl_test.sh PATH/TO/net_tls_peer_server
set -eu

server_bin=$1
case $server_bin in /*) ;; *) server_bin=$PWD/$server_bin ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-client-cert-XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cd "$work"
ossl() { /usr/bin/openssl "$@" 2>>openssl.log || { cat openssl.log >&2; fail "openssl $1"; }; }

# A CA, a server certificate for 127.0.0.1 / localhost, a client certificate from the CA and one
# from another CA with the same CN.
make_ca() {
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem"
}
make_leaf() {  # name ca cn extensions
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr"
  printf '%s\n' "$4" >"$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 1 \
    -extfile "$1.ext" -out "$1.pem"
}
make_ca ca "cairn curl test CA"
make_ca other "another CA"
make_leaf server ca localhost "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
make_leaf agent ca "agent-curl" "extendedKeyUsage=clientAuth"
make_leaf intruder other "agent-curl" "extendedKeyUsage=clientAuth"

# "sha256 Fingerprint=AB:CD:..." -> "abcd..."
expected=$(/usr/bin/openssl x509 -in agent.pem -noout -fingerprint -sha256 |
  sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f')
[ ${#expected} -eq 64 ] || fail "unexpected fingerprint '$expected'"

"$server_bin" server.pem server.key ca.pem >server.out 2>server.err &
pid=$!
url=""
i=0
while [ $i -lt 100 ]; do  # at most 10 s
  url=$(sed -n 's/^listening on \(https:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' server.out)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat server.err >&2; fail "the server exited"; }
  sleep 0.1
  i=$((i + 1))
done
[ -n "$url" ] || fail "the server did not print its address"

# Once as curl likes (TLS 1.3), once in TLS 1.2, where the server judges the client
# certificate inside the handshake.
for versions in "" "--tlsv1.2 --tls-max 1.2"; do
  # shellcheck disable=SC2086  # $versions is zero or more options
  got=$(curl -sS --max-time 10 $versions --cacert ca.pem --cert agent.pem --key agent.key \
    "$url/whoami") || fail "curl $versions with the client certificate failed"
  want="{\"cn\":\"agent-curl\",\"sha256\":\"$expected\"}"
  [ "$got" = "$want" ] || fail "whoami answered '$got', expected '$want'"
  echo "ok: curl $versions with a client certificate: $got"

  # shellcheck disable=SC2086
  if curl -sS --max-time 10 $versions --cacert ca.pem "$url/whoami" >anonymous.out \
    2>anonymous.err; then
    fail "curl $versions without a client certificate got an answer: $(cat anonymous.out)"
  fi
  echo "ok: curl $versions without a client certificate fails ($(head -c 200 anonymous.err))"

  # shellcheck disable=SC2086
  if curl -sS --max-time 10 $versions --cacert ca.pem --cert intruder.pem --key intruder.key \
    "$url/whoami" >intruder.out 2>intruder.err; then
    fail "curl $versions with another CA's certificate got an answer: $(cat intruder.out)"
  fi
  echo "ok: curl $versions with another CA's certificate fails ($(head -c 200 intruder.err))"
done
