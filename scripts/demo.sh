#!/usr/bin/env bash
# `make demo`: a 3-of-4 pool on hoodi formed by four separate vring processes on loopback,
# then a threshold signature, then member 4 replaced by a new member 5 with the validator key
# unchanged, then a signature by the new committee. Everything lands in one directory, printed
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

step "summary ($(( $(date +%s) - start )) s)"
echo "validator public key:  $KEY"
echo "definition:            $DIR/definition.json (reshare: $DIR/reshare.json)"
echo "verification report:   $DIR/m1/data/verification-report.json"
echo "lock (epoch 1):        $DIR/m1/data/lock.json   (epoch 0 archived in $DIR/m1/data/archive/)"
echo "deposit data:          $DIR/m1/data/deposit-data.json"
echo "keystores:             $DIR/mI/data/validator_keys/keystore-0.json (EIP-2335, one share each; password in $DIR/password.txt)"
echo "member 4 left:         $DIR/m4/data holds no share any more (keystores erased, lock archived in archive/)"
echo "logs:                  $DIR/mI/*.log"
