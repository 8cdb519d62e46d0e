/* Ring-0 trap stubs, copied into the guest at TL_STUBS_GPA. Each of the 32
 * exception vectors gets a 16-byte slot that pushes (vector, error code) and
 * reports to the monitor with rax and rdx saved; the trap frame stays on the
 * ring-0 stack. */
#define TL_EXC_PORT 0x501

.macro vec n
  .balign 16
  .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
  .else
  pushq $0
  .endif
  pushq $\n
  jmp common
.endm

  .section .rodata
  .balign 16
  .globl mon_stubs_start
mon_stubs_start:
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  vec \n
  .endr
  .balign 16
common:
  push %rax
  push %rdx
  movl 16(%rsp), %eax
  movw $TL_EXC_PORT, %dx
  outl %eax, %dx
  /* resumed only when the monitor hands an application fault to the LibOS
   * (it rewrote the return rip): back to ring 3 */
  pop %rdx
  pop %rax
  add $16, %rsp
  iretq
  .globl mon_stubs_end
mon_stubs_end:
  .section .note.GNU-stack,"",@progbits
