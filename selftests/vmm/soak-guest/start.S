/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of the soak guest: QEMU's multiboot loader (-kernel) jumps here in
 * 32-bit protected mode, paging off. Our own GDT (the loader's is in its
 * option ROM), a stack, then soak_main(multiboot info). The interrupt stubs call
 * soak_irq() with their vector; a fault prints its vector and halts.
 */
#define MULTIBOOT_MAGIC	0x1badb002

	.section .multiboot, "a"
	.balign 4
	.long	MULTIBOOT_MAGIC
	.long	0
	.long	-MULTIBOOT_MAGIC

	.text
	.globl	_start
_start:
	cli
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$stack_top, %esp
	pushl	%ebx			/* the multiboot information */
	call	soak_main
2:	cli
	hlt
	jmp	2b

/* An external interrupt: soak_irq(vector), registers kept. */
	.macro	irq_stub vec
	.globl	irq_stub_\vec
irq_stub_\vec:
	pushal
	pushl	$\vec
	call	soak_irq
	addl	$4, %esp
	popal
	iret
	.endm

	irq_stub 0x30
	.irp	v, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f
	irq_stub \v
	.endr

/* The stubs of the queues' vectors, 0x40 up, for the IDT. */
	.section .rodata
	.balign	4
	.globl	queue_stubs
queue_stubs:
	.irp	v, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f
	.long	irq_stub_\v
	.endr
	.text

/* The APIC's spurious vector: no EOI. */
	.globl	spurious_stub
spurious_stub:
	iret

/* Any other vector: an exception, or an interrupt nobody asked for. */
	.globl	fault_stub
fault_stub:
	call	soak_fault
3:	cli
	hlt
	jmp	3b

	.data
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat 4 GiB */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat 4 GiB */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.bss
	.balign	16
	.skip	16384
stack_top:
	.section .note.GNU-stack, "", @progbits
