/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The check that a kernel record and its user-space description agree:
 * tracepoint records are read by the harness through the layouts of
 * include/uapi/irqbypass/ (Documentation/tracing.md).
 */
#ifndef IRQBYPASS_LAYOUT_H
#define IRQBYPASS_LAYOUT_H

#include <linux/build_bug.h>
#include <linux/stddef.h>

/* @field of struct @kern is at the offset and of the size of @uapi's. */
#define IRQBP_SAME_FIELD(kern, uapi, field)				\
	static_assert(offsetof(struct kern, field) ==			\
		      offsetof(struct uapi, field) &&			\
		      sizeof_field(struct kern, field) ==		\
		      sizeof_field(struct uapi, field),			\
		      #kern "." #field " is not where " #uapi " has it")

#endif /* IRQBYPASS_LAYOUT_H */
