#!/usr/bin/env bash
# Invoke a function locally with an event file.
#   tools/invoke.sh processor events/single.json [sam local invoke flags]
# With SAM and a Docker engine it runs `sam local invoke` (environment from
# events/env.json through samconfig.toml: the embedded store in /tmp, no
# secrets; the archiver also needs --parameter-overrides
# ArweaveWalletSecretArn=...). Without them it runs the same program behind
# the Lambda Runtime Interface Emulator on a free loopback port and posts the
# event to it, with this shell's environment (the archiver needs
# ARWEAVE_WALLET_FILE or ARWEAVE_WALLET_SECRET_ARN).
set -euo pipefail
fn=${1:?usage: tools/invoke.sh FN EVENT}
event=${2:?usage: tools/invoke.sh FN EVENT}
shift 2
[ -f "$event" ] || { echo "invoke: no event file $event" >&2; exit 2; }
logical="$(tr '[:lower:]' '[:upper:]' <<<"${fn:0:1}")${fn:1}Function"

if command -v sam >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	sam build "$logical"
	exec sam local invoke "$logical" -e "$event" "$@"
fi

echo "invoke: no SAM + Docker here; running bin/local/$fn/bootstrap behind the Lambda Runtime Interface Emulator" >&2
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d
if [ ! -x bin/aws-lambda-rie ]; then
	GOBIN="$PWD/bin" GOFLAGS= go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
fi
CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o "bin/local/$fn/bootstrap" "./functions/$fn"

# A free loopback port: ask the kernel for one.
port=$(go run ./tools/freeport)
export KLEO_DATA_DIR="${KLEO_DATA_DIR:-.kleo/invoke}"
bin/aws-lambda-rie --runtime-interface-emulator-address "127.0.0.1:$port" "bin/local/$fn/bootstrap" >".kleo/invoke-$fn.log" 2>&1 &
rie=$!
trap 'kill $rie 2>/dev/null; wait $rie 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port/2015-03-31/functions/function/invocations"
for _ in $(seq 1 50); do
	if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then break; fi
	sleep 0.1
done
curl -sS -X POST "$url" --data-binary @"$event"
echo
echo "invoke: function log in .kleo/invoke-$fn.log" >&2
