#!/usr/bin/env bash
# Makes throw-away TLS credentials for the tests in DIR with the openssl CLI
# (no key is ever committed). Everything is valid for 127.0.0.1/localhost
# and for both server and client use, so one certificate serves a member of
# a test cluster on both ends of its peer connections.
#   ca.pem ca.key             the test CA
#   server.pem server.key     CN=arbor-server; SAN IP:127.0.0.1, DNS:localhost
#   alice.pem alice.key       C=US,O=Example,OU=eng,CN=alice (x509 identity CN=alice,OU=eng,O=Example,C=US)
#   admin.pem admin.key       CN=admin,O=Example
#   elsewhere.pem/.key        same CA, SAN DNS:elsewhere.example only (not valid for 127.0.0.1)
#   ca2.pem ca2.key           a second CA, and server2.pem/.key (as server.pem) signed by it
#   rogue.pem rogue.key       CN=alice,OU=eng,O=Example,C=US signed by ca2 (untrusted by ca.pem)
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
days=2
ca() {  # name subject
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.pem" \
    -days $days -subj "$2" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
}
leaf() {  # name subject san ca
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" \
    2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -out "$1.pem" -days $days \
    -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "/CN=Arbor Test CA"
ca ca2 "/CN=Another Test CA"
leaf server "/CN=arbor-server" "IP:127.0.0.1,DNS:localhost" ca
leaf alice "/C=US/O=Example/OU=eng/CN=alice" "DNS:alice.example" ca
leaf admin "/O=Example/CN=admin" "DNS:admin.example" ca
leaf elsewhere "/CN=elsewhere" "DNS:elsewhere.example" ca
leaf server2 "/CN=arbor-server-2" "IP:127.0.0.1,DNS:localhost" ca2
leaf rogue "/C=US/O=Example/OU=eng/CN=alice" "DNS:alice.example" ca2
chmod 600 ./*.key
