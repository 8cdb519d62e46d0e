/* LibOS entry points: boot, the syscall entry (LSTAR) and the jump to the app.
 * The LibOS runs in ring 3. Where `syscall` enters CPL 0 (VMX/SVM) the entry
 * drops to ring 3 first; where it stays at CPL 3 (PVM) it continues directly. */
#define TL_SEL_UDATA 0x2b
#define TL_SEL_UCODE 0x33

  .section .los_header, "a"
  .long 0x534f4c48 /* TL_LOS_MAGIC */
  .long 5          /* TL_ABI_VERSION */
  .quad los_boot
  .quad los_syscall_entry
  .quad los_signal_entry

  .text
  .globl los_boot
los_boot:
  lea los_stack_top(%rip), %rsp
  xor %ebp, %ebp
  call los_main
  ud2

/* Never touch the app's stack: it may hold live data in the red zone.
 * The frame is struct los_regs; the exit restores every register from it
 * (rt_sigreturn and signal delivery change rsp, rip, rcx, r11 too). */
  .globl los_syscall_entry
los_syscall_entry:
  mov %rsp, los_user_rsp(%rip)
  lea los_stack_top(%rip), %rsp
  push %rcx /* return rip */
  push %r11 /* return rflags */
  push %rcx /* the app's rcx and r11 after `syscall` */
  push %r11
  mov %cs, %ecx
  test $3, %cl
  jnz 1f
  mov %rsp, %rcx /* CPL 0: iretq to ring 3 on the same stack */
  pushq $TL_SEL_UDATA
  push %rcx
  pushq $0x2
  pushq $TL_SEL_UCODE
  lea 1f(%rip), %rcx
  push %rcx
  iretq
1:
  pushq los_user_rsp(%rip)
  push %rax
  push %rbx
  push %rdx
  push %rsi
  push %rdi
  push %rbp
  push %r8
  push %r9
  push %r10
  push %r12
  push %r13
  push %r14
  push %r15
  mov %rsp, %rdi
  cld
  call los_syscall
los_regs_exit:
  mov 13*8(%rsp), %rax
  mov %rax, los_user_rsp(%rip)
  mov 17*8(%rsp), %rax
  mov %rax, los_user_rip(%rip)
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %r10
  pop %r9
  pop %r8
  pop %rbp
  pop %rdi
  pop %rsi
  pop %rdx
  pop %rbx
  pop %rax
  add $8, %rsp /* rsp */
  pop %r11
  pop %rcx
  popfq
  mov los_user_rsp(%rip), %rsp
  jmp *los_user_rip(%rip)

/* The monitor resumes an application it interrupted for a host signal here
 * (ring 3, the application's registers saved in tl_shared.intr). */
  .globl los_signal_entry
los_signal_entry:
  lea los_stack_top(%rip), %rsp
  sub $18*8, %rsp
  mov %rsp, %rdi
  cld
  call los_signal_async
  jmp los_regs_exit

/* los_enter_app(entry, sp): start the application with a clean register file. */
  .globl los_enter_app
los_enter_app:
  mov %rsi, %rsp
  mov %rdi, %rcx
  xor %eax, %eax
  xor %ebx, %ebx
  xor %edx, %edx
  xor %esi, %esi
  xor %edi, %edi
  xor %ebp, %ebp
  xor %r8d, %r8d
  xor %r9d, %r9d
  xor %r10d, %r10d
  xor %r11d, %r11d
  xor %r12d, %r12d
  xor %r13d, %r13d
  xor %r14d, %r14d
  xor %r15d, %r15d
  jmp *%rcx

  .bss
  .balign 16
  .globl los_user_rsp
los_user_rsp:
  .quad 0
los_user_rip:
  .quad 0
  .balign 4096
los_stack:
  .skip 65536
  .globl los_stack_top
los_stack_top:

  .section .note.GNU-stack,"",@progbits
