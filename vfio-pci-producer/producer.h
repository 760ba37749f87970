/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by main.c (PCI driver, char device, ioctls) and irqs.c
 * (vectors, eventfds, IRQ bypass producers) of vfio_pci_producer.
 */
#ifndef VFIO_PCI_PRODUCER_H
#define VFIO_PCI_PRODUCER_H

#include <linux/atomic.h>
#include <linux/irqbypass.h>
#include <linux/pci.h>
#include <linux/types.h>

#include <irqbypass/compat.h>
#include <irqbypass/vfio_chardev.h>

struct eventfd_ctx;

/* No MSI or MSI-X enabled: vpp_device.irq_index. */
#define VPP_IRQ_NONE	(-1)

/**
 * struct vpp_vector - one allocated MSI or MSI-X vector
 * @irq: its Linux irq, from pci_irq_vector()
 * @name: its name in /proc/interrupts; lives as long as the vector
 * @trigger: the eventfd it signals, or NULL when none is assigned; it is
 *	also the dev_id of the requested irq and the producer's token
 * @producer: the IRQ bypass producer for @trigger
 * @registered: @producer is registered with the IRQ bypass manager
 */
struct vpp_vector {
	int irq;
	char *name;
	struct eventfd_ctx *trigger;
	struct irq_bypass_producer producer;
	bool registered;
};

/**
 * struct vpp_device - one bound PCI device and its char device
 * @cdev: its char device, /dev/vfio-pci-producer-<BDF>, with the lock
 *	that serializes the ioctls, close and remove and protects the
 *	fields from @irq_index on
 * @pdev: the PCI device; a reference is held until the state is freed
 * @msi_count: MSI vectors the device offers, 0 without MSI
 * @msix_count: MSI-X vectors the device offers, 0 without MSI-X
 * @bypass_failures: failed producer registrations, for sysfs
 * @irq_index: VFIO_PCI_MSI_IRQ_INDEX or VFIO_PCI_MSIX_IRQ_INDEX when that
 *	index is enabled, else VPP_IRQ_NONE
 * @nr_vectors: vectors allocated when @irq_index was enabled
 * @vectors: the @nr_vectors vectors
 */
struct vpp_device {
	struct irqbp_chardev cdev;
	struct pci_dev *pdev;
	u32 msi_count;
	u32 msix_count;
	atomic_t bypass_failures;

	int irq_index;
	u32 nr_vectors;
	struct vpp_vector *vectors;
};

int vpp_set_irqs_trigger(struct vpp_device *vdev, u32 flags, u32 index,
			 u32 start, u32 count, const void *data);
void vpp_disable_irqs(struct vpp_device *vdev);

#endif /* VFIO_PCI_PRODUCER_H */
