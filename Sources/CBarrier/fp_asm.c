// Chooses between the x86-64 BMI2/ADX kernels (fp_x86_64.S) and the portable Swift field code,
// once, before main (see vring_fp_asm.h).
#include "vring_fp_asm.h"
#include <stdlib.h>
#include <string.h>

int vring_fp_asm_flag = 0;

#if defined(__x86_64__) && defined(__ELF__)
#include <cpuid.h>

static int forced(void) {
    const char *v = getenv("VRING_FIELD");
    return v != NULL && strcmp(v, "adx") == 0;
}

static int cpu_has_bmi2_adx(void) {
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    (void)a; (void)c; (void)d;
    return (b & (1u << 8)) != 0 && (b & (1u << 19)) != 0;  // EBX bit 8: BMI2, bit 19: ADX
}

int vring_fp_asm_supported(void) { return cpu_has_bmi2_adx() || forced(); }

__attribute__((constructor)) static void vring_fp_asm_init(void) {
    const char *v = getenv("VRING_FIELD");
    int portable = v != NULL && strcmp(v, "portable") == 0;
    vring_fp_asm_flag = !portable && vring_fp_asm_supported();
}

#else
// No kernels on this architecture: the flag stays 0 and these are never called.
int vring_fp_asm_supported(void) { return 0; }
void vring_fp_mul_mont(void *r, const void *a, const void *b) { (void)r; (void)a; (void)b; abort(); }
void vring_fp_mul_wide(void *r, const void *a, const void *b) { (void)r; (void)a; (void)b; abort(); }
void vring_fp_sqr_mont(void *r, const void *a) { (void)r; (void)a; abort(); }
void vring_fp_sqr_wide(void *r, const void *a) { (void)r; (void)a; abort(); }
void vring_fp_redc(void *r, const void *t) { (void)r; (void)t; abort(); }
void vring_fp2_mul_wide(void *r, const void *a, const void *b) { (void)r; (void)a; (void)b; abort(); }
void vring_fp2_redc(void *r, const void *t) { (void)r; (void)t; abort(); }
void vring_fp2_mul_mont(void *r, const void *a, const void *b) { (void)r; (void)a; (void)b; abort(); }
void vring_fp2_sqr_mont(void *r, const void *a) { (void)r; (void)a; abort(); }
void vring_fp2_sqr_wide(void *r, const void *a) { (void)r; (void)a; abort(); }
#endif

int vring_fp_asm_select(int on) {
    vring_fp_asm_flag = on && vring_fp_asm_supported();
    return vring_fp_asm_flag;
}
