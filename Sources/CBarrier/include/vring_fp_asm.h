// The x86-64 BMI2/ADX field kernels (fp_x86_64.S) and the switch that selects them.
//
// Fp's products call these when `vring_fp_asm_enabled()` is 1: on an x86-64 CPU whose CPUID
// reports BMI2 and ADX, unless the environment variable VRING_FIELD=portable asks for the
// portable Swift code. VRING_FIELD=adx forces them on without asking CPUID (valgrind's
// emulated CPUID hides ADX although it executes the instructions; `vring ct-check` uses this to
// check the kernels under memcheck). Everywhere else (other CPUs, AArch64) the flag is 0, the
// Swift twin runs, and the stubs in fp_asm.c are never reached.
#ifndef VRING_FP_ASM_H
#define VRING_FP_ASM_H
#include <stdint.h>

extern int vring_fp_asm_flag;

/// 1 when Fp's products use the assembly kernels.
static inline __attribute__((always_inline)) int vring_fp_asm_enabled(void) { return vring_fp_asm_flag; }

/// 1 when this build has the kernels and the CPU reports BMI2 and ADX.
int vring_fp_asm_supported(void);

/// Selects the kernels (on = 1, only if supported or forced) or the portable code (on = 0);
/// returns the resulting flag. For tests and benchmarks that compare the two.
int vring_fp_asm_select(int on);

/// r = a*b*2^-384 mod p (fully reduced), for a, b below 2p; limbs little-endian, Montgomery form.
void vring_fp_mul_mont(void *r, const void *a, const void *b);
/// r (12 limbs) = a*b, for a, b below 2^384.
void vring_fp_mul_wide(void *r, const void *a, const void *b);
/// r = a^2*2^-384 mod p (fully reduced), for a below 2p: 21 multiplications for the square.
void vring_fp_sqr_mont(void *r, const void *a);
/// r (12 limbs) = a^2, for a below 2^383.
void vring_fp_sqr_wide(void *r, const void *a);
/// r = t*2^-384 mod p (fully reduced), for t (12 limbs) below p*2^384.
void vring_fp_redc(void *r, const void *t);
/// Fp2 = Fp[u]/(u^2 + 1), coefficients (c0, c1) of 6 limbs each, below p, Montgomery form.
/// r (24 limbs) = (a0b0 - a1b1 brought into [0, p*2^384), a0b1 + a1b0), by Karatsuba.
void vring_fp2_mul_wide(void *r, const void *a, const void *b);
/// r (12 limbs) = both halves of t (24 limbs, each below p*2^384) Montgomery-reduced.
void vring_fp2_redc(void *r, const void *t);
/// r = a*b in Fp2 (Karatsuba, two reductions), fully reduced.
void vring_fp2_mul_mont(void *r, const void *a, const void *b);
/// r = a^2 in Fp2 as ((a0 + a1)(a0 - a1), 2a0a1), fully reduced.
void vring_fp2_sqr_mont(void *r, const void *a);
/// r (24 limbs) = the same two products unreduced: ((a0 + a1)(a0 - a1), 2a0*a1).
void vring_fp2_sqr_wide(void *r, const void *a);


// The tower over these kernels (fp_tower.c), the twins of the Swift Fp6/Fp12 products: operands
// fully reduced, results fully reduced; r may alias the operands.
/// r = a*b in Fp6 (lazy Karatsuba, 6 reductions).
void vring_fp6_mul(void *r, const void *a, const void *b);
/// r = a*b in Fp12 (Karatsuba over Fp6, 12 reductions).
void vring_fp12_mul(void *r, const void *a, const void *b);
/// r = a^2 in Fp12 (complex squaring).
void vring_fp12_sqr(void *r, const void *a);
/// r = a*(l0 + l1*v + l4*v*w), the sparse product with a line of the Miller loop.
void vring_fp12_mul_by_014(void *r, const void *a, const void *l0, const void *l1, const void *l4);
/// r = a^2 for a in the cyclotomic subgroup (Granger–Scott).
void vring_fp12_cyclotomic_sqr(void *r, const void *a);
/// Karabina's compressed square of (g2, g3, g4, g5) (four Fp2 values, 48 limbs), in place.
void vring_fp12_karabina_sqr(void *g);
/// The Miller loop's doubling step: T = (X, Y, Z) (three Fp2) doubled, f (Fp12) multiplied by
/// the tangent at T evaluated at P = (px, py) (Fp).
void vring_g2_miller_double(void *t, void *f, const void *px, const void *py);
/// The addition step: T += Q = (qx, qy) (Fp2), f multiplied by the chord evaluated at P.
void vring_g2_miller_add(void *t, void *f, const void *qx, const void *qy, const void *px, const void *py);
/// Jacobian doubling in place of (X, Y, Z) on G1 (three Fp) and on G2 (three Fp2).
void vring_g1_jacobian_double(void *p);
void vring_g2_jacobian_double(void *p);
/// Complete projective addition r = p + q and doubling r = 2p (RCB16), (X, Y, Z) on G1 (Fp)
/// and G2 (Fp2); constant time; r may alias the operands.
void vring_g1_projective_add(void *r, const void *p, const void *q);
void vring_g1_projective_double(void *r, const void *p);
void vring_g2_projective_add(void *r, const void *p, const void *q);
void vring_g2_projective_double(void *r, const void *p);

#endif
