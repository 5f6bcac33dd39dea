#!/usr/bin/env python3
"""Side-by-side timing of Validator Ring (`vring bench`) against blst (through PyPI's blspy)
and arkworks (through PyPI's py-arkworks-bls12381).

Run through ./Benchmarks/compare, which makes the virtualenv. Method:

* Our side: `vring bench --json --filter NAME` (median ns/op of ≥ 10 ms batches over 0.3 s).
* Peers: the same method in Python with time.perf_counter_ns(): grow a batch until it lasts
  ≥ 10 ms, then time batches for 0.3 s and take the median per-batch ns/op. Nothing is
  subtracted: a Python call costs ~0.1 µs, negligible against these µs–ms operations (except
  where a row says a Python loop is part of the operation).
* blst rows that blspy's Python API lacks (g1_mul and g2_mul of a random point, msm_g1_1024,
  miller_loop, final_exponentiation) call blst's C API, which blspy's extension module exports,
  through ctypes (`prepare_blst_c`); each is checked before it is timed.
* Rounds are interleaved per operation (ours, blst, arkworks, ours, blst, …) so machine drift
  affects every side alike; the table shows the median over rounds.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import importlib.metadata
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

DST_G2_POP = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001  # the group order r

DEFAULT_OPS = [
    "keygen", "sign", "verify", "aggregate_100", "fast_aggregate_verify_100", "aggregate_verify_100",
    "hash_to_g2", "g1_decompress", "g2_decompress", "g1_mul", "g2_mul", "msm_g1_1024",
    "pairing", "miller_loop", "final_exponentiation",
]

MIN_BATCH_NS = 10e6
BUDGET_NS = 0.3e9


def measure(fn) -> tuple[float, int]:
    """(median ns/op over batches, operations timed): the same method as `vring bench`."""
    clock = time.perf_counter_ns
    batch = 1
    while True:  # warm-up and calibration
        t0 = clock()
        for _ in range(batch):
            fn()
        t = clock() - t0
        if t >= MIN_BATCH_NS:
            break
        batch = max(batch * 2, min(batch * 100, int(batch * MIN_BATCH_NS / max(t, 1) * 1.2)))
    samples, count, start = [], 0, clock()
    while len(samples) < 3 or clock() - start < BUDGET_NS:
        t0 = clock()
        for _ in range(batch):
            fn()
        samples.append((clock() - t0) / batch)
        count += batch
    return statistics.median(samples), count


def rand_scalar() -> int:
    return int.from_bytes(os.urandom(48), "big") % (R - 1) + 1


# ---------------------------------------------------------------------------------------------
# Peers. Each `prepare_*` returns {op: (zero-argument callable doing one operation, note)}.
# A note marks a row whose semantics differ from ours; it becomes a footnote in the table.
# ---------------------------------------------------------------------------------------------

def prepare_blst(ops):
    from blspy import G1Element, G2Element, PopSchemeMPL

    def keypair():
        sk = PopSchemeMPL.key_gen(os.urandom(32))
        return sk, sk.get_g1()

    # Closures bind their inputs through default arguments (names are reused between ops).
    out = {}
    msg = os.urandom(32)
    if "keygen" in ops:
        ikm = os.urandom(32)
        out["keygen"] = (lambda ikm=ikm: PopSchemeMPL.key_gen(ikm).get_g1(), None)
    if "sign" in ops:
        sk, _ = keypair()
        out["sign"] = (lambda sk=sk: PopSchemeMPL.sign(sk, msg), None)
    if "verify" in ops:
        sk, pk = keypair()
        sig = PopSchemeMPL.sign(sk, msg)
        assert PopSchemeMPL.verify(pk, msg, sig)
        out["verify"] = (lambda pk=pk, sig=sig: PopSchemeMPL.verify(pk, msg, sig), None)
    if {"aggregate_100", "fast_aggregate_verify_100"} & set(ops):
        keys = [keypair() for _ in range(100)]
        pks = [pk for _, pk in keys]
        sigs = [PopSchemeMPL.sign(sk, msg) for sk, _ in keys]
        agg = PopSchemeMPL.aggregate(sigs)
        assert PopSchemeMPL.fast_aggregate_verify(pks, msg, agg)
        out["aggregate_100"] = (lambda sigs=sigs: PopSchemeMPL.aggregate(sigs), None)
        out["fast_aggregate_verify_100"] = (lambda pks=pks, agg=agg: PopSchemeMPL.fast_aggregate_verify(pks, msg, agg), None)
    if "aggregate_verify_100" in ops:
        keys = [keypair() for _ in range(100)]
        msgs = [os.urandom(32) for _ in range(100)]
        pks = [pk for _, pk in keys]
        agg2 = PopSchemeMPL.aggregate([PopSchemeMPL.sign(sk, m) for (sk, _), m in zip(keys, msgs)])
        assert PopSchemeMPL.aggregate_verify(pks, msgs, agg2)
        out["aggregate_verify_100"] = (lambda pks=pks, msgs=msgs, agg2=agg2: PopSchemeMPL.aggregate_verify(pks, msgs, agg2), None)
    if "hash_to_g2" in ops:
        # G2Element.from_message(msg, dst): RFC 9380 hash_to_curve (checked against arkworks below).
        out["hash_to_g2"] = (lambda: G2Element.from_message(msg, DST_G2_POP), None)
    if "g1_decompress" in ops:
        b = bytes(keypair()[1])
        out["g1_decompress"] = (lambda b=b: G1Element.from_bytes(b), None)
    if "g2_decompress" in ops:
        b = bytes(PopSchemeMPL.sign(keypair()[0], msg))
        out["g2_decompress"] = (lambda b=b: G2Element.from_bytes(b), None)
    if "pairing" in ops:
        _, p = keypair()
        q = PopSchemeMPL.sign(keypair()[0], msg)
        out["pairing"] = (lambda p=p, q=q: p.pair(q), None)
    c_ops = {"g1_mul", "g2_mul", "msm_g1_1024", "miller_loop", "final_exponentiation"} & set(ops)
    if c_ops:
        out.update(prepare_blst_c(c_ops, keypair, msg))
    return out


def prepare_blst_c(ops, keypair, msg):
    """Operations blspy's Python API lacks, through blst's own C API: blspy's extension module
    links blst statically and exports its `blst_*` symbols, so ctypes calls them in the same
    library the other rows use. Each call costs ≈ 0.3 µs of ctypes overhead (not subtracted).
    Every function is checked against blspy's own results before it is timed."""
    import ctypes

    import blspy
    from blspy import PopSchemeMPL, PrivateKey

    lib = ctypes.CDLL(blspy.__file__)
    P1, P1A, P2, P2A, FP12 = 144, 96, 288, 192, 576  # sizeof(blst_p1), …, sizeof(blst_fp12)
    buf = ctypes.create_string_buffer
    vp = ctypes.c_void_p
    for name, res, args in (
        ("blst_p1_uncompress", ctypes.c_int, [vp, ctypes.c_char_p]),
        ("blst_p2_uncompress", ctypes.c_int, [vp, ctypes.c_char_p]),
        ("blst_p1_from_affine", None, [vp, vp]), ("blst_p2_from_affine", None, [vp, vp]),
        ("blst_p1_compress", None, [ctypes.c_char_p, vp]), ("blst_p2_compress", None, [ctypes.c_char_p, vp]),
        ("blst_p1_mult", None, [vp, vp, ctypes.c_char_p, ctypes.c_size_t]),
        ("blst_p2_mult", None, [vp, vp, ctypes.c_char_p, ctypes.c_size_t]),
        ("blst_p1_add_or_double", None, [vp, vp, vp]),
        ("blst_p1s_mult_pippenger_scratch_sizeof", ctypes.c_size_t, [ctypes.c_size_t]),
        ("blst_p1s_mult_pippenger", None, [vp, vp, ctypes.c_size_t, vp, ctypes.c_size_t, vp]),
        ("blst_miller_loop", None, [vp, vp, vp]), ("blst_final_exp", None, [vp, vp]),
        ("blst_fp12_is_equal", ctypes.c_bool, [vp, vp]),
        ("blst_p1_to_affine", None, [vp, vp]), ("blst_p2_to_affine", None, [vp, vp]),
    ):
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args

    def g1_affine(el):
        a = buf(P1A)
        assert lib.blst_p1_uncompress(a, bytes(el)) == 0
        return a

    def g2_affine(el):
        a = buf(P2A)
        assert lib.blst_p2_uncompress(a, bytes(el)) == 0
        return a

    def jacobian(aff, size, conv):
        j = buf(size)
        conv(j, aff)
        return j

    def compressed1(j):
        out = buf(48)
        lib.blst_p1_compress(out, j)
        return out.raw

    def scalar_bytes(k):  # blst reads scalars little-endian
        return k.to_bytes(32, "little")

    def scaled_key(sk, k):  # the blspy key sk·k mod r
        return PrivateKey.from_bytes((int.from_bytes(bytes(sk), "big") * k % R).to_bytes(32, "big"))

    out = {}
    ctypes_note = "blst through its C API in blspy's library (ctypes, ≈ 0.3 µs per call not subtracted)"
    mul_note = ("blst g1_mul/g2_mul: a random point × a 255-bit scalar, blst_p1_mult/blst_p2_mult "
                f"(constant time, GLV/GLS), {ctypes_note}")
    if "g1_mul" in ops:
        sk, pk = keypair()
        p = jacobian(g1_affine(pk), P1, lib.blst_p1_from_affine)
        k = rand_scalar()
        r = buf(P1)
        # Check: pk × k must be what blspy computes as (sk·k mod r)·G.
        lib.blst_p1_mult(r, p, scalar_bytes(k), 255)
        expect = scaled_key(sk, k).get_g1()
        assert compressed1(r) == bytes(expect), "blst_p1_mult through ctypes disagrees with blspy"
        kb = scalar_bytes(k)
        out["g1_mul"] = (lambda r=r, p=p, kb=kb: lib.blst_p1_mult(r, p, kb, 255),
                         mul_note)
    if "g2_mul" in ops:
        sk, _ = keypair()
        sig = PopSchemeMPL.sign(sk, msg)
        q = jacobian(g2_affine(sig), P2, lib.blst_p2_from_affine)
        k = rand_scalar()
        r = buf(P2)
        lib.blst_p2_mult(r, q, scalar_bytes(k), 255)
        c = buf(96)
        lib.blst_p2_compress(c, r)
        expect = PopSchemeMPL.sign(scaled_key(sk, k), msg)
        assert c.raw == bytes(expect), "blst_p2_mult through ctypes disagrees with blspy"
        kb = scalar_bytes(k)
        out["g2_mul"] = (lambda r=r, q=q, kb=kb: lib.blst_p2_mult(r, q, kb, 255),
                         mul_note)
    if "msm_g1_1024" in ops:
        n = 1024
        keys = [keypair() for _ in range(n)]
        affs = [g1_affine(pk) for _, pk in keys]
        ks = [rand_scalar() for _ in range(n)]
        kbufs = [buf(scalar_bytes(k), 32) for k in ks]
        points = (vp * n)(*[ctypes.addressof(a) for a in affs])
        scalars = (vp * n)(*[ctypes.addressof(b) for b in kbufs])
        scratch = buf(lib.blst_p1s_mult_pippenger_scratch_sizeof(n))
        r = buf(P1)
        # Check on the first 8 terms: Σ k_i·P_i against one multiplication per term.
        m = 8
        part = buf(P1)
        lib.blst_p1s_mult_pippenger(part, points, m, scalars, 255, scratch)
        acc, t = None, buf(P1)
        for i in range(m):
            lib.blst_p1_mult(t, jacobian(affs[i], P1, lib.blst_p1_from_affine), scalar_bytes(ks[i]), 255)
            if acc is None:
                acc = buf(t.raw, P1)
            else:
                lib.blst_p1_add_or_double(acc, acc, t)
        assert compressed1(part) == compressed1(acc), "blst_p1s_mult_pippenger through ctypes disagrees with blst_p1_mult"
        out["msm_g1_1024"] = (lambda r=r, points=points, scalars=scalars, scratch=scratch:
                              lib.blst_p1s_mult_pippenger(r, points, n, scalars, 255, scratch),
                              f"blst msm_g1_1024: blst_p1s_mult_pippenger, one thread, 255-bit scalars, {ctypes_note}")
    if {"miller_loop", "final_exponentiation"} & ops:
        _, pk = keypair()
        p = g1_affine(pk)
        q = g2_affine(PopSchemeMPL.sign(keypair()[0], msg))
        def pairing(q_aff, p_aff):  # (Miller loop value, pairing)
            ml, fe = buf(FP12), buf(FP12)
            lib.blst_miller_loop(ml, q_aff, p_aff)
            lib.blst_final_exp(fe, ml)
            return ml, fe

        f, e = pairing(q, p)
        # Check bilinearity: e(k·P, Q) = e(P, k·Q) ≠ e(P, Q).

        kb = scalar_bytes(rand_scalar())
        kp, kq = buf(P1), buf(P2)
        lib.blst_p1_mult(kp, jacobian(p, P1, lib.blst_p1_from_affine), kb, 255)
        lib.blst_p2_mult(kq, jacobian(q, P2, lib.blst_p2_from_affine), kb, 255)
        kp_aff, kq_aff = buf(P1A), buf(P2A)
        lib.blst_p1_to_affine(kp_aff, kp)
        lib.blst_p2_to_affine(kq_aff, kq)
        ekp = pairing(q, kp_aff)[1]
        assert lib.blst_fp12_is_equal(ekp, pairing(kq_aff, p)[1]), "blst pairing through ctypes is not bilinear"
        assert not lib.blst_fp12_is_equal(ekp, e)
        if "miller_loop" in ops:
            out["miller_loop"] = (lambda f=f, q=q, p=p: lib.blst_miller_loop(f, q, p), f"blst miller_loop/final_exponentiation: blst_miller_loop, blst_final_exp, {ctypes_note}")
        if "final_exponentiation" in ops:
            out["final_exponentiation"] = (lambda e=e, f=f: lib.blst_final_exp(e, f), f"blst miller_loop/final_exponentiation: blst_miller_loop, blst_final_exp, {ctypes_note}")
    return out


def prepare_arkworks(ops):
    from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

    g1, g2 = G1Point(), G2Point()  # the generators
    neg_g1 = -g1
    msg = os.urandom(32)

    def keypair():
        sk = Scalar(rand_scalar())
        return sk, g1 * sk

    def sign(sk, m):
        return G2Point.hash_to_curve(m, DST_G2_POP) * sk

    def verify(pk, m, sig):
        return GT.pairing_check([pk, neg_g1], [G2Point.hash_to_curve(m, DST_G2_POP), sig])

    composed = "composed in Python from the crate's primitives (arkworks has no BLS signature API)"
    out = {}
    if "sign" in ops:
        sk, _ = keypair()
        out["sign"] = (lambda sk=sk: sign(sk, msg), f"arkworks sign: hash_to_curve × sk, {composed}; arkworks' scalar multiplication is not constant time")
    if "verify" in ops:
        sk, pk = keypair()
        sig = sign(sk, msg)
        assert verify(pk, msg, sig) and not verify(pk, os.urandom(32), sig)
        out["verify"] = (lambda pk=pk, sig=sig: verify(pk, msg, sig), f"arkworks verify: hash_to_curve + pairing_check of 2 pairs, {composed}")
    if {"aggregate_100", "fast_aggregate_verify_100"} & set(ops):
        keys = [keypair() for _ in range(100)]
        pks = [pk for _, pk in keys]
        sigs = [sign(sk, msg) for sk, _ in keys]
        add = lambda xs: functools.reduce(lambda a, b: a + b, xs)
        agg = add(sigs)

        def fav(pks=pks, agg=agg):
            return verify(add(pks), msg, agg)

        assert fav()
        out["aggregate_100"] = (lambda sigs=sigs: add(sigs), "arkworks aggregate_100: 99 G2 additions in a Python loop (~10 µs of it is Python)")
        out["fast_aggregate_verify_100"] = (fav, f"arkworks fast_aggregate_verify_100: 99 G1 additions in a Python loop + verify, {composed}")
    if "aggregate_verify_100" in ops:
        keys = [keypair() for _ in range(100)]
        msgs = [os.urandom(32) for _ in range(100)]
        pks = [pk for _, pk in keys]
        agg2 = functools.reduce(lambda a, b: a + b, [sign(sk, m) for (sk, _), m in zip(keys, msgs)])

        def av(pks=pks, msgs=msgs, agg2=agg2):
            hs = [G2Point.hash_to_curve(m, DST_G2_POP) for m in msgs]
            return GT.pairing_check(pks + [neg_g1], hs + [agg2])

        assert av()
        out["aggregate_verify_100"] = (av, f"arkworks aggregate_verify_100: 100 hash_to_curve + pairing_check of 101 pairs, {composed}")
    if "hash_to_g2" in ops:
        out["hash_to_g2"] = (lambda: G2Point.hash_to_curve(msg, DST_G2_POP), None)
    if "g1_decompress" in ops:
        b = keypair()[1].to_compressed_bytes()
        out["g1_decompress"] = (lambda b=b: G1Point.from_compressed_bytes(b), None)
    if "g2_decompress" in ops:
        b = (g2 * Scalar(rand_scalar())).to_compressed_bytes()
        out["g2_decompress"] = (lambda b=b: G2Point.from_compressed_bytes(b), None)
    if "g1_mul" in ops:
        p, k = g1 * Scalar(rand_scalar()), Scalar(rand_scalar())
        out["g1_mul"] = (lambda p=p, k=k: p * k, "arkworks g1_mul/g2_mul: variable time (ours is constant time)")
    if "g2_mul" in ops:
        q, k = g2 * Scalar(rand_scalar()), Scalar(rand_scalar())
        out["g2_mul"] = (lambda q=q, k=k: q * k, "arkworks g1_mul/g2_mul: variable time (ours is constant time)")
    if "msm_g1_1024" in ops:
        points = [g1 * Scalar(int.from_bytes(os.urandom(8), "big") | 1) for _ in range(1024)]
        scalars = [Scalar(rand_scalar()) for _ in range(1024)]
        out["msm_g1_1024"] = (lambda points=points, scalars=scalars: G1Point.multiexp_unchecked(points, scalars), None)
    if "pairing" in ops:
        p, q = keypair()[1], g2 * Scalar(rand_scalar())
        out["pairing"] = (lambda p=p, q=q: GT.pairing(p, q), None)
    return out


def cross_check(vring: str | None):
    """The three implementations agree on a signature and on hash_to_g2 (same bytes)."""
    problems = []
    sk_int = rand_scalar()
    msg = os.urandom(32)
    sigs = {}
    try:
        from blspy import G2Element, PopSchemeMPL, PrivateKey
        sigs["blst"] = bytes(PopSchemeMPL.sign(PrivateKey.from_bytes(sk_int.to_bytes(32, "big")), msg)).hex()
        h_blst = bytes(G2Element.from_message(msg, DST_G2_POP)).hex()
    except ImportError:
        h_blst = None
    try:
        from py_arkworks_bls12381 import G2Point, Scalar
        h = G2Point.hash_to_curve(msg, DST_G2_POP)
        sigs["arkworks"] = (h * Scalar(sk_int)).to_compressed_bytes().hex()
        h_ark = h.to_compressed_bytes().hex()
        if h_blst is not None and h_blst != h_ark:
            problems.append("hash_to_g2: blspy's G2Element.from_message and arkworks' hash_to_curve disagree")
    except ImportError:
        pass
    if vring:
        r = subprocess.run([vring, "bls", "sign", "--secret-key", f"{sk_int:064x}", "--message", msg.hex(), "--json"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            sigs["ours"] = json.loads(r.stdout)["signature"]
    if len(set(sigs.values())) > 1:
        problems.append(f"signatures disagree: {sigs}")
    return problems, sorted(sigs)


# ---------------------------------------------------------------------------------------------

def run_ours(vring: str, op: str) -> float | None:
    r = subprocess.run([vring, "bench", "--json", "--filter", op], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"vring bench --filter {op} failed: {r.stderr.strip()}")
    for row in json.loads(r.stdout)["results"]:
        if row["name"] == op:
            return float(row["ns_per_op"])
    return None


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}


def version_of(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Compare vring bench with blst (blspy) and arkworks (py-arkworks-bls12381).")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per operation (median taken); default 5")
    ap.add_argument("--statistic", choices=["median", "min"], default="median",
                    help="how each side's per-round figures are combined: median (default, the headline "
                         "figure) or min (on a machine shared with noisy neighbours, noise only adds time, so "
                         "the minimum over rounds is the closer estimate of the quiet figure)")
    ap.add_argument("--ops", default=",".join(DEFAULT_OPS), help="comma-separated operations (vring bench names)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table (for docs/PERFORMANCE.md)")
    ap.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    ap.add_argument("--no-build", action="store_true", help="do not run swift build first")
    ap.add_argument("--vring", default=os.path.join(repo, ".build", "release", "vring"), help="the vring binary")
    args = ap.parse_args()
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    unknown = [o for o in ops if o not in DEFAULT_OPS]
    if unknown:
        ap.error(f"--ops: unknown {', '.join(unknown)} (known: {', '.join(DEFAULT_OPS)})")
    if args.rounds < 1:
        ap.error("--rounds: must be at least 1")
    log = lambda *a: print(*a, file=sys.stderr, flush=True)

    if not args.no_build:
        log("+ swift build -c release --product vring")
        subprocess.run(["swift", "build", "-c", "release", "--product", "vring"], cwd=repo, check=True,
                       stdout=sys.stderr)
    if not os.access(args.vring, os.X_OK):
        sys.exit(f"compare: {args.vring} not found; build it (swift build -c release --product vring) or drop --no-build")

    sides = {"ours": None}
    notes_missing = []
    for side, dist, prep in (("blst", "blspy", prepare_blst), ("arkworks", "py-arkworks-bls12381", prepare_arkworks)):
        try:
            log(f"preparing {side} inputs…")
            sides[side] = prep(ops)
        except ImportError as e:
            notes_missing.append(f"{side} ({dist}) is not installed: {e}")
            log(f"compare: {side} unavailable ({e}); continuing without it")
    problems, checked = cross_check(args.vring)
    for p in problems:
        log("compare: WARNING: " + p)

    samples = {op: {s: [] for s in sides} for op in ops}
    started = time.time()
    for op in ops:
        for rnd in range(args.rounds):
            for side, table in sides.items():
                if sys.stderr.isatty():
                    print(f"\r[{op} round {rnd + 1}/{args.rounds}] {side}\x1b[K", end="", file=sys.stderr, flush=True)
                else:
                    log(f"[{op} {rnd + 1}/{args.rounds}] {side}")
                if side == "ours":
                    v = run_ours(args.vring, op)
                    if v is not None:
                        samples[op][side].append(v)
                elif op in table:
                    samples[op][side].append(measure(table[op][0])[0])
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
    elapsed = time.time() - started

    combine = statistics.median if args.statistic == "median" else min

    def med(op, side):
        xs = samples[op].get(side) or []
        return combine(xs) if xs else None

    notes = []
    note_ids = {}
    rows = []
    for op in ops:
        row = {"operation": op}
        for side in ("ours", "blst", "arkworks"):
            v = med(op, side)
            row[side] = v
            row[side + "_note"] = None
            if side in sides and side != "ours" and sides[side] and op in sides[side] and sides[side][op][1]:
                text = sides[side][op][1]
                if text not in note_ids:
                    notes.append(text)
                    note_ids[text] = len(notes)
                row[side + "_note"] = note_ids[text]
        # Median over rounds of the per-round ratio ours/blst: each round's two figures were taken
        # seconds apart, so a slow drift of the machine cancels in it even when it moves the
        # medians of the two sides differently.
        pairs = list(zip(samples[op].get("ours") or [], samples[op].get("blst") or []))
        row["round_ratio_blst"] = statistics.median(a / b for a, b in pairs) if pairs else None
        rows.append(row)

    info = machine_info()
    info["date"] = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info["command"] = os.environ.get("VRING_COMPARE_COMMAND") or " ".join(shlex.quote(a) for a in sys.argv)
    info["rounds"] = args.rounds
    info["statistic"] = args.statistic
    info["elapsed_s"] = round(elapsed, 1)
    info["versions"] = {"blspy": version_of("blspy"), "py-arkworks-bls12381": version_of("py-arkworks-bls12381")}

    if args.json:
        print(json.dumps({"machine": info, "ops": ops, "samples_ns": samples, "median_ns": rows,
                          "notes": notes, "missing": notes_missing, "cross_check": {"sides": checked, "problems": problems}},
                         indent=2))
        return

    def us(v, note=None):
        if v is None:
            return "n/a"
        s = f"{v / 1000:.2f}" if v < 100_000 else f"{v / 1000:.0f}"
        return s + (f" [{note}]" if note else "")

    def ratio(a, b):
        return "n/a" if a is None or b is None else f"{a / b:.2f}×"

    header = ["operation", "ours (µs)", "blst (µs)", "ours/blst", "per round", "arkworks (µs)", "ours/arkworks"]
    body = [[r["operation"], us(r["ours"]), us(r["blst"], r["blst_note"]), ratio(r["ours"], r["blst"]),
             "n/a" if r["round_ratio_blst"] is None else f"{r['round_ratio_blst']:.2f}×",
             us(r["arkworks"], r["arkworks_note"]), ratio(r["ours"], r["arkworks"])] for r in rows]
    v = info["versions"]
    lines_after = [
        f"Machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}; {info['date']}.",
        f"Peers: blst through blspy {v['blspy'] or '(not installed)'}, arkworks through "
        f"py-arkworks-bls12381 {v['py-arkworks-bls12381'] or '(not installed)'} (Python {info['python']}).",
        f"{'Median' if args.statistic == 'median' else 'Minimum'} over {args.rounds} interleaved rounds of each side's median ns/op (≥ 10 ms batches for 0.3 s); "
        "peers timed in Python with perf_counter_ns, call overhead (~0.1 µs) not subtracted. "
        "Ratio < 1 means ours is faster. \"per round\": the median over rounds of ours/blst within each round "
        "(robust to drift between rounds; the ratio beside it is the headline figure).",
        f"Command: `{info['command']}`",
    ]
    if problems:
        lines_after.append("Cross-check problems: " + "; ".join(problems))
    else:
        lines_after.append(f"Cross-check: {', '.join(checked)} produce the same signature bytes for a random key and message.")
    lines_after += [f"[{i}] {t}" for i, t in enumerate(notes, 1)]
    lines_after += notes_missing

    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for b in body:
            print("| " + " | ".join(b) + " |")
        print()
        for l in lines_after:
            print(l + "  " if not l.startswith("[") else l + "  ")
    else:
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
        fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        print(fmt(header))
        print("  ".join("-" * w for w in widths))
        for b in body:
            print(fmt(b))
        print()
        for l in lines_after:
            print(l)


if __name__ == "__main__":
    main()
