/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The soak guest's types, and what start.S and soak.c give each other:
 * the entry's call, the interrupt stubs' handlers and the stubs.
 */
#ifndef SOAK_GUEST_H
#define SOAK_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define __aligned(x) __attribute__((aligned(x)))
#define __packed __attribute__((packed))

/* soak.c, called by start.S. */
void soak_main(u32 multiboot_info);
void soak_irq(u32 vector);
void soak_fault(void);
void *memset(void *s, int c, size_t n);

/* start.S: the IDT's entries; the queues' vectors are 0x40 up. */
#define MAX_VECTORS 16
extern char irq_stub_0x30[], spurious_stub[], fault_stub[];
extern void *queue_stubs[MAX_VECTORS];

#endif
