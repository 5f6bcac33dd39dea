// Montgomery arithmetic modulo BLS12-381's p for x86-64 with BMI2 (mulx) and ADX (adcx/adox):
// the three kernels under every Fp product (Montgomery product, 6x6-limb wide product, Montgomery
// reduction of a wide value). Written for this project. `mulx` leaves the flags alone and writes
// any two registers, and `adcx`/`adox` carry through CF and OF separately, so each row adds its
// low words on one carry chain and its high words on another, with no moves around `mul`'s fixed
// rax:rdx and no reloads: what LLVM cannot emit for the baseline x86-64 that Swift targets.
//
// Branch-free; every memory address is fixed (constant time). Used only when CPUID reports BMI2
// and ADX (fp_asm.c); the portable twin is the Swift code in Fp.swift / FpWide.swift, which runs
// on every other CPU and architecture and is checked against these on random and edge inputs
// (BLS12381Tests, FieldKernelTests).
#if defined(__x86_64__) && defined(__ELF__)

        .section .rodata
        .p2align 6
.Lp:
        .quad 0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624
        .quad 0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a
.Ln0:
        .quad 0x89f3fffcfffcfffd

        .text

// t1..t6 += a * rdx, new top word in t7 (zeroed here); a at (%rsi). Clobbers rax, rbx.
.macro MULROW t1, t2, t3, t4, t5, t6, t7
        xorl    \t7\()d, \t7\()d
        mulxq   (%rsi), %rax, %rbx
        adcxq   %rax, \t1
        adoxq   %rbx, \t2
        mulxq   8(%rsi), %rax, %rbx
        adcxq   %rax, \t2
        adoxq   %rbx, \t3
        mulxq   16(%rsi), %rax, %rbx
        adcxq   %rax, \t3
        adoxq   %rbx, \t4
        mulxq   24(%rsi), %rax, %rbx
        adcxq   %rax, \t4
        adoxq   %rbx, \t5
        mulxq   32(%rsi), %rax, %rbx
        adcxq   %rax, \t5
        adoxq   %rbx, \t6
        mulxq   40(%rsi), %rax, %rbx
        adcxq   %rax, \t6
        adoxq   %rbx, \t7
        movl    $0, %eax
        adcxq   %rax, \t7
.endm

// First row: t0..t6 = a * rdx.
.macro FIRSTROW t0, t1, t2, t3, t4, t5, t6
        mulxq   (%rsi), \t0, \t1
        mulxq   8(%rsi), %rax, \t2
        addq    %rax, \t1
        mulxq   16(%rsi), %rax, \t3
        adcq    %rax, \t2
        mulxq   24(%rsi), %rax, \t4
        adcq    %rax, \t3
        mulxq   32(%rsi), %rax, \t5
        adcq    %rax, \t4
        mulxq   40(%rsi), %rax, \t6
        adcq    %rax, \t5
        adcq    $0, \t6
.endm

// One Montgomery step on the window t0..t6: t += m*p with m = t0 * n0 mod 2^64, which zeroes t0;
// the result is t1..t6 (it fits: the caller's bounds keep it below 2^384). Clobbers rax, rbx, rdx.
.macro REDSTEP t0, t1, t2, t3, t4, t5, t6
        movq    \t0, %rdx
        imulq   .Ln0(%rip), %rdx
        xorl    %eax, %eax
        mulxq   .Lp(%rip), %rax, %rbx
        adcxq   %rax, \t0
        adoxq   %rbx, \t1
        mulxq   .Lp+8(%rip), %rax, %rbx
        adcxq   %rax, \t1
        adoxq   %rbx, \t2
        mulxq   .Lp+16(%rip), %rax, %rbx
        adcxq   %rax, \t2
        adoxq   %rbx, \t3
        mulxq   .Lp+24(%rip), %rax, %rbx
        adcxq   %rax, \t3
        adoxq   %rbx, \t4
        mulxq   .Lp+32(%rip), %rax, %rbx
        adcxq   %rax, \t4
        adoxq   %rbx, \t5
        mulxq   .Lp+40(%rip), %rax, %rbx
        adcxq   %rax, \t5
        adoxq   %rbx, \t6
        movl    $0, %eax
        adcxq   %rax, \t6
.endm

// (%rdi) = v - p if v >= p else v, for v = v0..v5 below 2p; s0..s5 are scratch.
.macro FINALSUB v0, v1, v2, v3, v4, v5, s0, s1, s2, s3, s4, s5
        movq    \v0, \s0
        movq    \v1, \s1
        movq    \v2, \s2
        movq    \v3, \s3
        movq    \v4, \s4
        movq    \v5, \s5
        subq    .Lp(%rip), \s0
        sbbq    .Lp+8(%rip), \s1
        sbbq    .Lp+16(%rip), \s2
        sbbq    .Lp+24(%rip), \s3
        sbbq    .Lp+32(%rip), \s4
        sbbq    .Lp+40(%rip), \s5
        cmovcq  \v0, \s0
        cmovcq  \v1, \s1
        cmovcq  \v2, \s2
        cmovcq  \v3, \s3
        cmovcq  \v4, \s4
        cmovcq  \v5, \s5
        movq    \s0, (%rdi)
        movq    \s1, 8(%rdi)
        movq    \s2, 16(%rdi)
        movq    \s3, 24(%rdi)
        movq    \s4, 32(%rdi)
        movq    \s5, 40(%rdi)
.endm

.macro PROLOGUE
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
.endm
.macro EPILOGUE
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret
.endm

// Internal bodies, called with `call` from the exported functions below. Arguments: %rdi the
// result, %rsi the first operand, %rcx the second; they preserve %rdi, %rsi, %rcx and %rbp and
// clobber rax, rbx, rdx, rbp, r8-r15 (the exported wrappers save the callee-saved ones).

// (%rdi) = (%rsi)*(%rcx)*2^-384 mod p, fully reduced, for operands below 2p (CIOS, one
// Montgomery step per row; every intermediate stays below 2^384 + 2^448, the result below 1.5p).
        .p2align 5
.Lmul_mont_body:
        movq    (%rcx), %rdx
        FIRSTROW %r8, %r9, %r10, %r11, %r12, %r13, %r14
        REDSTEP  %r8, %r9, %r10, %r11, %r12, %r13, %r14
        movq    8(%rcx), %rdx
        MULROW   %r9, %r10, %r11, %r12, %r13, %r14, %r8
        REDSTEP  %r9, %r10, %r11, %r12, %r13, %r14, %r8
        movq    16(%rcx), %rdx
        MULROW   %r10, %r11, %r12, %r13, %r14, %r8, %r9
        REDSTEP  %r10, %r11, %r12, %r13, %r14, %r8, %r9
        movq    24(%rcx), %rdx
        MULROW   %r11, %r12, %r13, %r14, %r8, %r9, %r10
        REDSTEP  %r11, %r12, %r13, %r14, %r8, %r9, %r10
        movq    32(%rcx), %rdx
        MULROW   %r12, %r13, %r14, %r8, %r9, %r10, %r11
        REDSTEP  %r12, %r13, %r14, %r8, %r9, %r10, %r11
        movq    40(%rcx), %rdx
        MULROW   %r13, %r14, %r8, %r9, %r10, %r11, %r12
        REDSTEP  %r13, %r14, %r8, %r9, %r10, %r11, %r12
        FINALSUB %r14, %r8, %r9, %r10, %r11, %r12, %rax, %rbx, %rdx, %r15, %r13, %rbp
        ret

// (%rdi), 12 limbs = (%rsi)*(%rcx), operands below 2^384 (schoolbook rows).
        .p2align 5
.Lmul_wide_body:
        movq    (%rcx), %rdx
        FIRSTROW %r8, %r9, %r10, %r11, %r12, %r13, %r14
        movq    %r8, (%rdi)
        movq    8(%rcx), %rdx
        MULROW   %r9, %r10, %r11, %r12, %r13, %r14, %r15
        movq    %r9, 8(%rdi)
        movq    16(%rcx), %rdx
        MULROW   %r10, %r11, %r12, %r13, %r14, %r15, %r8
        movq    %r10, 16(%rdi)
        movq    24(%rcx), %rdx
        MULROW   %r11, %r12, %r13, %r14, %r15, %r8, %r9
        movq    %r11, 24(%rdi)
        movq    32(%rcx), %rdx
        MULROW   %r12, %r13, %r14, %r15, %r8, %r9, %r10
        movq    %r12, 32(%rdi)
        movq    40(%rcx), %rdx
        MULROW   %r13, %r14, %r15, %r8, %r9, %r10, %r11
        movq    %r13, 40(%rdi)
        movq    %r14, 48(%rdi)
        movq    %r15, 56(%rdi)
        movq    %r8, 64(%rdi)
        movq    %r9, 72(%rdi)
        movq    %r10, 80(%rdi)
        movq    %r11, 88(%rdi)
        ret

// (%rdi) = (%rsi)*2^-384 mod p, fully reduced, for a 12-limb value below p*2^384. The low half
// is reduced alone (u <= p), then the high half added: below 2p, one conditional subtraction.
        .p2align 5
.Lredc_body:
        movq    (%rsi), %r8
        movq    8(%rsi), %r9
        movq    16(%rsi), %r10
        movq    24(%rsi), %r11
        movq    32(%rsi), %r12
        movq    40(%rsi), %r13
        xorl    %r14d, %r14d
        REDSTEP  %r8, %r9, %r10, %r11, %r12, %r13, %r14
        xorl    %r8d, %r8d
        REDSTEP  %r9, %r10, %r11, %r12, %r13, %r14, %r8
        xorl    %r9d, %r9d
        REDSTEP  %r10, %r11, %r12, %r13, %r14, %r8, %r9
        xorl    %r10d, %r10d
        REDSTEP  %r11, %r12, %r13, %r14, %r8, %r9, %r10
        xorl    %r11d, %r11d
        REDSTEP  %r12, %r13, %r14, %r8, %r9, %r10, %r11
        xorl    %r12d, %r12d
        REDSTEP  %r13, %r14, %r8, %r9, %r10, %r11, %r12
        addq    48(%rsi), %r14
        adcq    56(%rsi), %r8
        adcq    64(%rsi), %r9
        adcq    72(%rsi), %r10
        adcq    80(%rsi), %r11
        adcq    88(%rsi), %r12
        FINALSUB %r14, %r8, %r9, %r10, %r11, %r12, %rax, %rbx, %rdx, %r15, %r13, %rbp
        ret

// (%rdi), 12 limbs = (%rsi)^2 for an operand below 2^383: the 15 cross products a_i*a_j (i < j)
// row by row on two carry chains into t1..t10 = rcx, rbp, r8-r15, then one pass that doubles
// them (adcx chain) and adds the squares a_i^2 (adox chain), storing each finished word: 21
// multiplications instead of 36. Also clobbers rcx.
        .p2align 5
.Lsqr_wide_body:
        movq    (%rsi), %rdx                    // row a0 * (a1..a5) -> t1..t6
        mulxq   8(%rsi), %rcx, %rbp
        mulxq   16(%rsi), %rax, %r8
        addq    %rax, %rbp
        mulxq   24(%rsi), %rax, %r9
        adcq    %rax, %r8
        mulxq   32(%rsi), %rax, %r10
        adcq    %rax, %r9
        mulxq   40(%rsi), %rax, %r11
        adcq    %rax, %r10
        adcq    $0, %r11
        movq    8(%rsi), %rdx                   // row a1 * (a2..a5) -> t3..t7
        xorl    %r12d, %r12d
        mulxq   16(%rsi), %rax, %rbx
        adcxq   %rax, %r8
        adoxq   %rbx, %r9
        mulxq   24(%rsi), %rax, %rbx
        adcxq   %rax, %r9
        adoxq   %rbx, %r10
        mulxq   32(%rsi), %rax, %rbx
        adcxq   %rax, %r10
        adoxq   %rbx, %r11
        mulxq   40(%rsi), %rax, %rbx
        adcxq   %rax, %r11
        adoxq   %rbx, %r12
        movl    $0, %eax
        adcxq   %rax, %r12
        movq    16(%rsi), %rdx                  // row a2 * (a3..a5) -> t5..t8
        xorl    %r13d, %r13d
        mulxq   24(%rsi), %rax, %rbx
        adcxq   %rax, %r10
        adoxq   %rbx, %r11
        mulxq   32(%rsi), %rax, %rbx
        adcxq   %rax, %r11
        adoxq   %rbx, %r12
        mulxq   40(%rsi), %rax, %rbx
        adcxq   %rax, %r12
        adoxq   %rbx, %r13
        movl    $0, %eax
        adcxq   %rax, %r13
        movq    24(%rsi), %rdx                  // row a3 * (a4, a5) -> t7..t9
        xorl    %r14d, %r14d
        mulxq   32(%rsi), %rax, %rbx
        adcxq   %rax, %r12
        adoxq   %rbx, %r13
        mulxq   40(%rsi), %rax, %rbx
        adcxq   %rax, %r13
        adoxq   %rbx, %r14
        movl    $0, %eax
        adcxq   %rax, %r14
        movq    32(%rsi), %rdx                  // a4 * a5 -> t9, t10
        mulxq   40(%rsi), %rax, %r15
        addq    %rax, %r14
        adcq    $0, %r15
        movq    (%rsi), %rdx                    // 2*cross + squares, word by word
        mulxq   %rdx, %rax, %rbx
        movq    %rax, (%rdi)
        xorl    %eax, %eax                      // clears CF and OF
        adcxq   %rcx, %rcx
        adoxq   %rbx, %rcx
        movq    %rcx, 8(%rdi)
        movq    8(%rsi), %rdx
        mulxq   %rdx, %rax, %rbx
        adcxq   %rbp, %rbp
        adoxq   %rax, %rbp
        movq    %rbp, 16(%rdi)
        adcxq   %r8, %r8
        adoxq   %rbx, %r8
        movq    %r8, 24(%rdi)
        movq    16(%rsi), %rdx
        mulxq   %rdx, %rax, %rbx
        adcxq   %r9, %r9
        adoxq   %rax, %r9
        movq    %r9, 32(%rdi)
        adcxq   %r10, %r10
        adoxq   %rbx, %r10
        movq    %r10, 40(%rdi)
        movq    24(%rsi), %rdx
        mulxq   %rdx, %rax, %rbx
        adcxq   %r11, %r11
        adoxq   %rax, %r11
        movq    %r11, 48(%rdi)
        adcxq   %r12, %r12
        adoxq   %rbx, %r12
        movq    %r12, 56(%rdi)
        movq    32(%rsi), %rdx
        mulxq   %rdx, %rax, %rbx
        adcxq   %r13, %r13
        adoxq   %rax, %r13
        movq    %r13, 64(%rdi)
        adcxq   %r14, %r14
        adoxq   %rbx, %r14
        movq    %r14, 72(%rdi)
        movq    40(%rsi), %rdx
        mulxq   %rdx, %rax, %rbx
        adcxq   %r15, %r15
        adoxq   %rax, %r15
        movq    %r15, 80(%rdi)
        movl    $0, %ecx                        // t11 = the doubling's carry + hi(a5^2) + carry
        adcxq   %rcx, %rcx
        adoxq   %rbx, %rcx
        movq    %rcx, 88(%rdi)
        ret

// dst (6 limbs) = x + y, no reduction (below 2^382 for x, y below 2^381). Clobbers rax.
.macro ADD6 dst, x, y
        movq    \x, %rax
        addq    \y, %rax
        movq    %rax, \dst
        movq    8+\x, %rax
        adcq    8+\y, %rax
        movq    %rax, 8+\dst
        movq    16+\x, %rax
        adcq    16+\y, %rax
        movq    %rax, 16+\dst
        movq    24+\x, %rax
        adcq    24+\y, %rax
        movq    %rax, 24+\dst
        movq    32+\x, %rax
        adcq    32+\y, %rax
        movq    %rax, 32+\dst
        movq    40+\x, %rax
        adcq    40+\y, %rax
        movq    %rax, 40+\dst
.endm

// dst (n limbs, n = 6 or 12) -= src, the borrow left in CF. One register, so flags survive the
// moves. Clobbers rax.
.macro SUBLIMB k, dst, src, op
        movq    \k+\dst, %rax
        \op     \k+\src, %rax
        movq    %rax, \k+\dst
.endm
.macro SUB6 dst, src
        SUBLIMB 0, \dst, \src, subq
        SUBLIMB 8, \dst, \src, sbbq
        SUBLIMB 16, \dst, \src, sbbq
        SUBLIMB 24, \dst, \src, sbbq
        SUBLIMB 32, \dst, \src, sbbq
        SUBLIMB 40, \dst, \src, sbbq
.endm
.macro SUB12 dst, src
        SUB6    \dst, \src
        SUBLIMB 48, \dst, \src, sbbq
        SUBLIMB 56, \dst, \src, sbbq
        SUBLIMB 64, \dst, \src, sbbq
        SUBLIMB 72, \dst, \src, sbbq
        SUBLIMB 80, \dst, \src, sbbq
        SUBLIMB 88, \dst, \src, sbbq
.endm

// dst (6 limbs) += p masked by the borrow in CF (all-ones when it is set): the mask first, as
// `and` clears CF. Clobbers rbx, r8-r13.
.macro ADDP_IF_BORROW dst
        sbbq    %rbx, %rbx
        movq    .Lp(%rip), %r8
        movq    .Lp+8(%rip), %r9
        movq    .Lp+16(%rip), %r10
        movq    .Lp+24(%rip), %r11
        movq    .Lp+32(%rip), %r12
        movq    .Lp+40(%rip), %r13
        andq    %rbx, %r8
        andq    %rbx, %r9
        andq    %rbx, %r10
        andq    %rbx, %r11
        andq    %rbx, %r12
        andq    %rbx, %r13
        addq    %r8, \dst
        adcq    %r9, 8+\dst
        adcq    %r10, 16+\dst
        adcq    %r11, 24+\dst
        adcq    %r12, 32+\dst
        adcq    %r13, 40+\dst
.endm

// Karatsuba Fp2 wide product: (%rdi) 24 limbs = (r0, r1) with r0 = a0b0 - a1b1 (plus p*2^384
// when negative: in [0, p*2^384)) and r1 = (a0 + a1)(b0 + b1) - a0b0 - a1b1 = a0b1 + a1b0
// (exact, below 2p^2), for a = (%rsi), b = (%rcx) with coefficients below p. a0b0 goes to r0
// and the sum product to r1 directly; a1b1 to 96 bytes of the caller's frame at 8(%rsp) on entry,
// followed by the two sums at 104 and 152 (the wrappers reserve 200 bytes).
        .p2align 5
.Lfp2_mul_wide_body:
        call    .Lmul_wide_body                 // r0 = a0*b0
        ADD6    104(%rsp), 0(%rsi), 48(%rsi)    // a0 + a1 (the return address is at 0(%rsp))
        ADD6    152(%rsp), 0(%rcx), 48(%rcx)    // b0 + b1
        pushq   %rsi
        pushq   %rcx
        addq    $96, %rdi
        leaq    120(%rsp), %rsi                 // the sums, 16 further for the two pushes
        leaq    168(%rsp), %rcx
        call    .Lmul_wide_body                 // r1 = (a0 + a1)(b0 + b1)
        popq    %rcx
        popq    %rsi
        pushq   %rdi
        leaq    16(%rsp), %rdi                  // a1b1 at 8, +8 for the push
        addq    $48, %rsi
        addq    $48, %rcx
        call    .Lmul_wide_body                 // a1*b1
        subq    $48, %rsi
        subq    $48, %rcx
        popq    %rdi
        subq    $96, %rdi
        SUB12   96(%rdi), 0(%rdi)               // r1 - a0b0
        SUB12   96(%rdi), 8(%rsp)               // - a1b1 (no borrow: it is a0b1 + a1b0)
        SUB12   0(%rdi), 8(%rsp)                // r0 = a0b0 - a1b1
        ADDP_IF_BORROW 48(%rdi)                 // + p*2^384 when negative
        ret

.macro EXPORT name
        .globl  \name
        .type   \name,@function
        .p2align 5
\name:
        .cfi_startproc
.endm
.macro END name
        .cfi_endproc
        .size   \name, .-\name
.endm

// void vring_fp_mul_mont(uint64_t r[6], const uint64_t a[6], const uint64_t b[6])
EXPORT vring_fp_mul_mont
        PROLOGUE
        movq    %rdx, %rcx
        call    .Lmul_mont_body
        EPILOGUE
END vring_fp_mul_mont

// void vring_fp_mul_wide(uint64_t r[12], const uint64_t a[6], const uint64_t b[6])
EXPORT vring_fp_mul_wide
        PROLOGUE
        movq    %rdx, %rcx
        call    .Lmul_wide_body
        EPILOGUE
END vring_fp_mul_wide

// void vring_fp_redc(uint64_t r[6], const uint64_t t[12])
EXPORT vring_fp_redc
        PROLOGUE
        call    .Lredc_body
        EPILOGUE
END vring_fp_redc

// void vring_fp_sqr_mont(uint64_t r[6], const uint64_t a[6]): the square, then one reduction.
EXPORT vring_fp_sqr_mont
        PROLOGUE
        subq    $104, %rsp                      // [0,96) the wide square, [96,104) r
        movq    %rdi, 96(%rsp)
        movq    %rsp, %rdi
        call    .Lsqr_wide_body
        movq    %rdi, %rsi
        movq    96(%rsp), %rdi
        call    .Lredc_body
        addq    $104, %rsp
        EPILOGUE
END vring_fp_sqr_mont

// void vring_fp_sqr_wide(uint64_t r[12], const uint64_t a[6])
EXPORT vring_fp_sqr_wide
        PROLOGUE
        call    .Lsqr_wide_body
        EPILOGUE
END vring_fp_sqr_wide

// void vring_fp2_mul_wide(uint64_t r[24], const uint64_t a[12], const uint64_t b[12])
EXPORT vring_fp2_mul_wide
        PROLOGUE
        subq    $200, %rsp
        movq    %rdx, %rcx
        call    .Lfp2_mul_wide_body
        addq    $200, %rsp
        EPILOGUE
END vring_fp2_mul_wide

// void vring_fp2_redc(uint64_t r[12], const uint64_t t[24]): both halves.
EXPORT vring_fp2_redc
        PROLOGUE
        call    .Lredc_body
        addq    $48, %rdi
        addq    $96, %rsi
        call    .Lredc_body
        EPILOGUE
END vring_fp2_redc

// void vring_fp2_mul_mont(uint64_t r[12], const uint64_t a[12], const uint64_t b[12]):
// the wide Karatsuba product, then two reductions.
EXPORT vring_fp2_mul_mont
        PROLOGUE
        subq    $392, %rsp                      // [0,192) the body's scratch, [192,200) r,
        movq    %rdx, %rcx                      // [200,392) the wide product
        movq    %rdi, 192(%rsp)
        leaq    200(%rsp), %rdi
        call    .Lfp2_mul_wide_body
        movq    %rdi, %rsi
        movq    192(%rsp), %rdi
        call    .Lredc_body
        addq    $48, %rdi
        addq    $96, %rsi
        call    .Lredc_body
        addq    $392, %rsp
        EPILOGUE
END vring_fp2_mul_mont

// The operands of the Fp2 square from a = (%rsi), in 144 bytes at (%rsp): a0 + a1 at 0 (below
// 2p, unreduced), a0 - a1 mod p at 48, 2a0 at 96 (below 2p, unreduced).
.macro FP2_SQUARE_OPERANDS
        ADD6    0(%rsp), 0(%rsi), 48(%rsi)
        movq    0(%rsi), %rax
        movq    %rax, 48(%rsp)
        movq    8(%rsi), %rax
        movq    %rax, 56(%rsp)
        movq    16(%rsi), %rax
        movq    %rax, 64(%rsp)
        movq    24(%rsi), %rax
        movq    %rax, 72(%rsp)
        movq    32(%rsi), %rax
        movq    %rax, 80(%rsp)
        movq    40(%rsi), %rax
        movq    %rax, 88(%rsp)
        SUB6    48(%rsp), 48(%rsi)
        ADDP_IF_BORROW 48(%rsp)
        ADD6    96(%rsp), 0(%rsi), 0(%rsi)
.endm

// void vring_fp2_sqr_mont(uint64_t r[12], const uint64_t a[12]):
// r0 = (a0 + a1)(a0 - a1), r1 = (2a0)a1, two Montgomery products of operands below 2p.
EXPORT vring_fp2_sqr_mont
        PROLOGUE
        subq    $152, %rsp
        FP2_SQUARE_OPERANDS
        pushq   %rsi
        leaq    8(%rsp), %rsi                   // a0 + a1 (8: the push)
        leaq    56(%rsp), %rcx                  // a0 - a1
        call    .Lmul_mont_body                 // r0
        popq    %rcx
        addq    $48, %rcx                       // a1
        addq    $48, %rdi
        leaq    96(%rsp), %rsi                  // 2a0
        call    .Lmul_mont_body                 // r1
        addq    $152, %rsp
        EPILOGUE
END vring_fp2_sqr_mont

// void vring_fp2_sqr_wide(uint64_t r[24], const uint64_t a[12]): the same two products, not
// reduced: r0 = (a0 + a1)(a0 - a1) and r1 = (2a0)a1, both below 2p^2 < p*2^384.
EXPORT vring_fp2_sqr_wide
        PROLOGUE
        subq    $152, %rsp
        FP2_SQUARE_OPERANDS
        pushq   %rsi
        leaq    8(%rsp), %rsi
        leaq    56(%rsp), %rcx
        call    .Lmul_wide_body                 // r0
        popq    %rcx
        addq    $48, %rcx
        addq    $96, %rdi
        leaq    96(%rsp), %rsi
        call    .Lmul_wide_body                 // r1
        addq    $152, %rsp
        EPILOGUE
END vring_fp2_sqr_wide

#endif
#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
