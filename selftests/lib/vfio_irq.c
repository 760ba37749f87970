// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include <libbypass/vfio_irq.h>

int set_irqs(int dev, uint32_t flags, uint32_t index, int32_t fd)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t fd;
	} s = { { sizeof(s), flags, index, 0, 1 }, fd };

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0;
}

int unmask_irq(int dev, uint32_t index)
{
	struct vfio_irq_set u = { sizeof(u), VFIO_IRQ_SET_DATA_NONE |
				  VFIO_IRQ_SET_ACTION_UNMASK, index, 0, 1 };

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &u) ? -errno : 0;
}

int set_trigger(int dev, uint32_t index, int32_t fd)
{
	return set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_ACTION_TRIGGER, index, fd);
}

int set_unmask_eventfd(int dev, uint32_t index, int32_t fd)
{
	return set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_ACTION_UNMASK, index, fd);
}
