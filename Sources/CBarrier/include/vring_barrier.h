// An optimisation barrier for constant-time code (the technique of BoringSSL's
// value_barrier_w and blst's launder). The empty assembly statement claims to read and rewrite
// x, so the compiler can no longer prove anything about the returned value: a mask built from a
// secret bit and passed through here stays an all-ones/all-zeros word that code must AND with,
// instead of becoming a `select` the optimiser may lower to a branch or a skipped load. Emits no
// instruction. Header-only and `static inline`, so Swift inlines it.
#ifndef VRING_BARRIER_H
#define VRING_BARRIER_H
#include <stdint.h>
#include "vring_fp_asm.h"

static inline __attribute__((always_inline)) uint64_t vring_value_barrier(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    __asm__ __volatile__("" : "+r"(x));
#endif
    return x;
}

// The modulus p of BLS12-381's base field and -p^-1 mod 2^64, as data the Swift compiler cannot
// see into (defined in barrier.c, not here). Fp's arithmetic reads its constants from here
// instead of from literals: x86-64's `mul` cannot take a 64-bit immediate, so a literal costs a
// `movabs` into a register before every one of the 36 reduction multiplies of a product, while a
// constant in memory is read by the `mul` itself (fp_mul 620 -> 580 instructions); on AArch64 a
// literal is four `movz`/`movk` against one `ldp` for two limbs. Checked against p by
// BLS12381Tests.testModulusInMemory; scripts/gen_constants.py writes the values.
extern const uint64_t vring_fp_modulus[6];
extern const uint64_t vring_fp_inv;


// Constant-time checking under valgrind's memcheck (the "ctgrind" technique): memory marked
// secret is "undefined" to memcheck, which then reports every branch and every memory address
// that depends on it. `vring ct-check` marks its secrets so; production code marks as public
// only values that are independent of secrets by construction (a blinded product) or whose
// revelation is the documented exception (a negligible-probability fallback). Outside valgrind
// these are a few no-op instructions; without valgrind's headers at build time, nothing.
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define VRING_HAVE_MEMCHECK 1
#endif
#endif

static inline void vring_ct_mark_secret(const void *p, unsigned long n) {
#ifdef VRING_HAVE_MEMCHECK
    (void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
    (void)p; (void)n;
#endif
}

static inline void vring_ct_mark_public(const void *p, unsigned long n) {
#ifdef VRING_HAVE_MEMCHECK
    (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
    (void)p; (void)n;
#endif
}

/// 1 when running under valgrind with the client requests compiled in, else 0.
static inline int vring_ct_checking_available(void) {
#ifdef VRING_HAVE_MEMCHECK
    return RUNNING_ON_VALGRIND ? 1 : 0;
#else
    return 0;
#endif
}

#endif
