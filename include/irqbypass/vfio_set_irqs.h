/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The producers' check of a VFIO_DEVICE_SET_IRQS header, shared by
 * vfio-pci-producer and vfio-platform-producer as VFIO's drivers share
 * vfio_set_irqs_validate_and_prepare(): its checks, in its order and with
 * its errors, so that a malformed call gets the errno VFIO gives.
 */
#ifndef _IRQBYPASS_VFIO_SET_IRQS_H
#define _IRQBYPASS_VFIO_SET_IRQS_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/vfio.h>

/**
 * irqbp_validate_set_irqs - check a VFIO_DEVICE_SET_IRQS header
 * @hdr: the header, its first offsetofend(count) bytes copied in
 * @num_irqs: the irqs the device offers on @hdr->index
 * @max_irq_type: the number of irq indexes of the device
 * @data_size: the size of the data following the header, on success
 *
 * Return: 0, or -EINVAL for a header VFIO refuses.
 */
static inline int irqbp_validate_set_irqs(const struct vfio_irq_set *hdr,
					  u32 num_irqs, u32 max_irq_type,
					  size_t *data_size)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= max_irq_type ||
	    hdr->count >= U32_MAX - hdr->start ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			    VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;

	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;

	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}

	*data_size = size * hdr->count;
	if (hdr->argsz - minsz < *data_size)
		return -EINVAL;
	return 0;
}

/**
 * irqbp_set_irqs_data - check a VFIO_DEVICE_SET_IRQS call, copy its data
 * @arg: the call's argument
 * @hdr: its header, already copied in
 * @num_irqs: as irqbp_validate_set_irqs()
 * @max_irq_type: as irqbp_validate_set_irqs()
 *
 * Return: the data that follows the header, to be kfree()d; NULL if it has
 * none; or an ERR_PTR(): -EINVAL for a header VFIO refuses, -EFAULT,
 * -ENOMEM.
 */
static inline void *irqbp_set_irqs_data(struct vfio_irq_set __user *arg,
					const struct vfio_irq_set *hdr,
					u32 num_irqs, u32 max_irq_type)
{
	size_t data_size;
	int ret;

	ret = irqbp_validate_set_irqs(hdr, num_irqs, max_irq_type, &data_size);
	if (ret)
		return ERR_PTR(ret);
	return data_size ? memdup_user(&arg->data, data_size) : NULL;
}

#endif /* _IRQBYPASS_VFIO_SET_IRQS_H */
