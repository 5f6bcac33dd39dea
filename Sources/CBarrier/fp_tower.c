// The Fp6 and Fp12 products of the pairing over the x86-64 field kernels (fp_x86_64.S): the same
// formulas, bounds and lazy reduction as the Swift tower (Fp6.swift, Fp12.swift, Fp2Wide.swift),
// written once more so that the glue between the kernel calls (Fp2 sums, 768-bit sums and
// differences, multiplication by ξ = 1 + u) is a few inlined add-with-carry chains on pointers
// instead of out-of-line Swift calls that pass 192-byte values by copy. Called only when
// `vring_fp_asm_enabled()`; the Swift tower is the portable twin and the tests compare the two on
// random and edge operands. Every result is fully reduced, so both give identical limbs.
//
// Branch-free: no branch and no memory address depends on the operands (sums reduce with a mask,
// differences add p back under a mask). Pairing inputs are public in this project, but these
// products also serve GT exponentiation, so they are held to the same rule as the field code.
//
// Layouts match the Swift structs (@frozen, UInt64 limbs, little-endian, Montgomery form):
// Fp 6 limbs, Fp2 (c0, c1), Fp6 (c0, c1, c2) over Fp2, Fp12 (c0, c1) over Fp6; the wide types
// hold 12-limb halves, each kept in [0, p*2^384).
#include "vring_barrier.h"
#include <stdint.h>

typedef struct { uint64_t l[6]; } fp;
typedef struct { uint64_t l[12]; } fpw;
typedef struct { fp c0, c1; } fp2;
typedef struct { fpw c0, c1; } fp2w;
typedef struct { fp2 c0, c1, c2; } fp6;
typedef struct { fp2w c0, c1, c2; } fp6w;
typedef struct { fp6 c0, c1; } fp12;

#define INLINE static inline __attribute__((always_inline))
// Every limb loop fully unrolled: left as a loop, clang forms the carries with setb/or instead of
// one adc/sbb chain.
#define UNROLLED _Pragma("clang loop unroll(full)")

// p from barrier.c, as data the compiler cannot see into: `and` and `sub` read it from memory
// instead of a `movabs` per limb.
#define P vring_fp_modulus

// The mask of a borrow bit, through an empty asm statement so the compiler cannot turn the
// masked selection into a branch (the barrier of vring_barrier.h).
INLINE uint64_t mask_of(uint64_t bit) {
    uint64_t m = 0 - bit;
    __asm__ __volatile__("" : "+r"(m));
    return m;
}

// s (n limbs) = a + b mod p for a, b below p: the sum, then minus p unless that borrows.
INLINE void fp_add(fp *r, const fp *a, const fp *b) {
    uint64_t s[6], t[6], c = 0, br = 0;
    UNROLLED for (int i = 0; i < 6; i++) s[i] = __builtin_addcll(a->l[i], b->l[i], c, (unsigned long long *)&c);
    UNROLLED for (int i = 0; i < 6; i++) t[i] = __builtin_subcll(s[i], P[i], br, (unsigned long long *)&br);
    uint64_t m = mask_of(br);  // all ones: s < p, keep s
    UNROLLED for (int i = 0; i < 6; i++) r->l[i] = (s[i] & m) | (t[i] & ~m);
}

INLINE void fp_sub(fp *r, const fp *a, const fp *b) {
    uint64_t d[6], br = 0, c = 0;
    UNROLLED for (int i = 0; i < 6; i++) d[i] = __builtin_subcll(a->l[i], b->l[i], br, (unsigned long long *)&br);
    uint64_t m = mask_of(br);
    UNROLLED for (int i = 0; i < 6; i++) r->l[i] = __builtin_addcll(d[i], P[i] & m, c, (unsigned long long *)&c);
}

INLINE void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) { fp_add(&r->c0, &a->c0, &b->c0); fp_add(&r->c1, &a->c1, &b->c1); }
INLINE void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) { fp_sub(&r->c0, &a->c0, &b->c0); fp_sub(&r->c1, &a->c1, &b->c1); }

// 768-bit a + b modulo p*2^384 for a, b in [0, p*2^384): the sum (below 2^767), its upper half
// reduced once (FpWide.addModulo).
INLINE void fpw_add(fpw *r, const fpw *a, const fpw *b) {
    uint64_t s[12], t[6], c = 0, br = 0;
    UNROLLED for (int i = 0; i < 12; i++) s[i] = __builtin_addcll(a->l[i], b->l[i], c, (unsigned long long *)&c);
    UNROLLED for (int i = 0; i < 6; i++) t[i] = __builtin_subcll(s[6 + i], P[i], br, (unsigned long long *)&br);
    uint64_t m = mask_of(br);
    UNROLLED for (int i = 0; i < 6; i++) r->l[i] = s[i];
    UNROLLED for (int i = 0; i < 6; i++) r->l[6 + i] = (s[6 + i] & m) | (t[i] & ~m);
}

// a - b, plus p*2^384 when negative (FpWide.-).
INLINE void fpw_sub(fpw *r, const fpw *a, const fpw *b) {
    uint64_t d[12], br = 0, c = 0;
    UNROLLED for (int i = 0; i < 12; i++) d[i] = __builtin_subcll(a->l[i], b->l[i], br, (unsigned long long *)&br);
    uint64_t m = mask_of(br);
    UNROLLED for (int i = 0; i < 6; i++) r->l[i] = d[i];
    UNROLLED for (int i = 0; i < 6; i++) r->l[6 + i] = __builtin_addcll(d[6 + i], P[i] & m, c, (unsigned long long *)&c);
}

INLINE void fp2w_add(fp2w *r, const fp2w *a, const fp2w *b) { fpw_add(&r->c0, &a->c0, &b->c0); fpw_add(&r->c1, &a->c1, &b->c1); }
INLINE void fp2w_sub(fp2w *r, const fp2w *a, const fp2w *b) { fpw_sub(&r->c0, &a->c0, &b->c0); fpw_sub(&r->c1, &a->c1, &b->c1); }

// Multiplication by ξ = 1 + u: (c0 - c1) + (c0 + c1)u. r may alias a.
INLINE void fp2w_mul_xi(fp2w *r, const fp2w *a) {
    fpw d, s;
    fpw_sub(&d, &a->c0, &a->c1);
    fpw_add(&s, &a->c0, &a->c1);
    r->c0 = d;
    r->c1 = s;
}

// The kernels; r must not overlap the operands.
INLINE void fp2_mul_wide(fp2w *r, const fp2 *a, const fp2 *b) { vring_fp2_mul_wide(r, a, b); }
INLINE void fp2_redc(fp2 *r, const fp2w *t) { vring_fp2_redc(r, t); }

INLINE void fp6_add(fp6 *r, const fp6 *a, const fp6 *b) {
    fp2_add(&r->c0, &a->c0, &b->c0); fp2_add(&r->c1, &a->c1, &b->c1); fp2_add(&r->c2, &a->c2, &b->c2);
}

INLINE void fp6w_add(fp6w *r, const fp6w *a, const fp6w *b) {
    fp2w_add(&r->c0, &a->c0, &b->c0); fp2w_add(&r->c1, &a->c1, &b->c1); fp2w_add(&r->c2, &a->c2, &b->c2);
}

INLINE void fp6w_sub(fp6w *r, const fp6w *a, const fp6w *b) {
    fp2w_sub(&r->c0, &a->c0, &b->c0); fp2w_sub(&r->c1, &a->c1, &b->c1); fp2w_sub(&r->c2, &a->c2, &b->c2);
}

INLINE void fp6w_redc(fp6 *r, const fp6w *t) {
    fp2_redc(&r->c0, &t->c0); fp2_redc(&r->c1, &t->c1); fp2_redc(&r->c2, &t->c2);
}

// r = a + v*b for wide Fp6 values: v*(b0, b1, b2) = (ξ b2, b0, b1).
INLINE void fp6w_add_mul_v(fp6w *r, const fp6w *a, const fp6w *b) {
    fp2w t;
    fp2w_mul_xi(&t, &b->c2);
    fp2w_add(&r->c0, &a->c0, &t);
    fp2w_add(&r->c1, &a->c1, &b->c0);
    fp2w_add(&r->c2, &a->c2, &b->c1);
}

// Karatsuba over three coefficients with lazy reduction (Fp6.wideProduct): 6 Fp2 products.
// r must not overlap a or b.
static void fp6_mul_wide(fp6w *r, const fp6 *a, const fp6 *b) {
    fp2w v0, v1, v2, t;
    fp2 sa, sb;
    fp2_mul_wide(&v0, &a->c0, &b->c0);
    fp2_mul_wide(&v1, &a->c1, &b->c1);
    fp2_mul_wide(&v2, &a->c2, &b->c2);
    // c0 = v0 + ξ((a1 + a2)(b1 + b2) - v1 - v2)
    fp2_add(&sa, &a->c1, &a->c2);
    fp2_add(&sb, &b->c1, &b->c2);
    fp2_mul_wide(&t, &sa, &sb);
    fp2w_sub(&t, &t, &v1);
    fp2w_sub(&t, &t, &v2);
    fp2w_mul_xi(&t, &t);
    fp2w_add(&r->c0, &v0, &t);
    // c1 = (a0 + a1)(b0 + b1) - v0 - v1 + ξ v2
    fp2_add(&sa, &a->c0, &a->c1);
    fp2_add(&sb, &b->c0, &b->c1);
    fp2_mul_wide(&t, &sa, &sb);
    fp2w_sub(&t, &t, &v0);
    fp2w_sub(&t, &t, &v1);
    fp2w_mul_xi(&r->c1, &v2);
    fp2w_add(&r->c1, &t, &r->c1);
    // c2 = (a0 + a2)(b0 + b2) - v0 - v2 + v1
    fp2_add(&sa, &a->c0, &a->c2);
    fp2_add(&sb, &b->c0, &b->c2);
    fp2_mul_wide(&t, &sa, &sb);
    fp2w_sub(&t, &t, &v0);
    fp2w_sub(&t, &t, &v2);
    fp2w_add(&r->c2, &t, &v1);
}

// self*(b0 + b1 v) unreduced (Fp6.wideMulBy01): 5 Fp2 products.
static void fp6_mul_by_01_wide(fp6w *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
    fp2w aa, bb, t;
    fp2 sa, sb;
    fp2_mul_wide(&aa, &a->c0, b0);
    fp2_mul_wide(&bb, &a->c1, b1);
    fp2_mul_wide(&t, &a->c2, b1);
    fp2w_mul_xi(&t, &t);
    fp2w_add(&r->c0, &t, &aa);
    fp2_add(&sa, b0, b1);
    fp2_add(&sb, &a->c0, &a->c1);
    fp2_mul_wide(&t, &sa, &sb);
    fp2w_sub(&t, &t, &aa);
    fp2w_sub(&r->c1, &t, &bb);
    fp2_mul_wide(&t, &a->c2, b0);
    fp2w_add(&r->c2, &t, &bb);
}

// self*(b1 v) unreduced (Fp6.wideMulBy1): 3 Fp2 products.
static void fp6_mul_by_1_wide(fp6w *r, const fp6 *a, const fp2 *b1) {
    fp2w t;
    fp2_mul_wide(&t, &a->c2, b1);
    fp2w_mul_xi(&r->c0, &t);
    fp2_mul_wide(&r->c1, &a->c0, b1);
    fp2_mul_wide(&r->c2, &a->c1, b1);
}

void vring_fp6_mul(void *r, const void *a, const void *b) {
    fp6w t;
    fp6_mul_wide(&t, (const fp6 *)a, (const fp6 *)b);
    fp6w_redc((fp6 *)r, &t);
}

// Karatsuba over Fp6 (Fp12.*): 3 wide Fp6 products, 12 reductions. r may alias a or b.
void vring_fp12_mul(void *r, const void *a, const void *b) {
    const fp12 *x = (const fp12 *)a, *y = (const fp12 *)b;
    fp6w aa, bb, t;
    fp6 sx, sy;
    fp6_mul_wide(&aa, &x->c0, &y->c0);
    fp6_mul_wide(&bb, &x->c1, &y->c1);
    fp6_add(&sx, &x->c0, &x->c1);
    fp6_add(&sy, &y->c0, &y->c1);
    fp6_mul_wide(&t, &sx, &sy);
    fp6w_sub(&t, &t, &aa);
    fp6w_sub(&t, &t, &bb);
    fp6w_add_mul_v(&aa, &aa, &bb);
    fp12 *z = (fp12 *)r;
    fp6w_redc(&z->c0, &aa);
    fp6w_redc(&z->c1, &t);
}

// Complex squaring (Fp12.squared): ab = c0 c1, t = (c0 + c1)(c0 + v c1);
// (t - ab - v ab, 2ab), with both products left wide. r may alias a.
void vring_fp12_sqr(void *r, const void *a) {
    const fp12 *x = (const fp12 *)a;
    fp6w ab, t, v_ab;
    fp6 s, sv;
    fp6_mul_wide(&ab, &x->c0, &x->c1);
    fp6_add(&s, &x->c0, &x->c1);
    // c0 + v c1 = (c0.c0 + ξ c1.c2, c0.c1 + c1.c0, c0.c2 + c1.c1)
    fp2 xi_c2;
    fp_sub(&xi_c2.c0, &x->c1.c2.c0, &x->c1.c2.c1);
    fp_add(&xi_c2.c1, &x->c1.c2.c0, &x->c1.c2.c1);
    fp2_add(&sv.c0, &x->c0.c0, &xi_c2);
    fp2_add(&sv.c1, &x->c0.c1, &x->c1.c0);
    fp2_add(&sv.c2, &x->c0.c2, &x->c1.c1);
    fp6_mul_wide(&t, &s, &sv);
    fp6w_sub(&t, &t, &ab);
    // t - v ab = t - (ξ ab2, ab0, ab1)
    fp2w_mul_xi(&v_ab.c0, &ab.c2);
    v_ab.c1 = ab.c0;
    v_ab.c2 = ab.c1;
    fp6w_sub(&t, &t, &v_ab);
    fp6w_add(&ab, &ab, &ab);
    fp12 *z = (fp12 *)r;
    fp6w_redc(&z->c0, &t);
    fp6w_redc(&z->c1, &ab);
}

// self*(l0 + l1 v + l4 v w), the line shape of the Miller loop (Fp12.mulBy014). r may alias a.
void vring_fp12_mul_by_014(void *r, const void *a, const void *l0, const void *l1, const void *l4) {
    const fp12 *x = (const fp12 *)a;
    const fp2 *b0 = (const fp2 *)l0, *b1 = (const fp2 *)l1, *b4 = (const fp2 *)l4;
    fp6w aa, bb, t;
    fp6 s;
    fp2 b14;
    fp6_mul_by_01_wide(&aa, &x->c0, b0, b1);
    fp6_mul_by_1_wide(&bb, &x->c1, b4);
    fp6_add(&s, &x->c1, &x->c0);
    fp2_add(&b14, b1, b4);
    fp6_mul_by_01_wide(&t, &s, b0, &b14);
    fp6w_sub(&t, &t, &aa);
    fp6w_sub(&t, &t, &bb);
    fp6w_add_mul_v(&aa, &aa, &bb);
    fp12 *z = (fp12 *)r;
    fp6w_redc(&z->c0, &aa);
    fp6w_redc(&z->c1, &t);
}

// MARK: the cyclotomic squarings of the final exponentiation

INLINE void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) { vring_fp2_mul_mont(r, a, b); }
INLINE void fp2_sqr_wide(fp2w *r, const fp2 *a) { vring_fp2_sqr_wide(r, a); }
INLINE void fp_mul_wide(fpw *r, const fp *a, const fp *b) { vring_fp_mul_wide(r, a, b); }
INLINE void fp_redc(fp *r, const fpw *t) { vring_fp_redc(r, t); }

// ξ·a = (a0 - a1) + (a0 + a1)u for reduced a. r may alias a.
INLINE void fp2_mul_xi(fp2 *r, const fp2 *a) {
    fp d, s;
    fp_sub(&d, &a->c0, &a->c1);
    fp_add(&s, &a->c0, &a->c1);
    r->c0 = d;
    r->c1 = s;
}

INLINE void fp2_dbl(fp2 *r, const fp2 *a) { fp2_add(r, a, a); }

// a + b without reduction (a, b below p: the sum is below 2p < 2^382), an operand of a product.
INLINE void fp_add_unreduced(fp *r, const fp *a, const fp *b) {
    uint64_t c = 0;
    UNROLLED for (int i = 0; i < 6; i++) r->l[i] = __builtin_addcll(a->l[i], b->l[i], c, (unsigned long long *)&c);
}

// Plain 768-bit sum (FpWide.+), for sums known to stay below p*2^384.
INLINE void fpw_add_plain(fpw *r, const fpw *a, const fpw *b) {
    uint64_t c = 0;
    UNROLLED for (int i = 0; i < 12; i++) r->l[i] = __builtin_addcll(a->l[i], b->l[i], c, (unsigned long long *)&c);
}

// Plain 768-bit difference for a >= b (FpWide.differenceKnownNonNegative).
INLINE void fpw_sub_plain(fpw *r, const fpw *a, const fpw *b) {
    uint64_t br = 0;
    UNROLLED for (int i = 0; i < 12; i++) r->l[i] = __builtin_subcll(a->l[i], b->l[i], br, (unsigned long long *)&br);
}

// (a + b w)^2 in Fp4 = Fp2[w]/(w^2 - ξ), with lazy reduction (Fp12.fp4Square): seven 768-bit
// products, four reductions. c0 = (a0² − a1² + b0² − b1² − 2b0b1) + (2a0a1 + b0² − b1² + 2b0b1)u,
// c1 = 2(a0b0 − a1b1) + 2(a0b1 + a1b0)u; every wide value below 6p² < p*2^384 or a corrected
// difference, as the Swift twin.
INLINE void fp4_sqr(fp2 *c0, fp2 *c1, const fp2 *a, const fp2 *b) {
    fp as, bs, ad, bd;
    fpw p1, p2, p3, p4, q0, q1, q2, t, u;
    fp_add_unreduced(&as, &a->c0, &a->c1);
    fp_add_unreduced(&bs, &b->c0, &b->c1);
    fp_sub(&ad, &a->c0, &a->c1);
    fp_sub(&bd, &b->c0, &b->c1);
    fp_mul_wide(&p1, &as, &ad);
    fp_mul_wide(&p2, &a->c0, &a->c1);
    fp_mul_wide(&p3, &bs, &bd);
    fp_mul_wide(&p4, &b->c0, &b->c1);
    fp_mul_wide(&q0, &a->c0, &b->c0);
    fp_mul_wide(&q1, &a->c1, &b->c1);
    fp_mul_wide(&q2, &as, &bs);
    fpw_add_plain(&p4, &p4, &p4);        // 2 b0b1
    fpw_add_plain(&t, &p1, &p3);
    fpw_sub(&t, &t, &p4);                // c00
    fp_redc(&c0->c0, &t);
    fpw_add_plain(&t, &p2, &p2);
    fpw_add_plain(&t, &t, &p3);
    fpw_add_plain(&t, &t, &p4);          // c01
    fp_redc(&c0->c1, &t);
    fpw_add_plain(&t, &q0, &q0);
    fpw_add_plain(&u, &q1, &q1);
    fpw_sub(&t, &t, &u);                 // c10
    fp_redc(&c1->c0, &t);
    fpw_add_plain(&u, &q0, &q1);
    fpw_sub_plain(&t, &q2, &u);          // a0b1 + a1b0
    fpw_add_plain(&t, &t, &t);           // c11
    fp_redc(&c1->c1, &t);
}

// z = 3t - 2z (for t - z) or 3t + 2z: the Granger–Scott combinations, z ← 2(t ∓ z) + t.
INLINE void gs_minus(fp2 *z, const fp2 *t) { fp2 d; fp2_sub(&d, t, z); fp2_dbl(&d, &d); fp2_add(z, &d, t); }
INLINE void gs_plus(fp2 *z, const fp2 *t) { fp2 d; fp2_add(&d, t, z); fp2_dbl(&d, &d); fp2_add(z, &d, t); }

// Granger–Scott squaring in the cyclotomic subgroup (Fp12.cyclotomicSquared). r may alias a.
void vring_fp12_cyclotomic_sqr(void *r, const void *a) {
    const fp12 *x = (const fp12 *)a;
    fp2 z0 = x->c0.c0, z4 = x->c0.c1, z3 = x->c0.c2, z2 = x->c1.c0, z1 = x->c1.c1, z5 = x->c1.c2;
    fp2 t0, t1, t2, t3;
    fp4_sqr(&t0, &t1, &z0, &z1);
    gs_minus(&z0, &t0);
    gs_plus(&z1, &t1);
    fp4_sqr(&t0, &t1, &z2, &z3);
    fp4_sqr(&t2, &t3, &z4, &z5);
    gs_minus(&z4, &t0);
    gs_plus(&z5, &t1);
    fp2_mul_xi(&t0, &t3);
    gs_plus(&z2, &t0);
    gs_minus(&z3, &t2);
    fp12 *z = (fp12 *)r;
    z->c0.c0 = z0; z->c0.c1 = z4; z->c0.c2 = z3;
    z->c1.c0 = z2; z->c1.c1 = z1; z->c1.c2 = z5;
}

// Karabina's compressed squaring on (g2, g3, g4, g5), in place (KarabinaCompressed.squared):
// h2 = 2(g2 + 3ξ g4g5), h3 = 3(g4² + ξ g5²) − 2g3, h4 = 3(g2² + ξ g3²) − 2g4, h5 = 2(g5 + 3 g2g3).
void vring_fp12_karabina_sqr(void *g) {
    fp2 *v = (fp2 *)g;  // v[0] = g2, v[1] = g3, v[2] = g4, v[3] = g5
    fp2 b45, b23, a45, a23;
    fp2w s, t;
    fp2_mul(&b45, &v[2], &v[3]);
    fp2_mul(&b23, &v[0], &v[1]);
    fp2_dbl(&b45, &b45);
    fp2_mul_xi(&b45, &b45);              // 2ξ g4g5
    fp2_dbl(&b23, &b23);                 // 2 g2g3
    fp2_sqr_wide(&s, &v[2]);
    fp2_sqr_wide(&t, &v[3]);
    fp2w_mul_xi(&t, &t);
    fp2w_add(&s, &s, &t);
    fp2_redc(&a45, &s);                  // g4² + ξ g5²
    fp2_sqr_wide(&s, &v[0]);
    fp2_sqr_wide(&t, &v[1]);
    fp2w_mul_xi(&t, &t);
    fp2w_add(&s, &s, &t);
    fp2_redc(&a23, &s);                  // g2² + ξ g3²
    gs_plus(&v[0], &b45);                // h2 = 2(2ξ g4g5 + g2) + 2ξ g4g5
    gs_minus(&v[1], &a45);               // h3 = 2(a45 − g3) + a45
    gs_minus(&v[2], &a23);               // h4 = 2(a23 − g4) + a23
    gs_plus(&v[3], &b23);                // h5 = 2(2 g2g3 + g5) + 2 g2g3
}

// MARK: the Miller loop's steps (MillerG2 in Pairing.swift)

INLINE void fp2_sqr(fp2 *r, const fp2 *a) { vring_fp2_sqr_mont(r, a); }
INLINE void fp_mul(fp *r, const fp *a, const fp *b) { vring_fp_mul_mont(r, a, b); }
INLINE void fp2_mul_fp(fp2 *r, const fp2 *a, const fp *b) { fp_mul(&r->c0, &a->c0, b); fp_mul(&r->c1, &a->c1, b); }
INLINE void fp2_neg(fp2 *r, const fp2 *a) { const fp2 zero = {{{0}}, {{0}}}; fp2_sub(r, &zero, a); }

// f ← f·l(P) for a line (l0, l1, l4) whose l1 and l4 still take x_P and y_P: the sparse product.
INLINE void evaluate_line(fp12 *f, const fp2 *l0, const fp2 *l1, const fp2 *l4, const fp *px, const fp *py) {
    fp2 c1, c4;
    fp2_mul_fp(&c1, l1, px);
    fp2_mul_fp(&c4, l4, py);
    vring_fp12_mul_by_014(f, f, l0, &c1, &c4);
}

// T ← 2T (homogeneous projective on the twist, 3M + 6S) and f ← f·(tangent at T)(P), the
// tangent (−2YZ·y_P, 3X²·x_P, 3b'Z² − Y²) as MillerG2.doublingStep and evaluateLine.
// t: (X, Y, Z), three Fp2; f: Fp12; px, py: P's affine coordinates.
void vring_g2_miller_double(void *t, void *f, const void *px, const void *py) {
    fp2 *x = (fp2 *)t, *y = x + 1, *z = x + 2;
    fp2 xy, b, c, e, e4, f9, h, j, g, ee, u, l0, l1;
    fp2_mul(&xy, x, y);
    fp2_sqr(&b, y);
    fp2_sqr(&c, z);
    fp2_mul_xi(&e4, &c);                 // 3b'Z² = 12ξZ²
    fp2_dbl(&e4, &e4);
    fp2_dbl(&e4, &e4);
    fp2_dbl(&e, &e4);
    fp2_add(&e, &e, &e4);
    fp2_dbl(&f9, &e);                    // 9b'Z²
    fp2_add(&f9, &f9, &e);
    fp2_add(&u, y, z);                   // 2YZ = (Y + Z)² − Y² − Z²
    fp2_sqr(&h, &u);
    fp2_sub(&h, &h, &b);
    fp2_sub(&h, &h, &c);
    fp2_sqr(&j, x);
    fp2_add(&g, &b, &f9);
    fp2_sqr(&ee, &e);
    fp2_sub(&u, &b, &f9);                // X3 = 2XY(Y² − 9b'Z²)
    fp2_mul(x, &xy, &u);
    fp2_dbl(x, x);
    fp2_dbl(&u, &ee);                    // Y3 = (Y² + 9b'Z²)² − 12(3b'Z²)²
    fp2_add(&u, &u, &ee);
    fp2_dbl(&u, &u);
    fp2_dbl(&u, &u);
    fp2_sqr(y, &g);
    fp2_sub(y, y, &u);
    fp2_mul(z, &b, &h);                  // Z3 = 8Y³Z
    fp2_dbl(z, z);
    fp2_dbl(z, z);
    fp2_sub(&l0, &e, &b);                // the line: 3b'Z² − Y², 3X²·x_P, −2YZ·y_P
    fp2_dbl(&l1, &j);
    fp2_add(&l1, &l1, &j);
    fp2_neg(&h, &h);
    evaluate_line((fp12 *)f, &l0, &l1, &h, (const fp *)px, (const fp *)py);
}

// (a·b − c·d) with one pair of reductions (Fp2.differenceOfProducts).
INLINE void fp2_diff_of_products(fp2 *r, const fp2 *a, const fp2 *b, const fp2 *c, const fp2 *d) {
    fp2w s, t;
    fp2_mul_wide(&s, a, b);
    fp2_mul_wide(&t, c, d);
    fp2w_sub(&s, &s, &t);
    fp2_redc(r, &s);
}

// T ← T + Q for an affine Q, and f ← f·(the chord)(P), as MillerG2.additionStep: with
// θ = Y − y_Q·Z and λ = X − x_Q·Z, the line (θ·x_Q − λ·y_Q, −θ·x_P, λ·y_P).
void vring_g2_miller_add(void *t, void *f, const void *qx, const void *qy, const void *px, const void *py) {
    fp2 *x = (fp2 *)t, *y = x + 1, *z = x + 2;
    const fp2 *xq = (const fp2 *)qx, *yq = (const fp2 *)qy;
    fp2 theta, lambda, c, d, e, ff, g, h, u, l0;
    fp2_mul(&u, yq, z);
    fp2_sub(&theta, y, &u);
    fp2_mul(&u, xq, z);
    fp2_sub(&lambda, x, &u);
    fp2_sqr(&c, &theta);
    fp2_sqr(&d, &lambda);
    fp2_mul(&e, &lambda, &d);
    fp2_mul(&ff, z, &c);
    fp2_mul(&g, x, &d);
    fp2_add(&h, &e, &ff);
    fp2_dbl(&u, &g);
    fp2_sub(&h, &h, &u);
    fp2_mul(x, &lambda, &h);
    fp2_sub(&u, &g, &h);
    fp2_diff_of_products(y, &theta, &u, &e, y);
    fp2_mul(z, z, &e);
    fp2_diff_of_products(&l0, &theta, xq, &lambda, yq);
    fp2_neg(&theta, &theta);
    evaluate_line((fp12 *)f, &l0, &theta, &lambda, (const fp *)px, (const fp *)py);
}

// MARK: Jacobian doubling (JacobianPoint.doubled, dbl-2009-l for a = 0: 2M + 5S), in place on
// (X, Y, Z). Variable-time callers only (public points), but branch-free all the same.

INLINE void fp_sqr(fp *r, const fp *a) { vring_fp_sqr_mont(r, a); }
INLINE void fp_dbl(fp *r, const fp *a) { fp_add(r, a, a); }

void vring_g1_jacobian_double(void *p) {
    fp *x = (fp *)p, *y = x + 1, *z = x + 2;
    fp a, b, c, d, e, f, t;
    fp_sqr(&a, x);
    fp_sqr(&b, y);
    fp_sqr(&c, &b);
    fp_add(&t, x, &b);                   // D = 2((X + B)² − A − C)
    fp_sqr(&d, &t);
    fp_sub(&d, &d, &a);
    fp_sub(&d, &d, &c);
    fp_dbl(&d, &d);
    fp_dbl(&e, &a);                      // E = 3A
    fp_add(&e, &e, &a);
    fp_sqr(&f, &e);
    fp_mul(&t, y, z);                    // Z3 = 2YZ
    fp_dbl(z, &t);
    fp_dbl(&t, &d);                      // X3 = F − 2D
    fp_sub(x, &f, &t);
    fp_sub(&t, &d, x);                   // Y3 = E(D − X3) − 8C
    fp_mul(y, &e, &t);
    fp_dbl(&c, &c);
    fp_dbl(&c, &c);
    fp_dbl(&c, &c);
    fp_sub(y, y, &c);
}

void vring_g2_jacobian_double(void *p) {
    fp2 *x = (fp2 *)p, *y = x + 1, *z = x + 2;
    fp2 a, b, c, d, e, f, t;
    fp2_sqr(&a, x);
    fp2_sqr(&b, y);
    fp2_sqr(&c, &b);
    fp2_add(&t, x, &b);
    fp2_sqr(&d, &t);
    fp2_sub(&d, &d, &a);
    fp2_sub(&d, &d, &c);
    fp2_dbl(&d, &d);
    fp2_dbl(&e, &a);
    fp2_add(&e, &e, &a);
    fp2_sqr(&f, &e);
    fp2_mul(&t, y, z);
    fp2_dbl(z, &t);
    fp2_dbl(&t, &d);
    fp2_sub(x, &f, &t);
    fp2_sub(&t, &d, x);
    fp2_mul(y, &e, &t);
    fp2_dbl(&c, &c);
    fp2_dbl(&c, &c);
    fp2_dbl(&c, &c);
    fp2_sub(y, y, &c);
}

// MARK: complete projective addition and doubling (ProjectivePoint + and doubled: Renes–Costello–
// Batina 2016, Algorithms 7 and 9 for a = 0), the constant-time scalar multiplications' steps.
// Branch-free, on (X, Y, Z); r may alias the operands (it is written last).

// 3b·t: G1 b = 4, so 12t; G2 b' = 4(1 + u), so 12ξt.
INLINE void b3_g1(fp *r, const fp *t) { fp u; fp_dbl(&u, t); fp_dbl(&u, &u); fp_dbl(r, &u); fp_add(r, r, &u); }
INLINE void b3_g2(fp2 *r, const fp2 *t) { fp2 u; fp2_mul_xi(&u, t); fp2_dbl(&u, &u); fp2_dbl(&u, &u); fp2_dbl(r, &u); fp2_add(r, r, &u); }

// a·b ± c·d with one reduction (FieldElement.sumOfProducts / differenceOfProducts).
INLINE void sop_g1(fp *r, const fp *a, const fp *b, const fp *c, const fp *d) {
    fpw s, t; fp_mul_wide(&s, a, b); fp_mul_wide(&t, c, d); fpw_add_plain(&s, &s, &t); fp_redc(r, &s);
}
INLINE void dop_g1(fp *r, const fp *a, const fp *b, const fp *c, const fp *d) {
    fpw s, t; fp_mul_wide(&s, a, b); fp_mul_wide(&t, c, d); fpw_sub(&s, &s, &t); fp_redc(r, &s);
}
INLINE void sop_g2(fp2 *r, const fp2 *a, const fp2 *b, const fp2 *c, const fp2 *d) {
    fp2w s, t; fp2_mul_wide(&s, a, b); fp2_mul_wide(&t, c, d); fp2w_add(&s, &s, &t); fp2_redc(r, &s);
}
INLINE void dop_g2(fp2 *r, const fp2 *a, const fp2 *b, const fp2 *c, const fp2 *d) {
    fp2_diff_of_products(r, a, b, c, d);
}

#define PROJECTIVE_STEPS(G, F, MUL, SQR, ADD, SUB, DBL)                                          \
void vring_##G##_projective_add(void *r, const void *pp, const void *qq) {                    \
    const F *p = (const F *)pp, *q = (const F *)qq;                                            \
    F t0, t1, t2, t3, t4, x3, y3, z3, u;                                                       \
    MUL(&t0, &p[0], &q[0]);                                                                    \
    MUL(&t1, &p[1], &q[1]);                                                                    \
    MUL(&t2, &p[2], &q[2]);                                                                    \
    ADD(&t3, &p[0], &p[1]);                                                                    \
    ADD(&t4, &q[0], &q[1]);                                                                    \
    MUL(&u, &t3, &t4);                                                                         \
    ADD(&t4, &t0, &t1);                                                                        \
    SUB(&t3, &u, &t4);                                                                         \
    ADD(&t4, &p[1], &p[2]);                                                                    \
    ADD(&x3, &q[1], &q[2]);                                                                    \
    MUL(&u, &t4, &x3);                                                                         \
    ADD(&x3, &t1, &t2);                                                                        \
    SUB(&t4, &u, &x3);                                                                         \
    ADD(&x3, &p[0], &p[2]);                                                                    \
    ADD(&y3, &q[0], &q[2]);                                                                    \
    MUL(&u, &x3, &y3);                                                                         \
    ADD(&y3, &t0, &t2);                                                                        \
    SUB(&y3, &u, &y3);                                                                         \
    DBL(&x3, &t0);                                                                             \
    ADD(&t0, &x3, &t0);                                                                        \
    b3_##G(&u, &t2);                                                                           \
    ADD(&z3, &t1, &u);                                                                         \
    SUB(&t1, &t1, &u);                                                                         \
    b3_##G(&y3, &y3);                                                                          \
    F *o = (F *)r;                                                                             \
    F rx, ry, rz;                                                                              \
    dop_##G(&rx, &t3, &t1, &t4, &y3);                                                          \
    sop_##G(&ry, &t1, &z3, &y3, &t0);                                                          \
    sop_##G(&rz, &z3, &t4, &t0, &t3);                                                          \
    o[0] = rx; o[1] = ry; o[2] = rz;                                                           \
}                                                                                              \
void vring_##G##_projective_double(void *r, const void *pp) {                                 \
    const F *p = (const F *)pp;                                                                \
    F t0, y8, t2, u, v, z3, d, y3, x3;                                                         \
    SQR(&t0, &p[1]);                                                                           \
    DBL(&y8, &t0);                                                                             \
    DBL(&y8, &y8);                                                                             \
    DBL(&y8, &y8);                                     /* 8Y² */                               \
    SQR(&u, &p[2]);                                                                            \
    b3_##G(&t2, &u);                                   /* 3bZ² */                              \
    MUL(&u, &p[1], &p[2]);                                                                     \
    MUL(&z3, &u, &y8);                                                                         \
    DBL(&u, &t2);                                                                              \
    ADD(&u, &u, &t2);                                                                          \
    SUB(&d, &t0, &u);                                  /* Y² − 9bZ² */                         \
    ADD(&v, &t0, &t2);                                                                         \
    sop_##G(&y3, &t2, &y8, &d, &v);                                                            \
    MUL(&u, &p[0], &p[1]);                                                                     \
    MUL(&v, &d, &u);                                                                           \
    DBL(&x3, &v);                                                                              \
    F *o = (F *)r;                                                                             \
    o[0] = x3; o[1] = y3; o[2] = z3;                                                           \
}

PROJECTIVE_STEPS(g1, fp, fp_mul, fp_sqr, fp_add, fp_sub, fp_dbl)
PROJECTIVE_STEPS(g2, fp2, fp2_mul, fp2_sqr, fp2_add, fp2_sub, fp2_dbl)
