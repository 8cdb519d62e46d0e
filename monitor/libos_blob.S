/* The LibOS ELF, embedded so that hacher is one file to install and measure. */
  .section .rodata
  .balign 4096
  .globl mon_libos_start
mon_libos_start:
  .incbin LIBOS_ELF
  .globl mon_libos_end
mon_libos_end:
  .section .note.GNU-stack,"",@progbits
