#!/usr/bin/env bash
# `make demo`: a 3-of-4 pool on hoodi formed by four separate vring processes on loopback,
# then a threshold signature, then member 4 replaced by a new member 5 with the validator key
# unchanged, then a signature by the new committee, then the new committee's signing nodes
# answering a validator client (an attestation, then a refused double vote). Everything lands in one directory, printed
# at the start and in the summary. Each member's progress goes to DIR/mI/*.log.
set -euo pipefail

VRING=${VRING:-.build/release/vring}
DIR=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/vring-demo.XXXXXX")}
BASE=${DEMO_PORT:-$((20000 + RANDOM % 30000))}
WITHDRAWAL=0x000000000000000000000000000000000000dEaD
start=$(date +%s)

mkdir -p "$DIR"
echo "== Validator Ring demo in $DIR"
printf 'demo password, use your own\n' > "$DIR/password.txt"
chmod 600 "$DIR/password.txt"

step() { echo; echo "== $*"; }
# Runs one vring command per member in parallel, logs to DIR/mI/NAME.log, fails if any fails.
parallel() {
    local name=$1; shift
    local members=$1; shift
    local pids=()
    for i in $members; do
        local args=()
        for a in "$@"; do args+=("${a//@I@/$i}"); done
        "$VRING" "${args[@]}" > "$DIR/m$i/$name.out" 2> "$DIR/m$i/$name.log" &
        pids+=($!)
    done
    local failed=0 k=0
    for i in $members; do
        if ! wait "${pids[$k]}"; then echo "member $i failed ($name), see $DIR/m$i/$name.log:"; tail -5 "$DIR/m$i/$name.log"; failed=1; fi
        k=$((k + 1))
    done
    return $failed
}

step "1. five identities (m5 joins later)"
for i in 1 2 3 4 5; do
    mkdir -p "$DIR/m$i"
    "$VRING" identity new --name "m$i" --address "127.0.0.1:$((BASE + i))" --out "$DIR/m$i/identity" > "$DIR/m$i/record.txt"
    echo "m$i: $(cut -c1-60 "$DIR/m$i/record.txt")…"
done

step "2. a 3-of-4 pool on hoodi, approved by every member"
"$VRING" pool define --name "demo pool" --threshold 3 --network hoodi --withdrawal-address "$WITHDRAWAL" \
    --member "$DIR/m1/record.txt" --member "$DIR/m2/record.txt" --member "$DIR/m3/record.txt" --member "$DIR/m4/record.txt" \
    --phase-timeout 10 --connect-timeout 20 --require-verification --out "$DIR/definition.json"
for i in 1 2 3 4; do "$VRING" pool approve --definition "$DIR/definition.json" --identity "$DIR/m$i/identity" | tail -1; done

step "3. verification ceremony (identity, timed BLS challenge, version, latency), four processes"
parallel verify "1 2 3 4" pool verify-members --definition "$DIR/definition.json" --identity "$DIR/m@I@/identity" --data-dir "$DIR/m@I@/data"
cat "$DIR/m1/verify.out"

step "4. DKG: four processes form the pool"
parallel form "1 2 3 4" pool form --definition "$DIR/definition.json" --identity "$DIR/m@I@/identity" --data-dir "$DIR/m@I@/data" \
    --password-file "$DIR/password.txt"
cat "$DIR/m1/form.out"
KEY=$(head -1 "$DIR/m1/form.out" | awk '{print $3}')
"$VRING" keys verify-deposit --file "$DIR/m1/data/deposit-data.json" >/dev/null && echo "deposit data verified (hoodi)"

MESSAGE=$(printf 'hello from the demo pool' | od -An -tx1 | tr -d ' \n')
step "5. members 1, 2 and 3 sign a message"
parallel sign "1 2 3" pool sign --lock "$DIR/m@I@/data/lock.json" --identity "$DIR/m@I@/identity" --data-dir "$DIR/m@I@/data" \
    --password-file "$DIR/password.txt" --message "$MESSAGE"
SIG=$(cat "$DIR/m1/sign.out")
"$VRING" bls verify --public-key "$KEY" --message "$MESSAGE" --signature "$SIG" >/dev/null && echo "signature verifies under the validator key"

step "6. replace member 4 by member 5 (reshare to epoch 1)"
"$VRING" pool edit --lock "$DIR/m1/data/lock.json" --replace "4=$(cat "$DIR/m5/record.txt")" --out "$DIR/reshare.json"
for i in 1 2 3 5; do "$VRING" pool approve --definition "$DIR/reshare.json" --identity "$DIR/m$i/identity" | tail -1; done
parallel reshare "1 2 3 4 5" pool reshare --definition "$DIR/reshare.json" --identity "$DIR/m@I@/identity" --data-dir "$DIR/m@I@/data" \
    --password-file "$DIR/password.txt"
cat "$DIR/m5/reshare.out"

step "7. the new committee (2, 3, 5) signs with the unchanged key"
parallel sign2 "2 3 5" pool sign --lock "$DIR/m@I@/data/lock.json" --identity "$DIR/m@I@/identity" --data-dir "$DIR/m@I@/data" \
    --password-file "$DIR/password.txt" --message "$MESSAGE"
SIG2=$(cat "$DIR/m5/sign2.out")
"$VRING" bls verify --public-key "$KEY" --message "$MESSAGE" --signature "$SIG2" >/dev/null && echo "signature verifies under the same validator key"

step "8. signing nodes of the new committee: an attestation through the Web3Signer API"
NODES=()
stop_nodes() { for pid in "${NODES[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_nodes EXIT
for i in 1 2 3 5; do
    "$VRING" node run --lock "$DIR/m$i/data/lock.json" --identity "$DIR/m$i/identity" --data-dir "$DIR/m$i/data" \
        --password-file "$DIR/password.txt" --http "127.0.0.1:$((BASE + 100 + i))" > "$DIR/m$i/node.out" 2> "$DIR/m$i/node.log" &
    NODES+=($!)
done
API="http://127.0.0.1:$((BASE + 102))"
for _ in $(seq 1 100); do curl -sf "$API/upcheck" >/dev/null 2>&1 && break; sleep 0.2; done
attestation() {  # source epoch, target epoch, block root byte
    local r="0x$(printf '%02x' "$3")$(printf '11%.0s' $(seq 1 31))"
    printf '{"type":"ATTESTATION","fork_info":{"fork":{"previous_version":"0x50000910","current_version":"0x60000910","epoch":"2048"},"genesis_validators_root":"0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"},"attestation":{"slot":"%d","index":"0","beacon_block_root":"%s","source":{"epoch":"%d","root":"0x%s"},"target":{"epoch":"%d","root":"0x%s"}}}' \
        $(( $2 * 32 )) "$r" "$1" "$(printf '22%.0s' $(seq 1 32))" "$2" "$(printf '33%.0s' $(seq 1 32))"
}
sign_request() { curl -s -o "$DIR/answer.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Accept: application/json' \
    --data "$1" "$API/api/v1/eth2/sign/$KEY"; }
code=$(sign_request "$(attestation 3124 3125 170)")
echo "POST $API/api/v1/eth2/sign/${KEY:0:18}… (attestation, target epoch 3125): HTTP $code $(cat "$DIR/answer.json")"
[ "$code" = 200 ] || { echo "the pool did not sign; see $DIR/mI/node.log"; exit 1; }
echo "(the node combined 3 partial signatures after QBFT agreement and verified the result under the validator key)"
code=$(sign_request "$(attestation 3124 3125 187)")
echo "a different attestation for the same target (a double vote): HTTP $code $(cat "$DIR/answer.json")"
[ "$code" = 412 ] || { echo "expected 412 (slashing protection)"; exit 1; }
stop_nodes
trap - EXIT

step "summary ($(( $(date +%s) - start )) s)"
echo "validator public key:  $KEY"
echo "definition:            $DIR/definition.json (reshare: $DIR/reshare.json)"
echo "verification report:   $DIR/m1/data/verification-report.json"
echo "lock (epoch 1):        $DIR/m1/data/lock.json   (epoch 0 archived in $DIR/m1/data/archive/)"
echo "deposit data:          $DIR/m1/data/deposit-data.json"
echo "keystores:             $DIR/mI/data/validator_keys/keystore-0.json (EIP-2335, one share each; password in $DIR/password.txt)"
echo "member 4 left:         $DIR/m4/data holds no share any more (keystores erased, lock archived in archive/)"
echo "slashing protection:   $DIR/mI/data/slashing-protection.sqlite (vring slashing export --db … --out FILE for EIP-3076)"
echo "logs:                  $DIR/mI/*.log"
