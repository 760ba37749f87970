/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO_DEVICE_SET_IRQS on a producer's char device: triggers, unmask
 * eventfds, unmasks (Documentation/vfio-platform-producer.md).
 */
#ifndef LIBBYPASS_VFIO_IRQ_H
#define LIBBYPASS_VFIO_IRQ_H

#include <stdint.h>
#include <linux/vfio.h>

/* VFIO_DEVICE_SET_IRQS with one eventfd (-1 removes it): 0 or -errno. */
int set_irqs(int dev, uint32_t flags, uint32_t index, int32_t fd);

/* VFIO_DEVICE_SET_IRQS: unmask irq @index (DATA_NONE): 0 or -errno. */
int unmask_irq(int dev, uint32_t index);

/* Trigger eventfd @fd of irq @index (-1 removes it): 0 or -errno. */
int set_trigger(int dev, uint32_t index, int32_t fd);

/* Unmask eventfd @fd of irq @index (-1 removes it): 0 or -errno. */
int set_unmask_eventfd(int dev, uint32_t index, int32_t fd);

#endif /* LIBBYPASS_VFIO_IRQ_H */
