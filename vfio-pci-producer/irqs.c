// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI and MSI-X vectors of a vfio_pci_producer device, their eventfds and
 * their IRQ bypass producers. Behaviour: Documentation/vfio-pci-producer.md
 *
 * Everything here runs under vpp_device.lock.
 */

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irqbypass.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "producer.h"

static irqreturn_t vpp_msi_handler(int irq, void *arg)
{
	irqbp_eventfd_signal(arg);
	return IRQ_HANDLED;
}

/* The manager pauses the vector while it pairs or unpairs a consumer. */
static void vpp_producer_stop(struct irq_bypass_producer *prod)
{
	disable_irq(prod->irq);
}

static void vpp_producer_start(struct irq_bypass_producer *prod)
{
	enable_irq(prod->irq);
}

/*
 * Give @vec the eventfd @trigger, or none if NULL, releasing the one it had
 * first: producer, then irq, then eventfd. Takes over the reference on
 * @trigger on success only.
 */
static int vpp_set_vector_trigger(struct vpp_device *vdev,
				  struct vpp_vector *vec,
				  struct eventfd_ctx *trigger)
{
	int ret;

	if (vec->trigger) {
		if (vec->registered) {
			irq_bypass_unregister_producer(&vec->producer);
			vec->registered = false;
		}
		free_irq(vec->irq, vec->trigger);
		eventfd_ctx_put(vec->trigger);
		vec->trigger = NULL;
	}

	if (!trigger)
		return 0;

	ret = request_irq(vec->irq, vpp_msi_handler, 0, vec->name, trigger);
	if (ret)
		return ret;
	vec->trigger = trigger;

	ret = irqbp_register_producer(&vec->producer, trigger, vec->irq);
	if (ret) {
		/* No bypass, but the interrupt still reaches the eventfd. */
		atomic_inc(&vdev->bypass_failures);
		dev_info(&vdev->pdev->dev,
			 "%s vector %td: irq bypass producer registration failed: %d\n",
			 vdev->irq_index == VFIO_PCI_MSIX_IRQ_INDEX ? "MSI-X" : "MSI",
			 vec - vdev->vectors, ret);
	} else {
		vec->registered = true;
	}
	return 0;
}

static void vpp_free_vectors(struct vpp_vector *vectors, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++)
		kfree(vectors[i].name);
	kfree(vectors);
}

/* Enable MSI or MSI-X (@index) with @nvec vectors, none assigned yet. */
static int vpp_enable(struct vpp_device *vdev, u32 index, u32 nvec)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	struct pci_dev *pdev = vdev->pdev;
	struct vpp_vector *vectors;
	int ret;
	u32 i;

	/* Nothing to enable: VFIO fails too (-ERANGE, from the PCI core). */
	if (!nvec)
		return -EINVAL;

	vectors = kcalloc(nvec, sizeof(*vectors), GFP_KERNEL_ACCOUNT);
	if (!vectors)
		return -ENOMEM;
	for (i = 0; i < nvec; i++) {
		vectors[i].name = kasprintf(GFP_KERNEL_ACCOUNT,
					    "vfio-pci-producer-msi%s[%u](%s)",
					    msix ? "x" : "", i, pci_name(pdev));
		if (!vectors[i].name) {
			ret = -ENOMEM;
			goto err_free;
		}
	}

	/* All the vectors asked for, or none: no partial enable. */
	ret = pci_alloc_irq_vectors(pdev, nvec, nvec,
				    msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret < 0)
		goto err_free;

	for (i = 0; i < nvec; i++) {
		vectors[i].irq = pci_irq_vector(pdev, i);
		vectors[i].producer.stop = vpp_producer_stop;
		vectors[i].producer.start = vpp_producer_start;
	}
	vdev->vectors = vectors;
	vdev->nr_vectors = nvec;
	vdev->irq_index = index;
	return 0;

err_free:
	vpp_free_vectors(vectors, nvec);
	return ret;
}

/**
 * vpp_disable_irqs - release every vector and disable MSI or MSI-X
 * @vdev: the device, with @vdev->cdev.lock held
 *
 * For each vector: unregister its producer, free its irq, put its eventfd;
 * then free the vectors. Does nothing if neither MSI nor MSI-X is enabled.
 */
void vpp_disable_irqs(struct vpp_device *vdev)
{
	u32 i;

	lockdep_assert_held(&vdev->cdev.lock);

	if (vdev->irq_index == VPP_IRQ_NONE)
		return;

	for (i = 0; i < vdev->nr_vectors; i++)
		vpp_set_vector_trigger(vdev, &vdev->vectors[i], NULL);
	pci_free_irq_vectors(vdev->pdev);
	/* Disabling MSI turned INTx back on: nobody handles it here. */
	pci_intx(vdev->pdev, 0);

	vpp_free_vectors(vdev->vectors, vdev->nr_vectors);
	vdev->vectors = NULL;
	vdev->nr_vectors = 0;
	vdev->irq_index = VPP_IRQ_NONE;
}

/*
 * Assign the eventfds @fds (-1 or any negative fd: none) to vectors
 * @start.. of @index, enabling it first if needed. Every fd is resolved
 * before anything changes, so a bad one leaves the device as it was.
 */
static int vpp_set_eventfds(struct vpp_device *vdev, u32 index, u32 start,
			    u32 count, const s32 *fds)
{
	struct eventfd_ctx **triggers;
	bool enabled = false;
	int ret = 0;
	u32 i;

	if (vdev->irq_index == index &&
	    (start >= vdev->nr_vectors || start + count > vdev->nr_vectors))
		return -EINVAL;

	triggers = kcalloc(count, sizeof(*triggers), GFP_KERNEL);
	if (!triggers)
		return -ENOMEM;

	for (i = 0; i < count; i++) {
		if (fds[i] < 0)
			continue;
		triggers[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(triggers[i])) {
			ret = PTR_ERR(triggers[i]);
			triggers[i] = NULL;
			goto out_put;
		}
	}

	if (vdev->irq_index != index) {
		ret = vpp_enable(vdev, index, start + count);
		if (ret)
			goto out_put;
		enabled = true;
	}

	for (i = 0; i < count; i++) {
		ret = vpp_set_vector_trigger(vdev, &vdev->vectors[start + i],
					     triggers[i]);
		if (ret)
			break;
		triggers[i] = NULL;
	}

	/* Out of resources half way: drop the block, as VFIO does. */
	if (ret) {
		while (i--)
			vpp_set_vector_trigger(vdev, &vdev->vectors[start + i],
					       NULL);
		if (enabled)
			vpp_disable_irqs(vdev);
	}

out_put:
	for (i = 0; i < count; i++)
		if (triggers[i])
			eventfd_ctx_put(triggers[i]);
	kfree(triggers);
	return ret;
}

/**
 * vpp_set_irqs_trigger - VFIO_IRQ_SET_ACTION_TRIGGER on MSI or MSI-X
 * @vdev: the device, with @vdev->cdev.lock held
 * @flags: one VFIO_IRQ_SET_DATA_* flag and VFIO_IRQ_SET_ACTION_TRIGGER
 * @index: VFIO_PCI_MSI_IRQ_INDEX or VFIO_PCI_MSIX_IRQ_INDEX
 * @start: first vector
 * @count: number of vectors
 * @data: @count s32 fds (DATA_EVENTFD) or u8 bools (DATA_BOOL), else NULL
 *
 * The caller has validated the arguments against the vectors the device
 * offers, as vfio_set_irqs_validate_and_prepare() does.
 *
 * Return: 0, or -EINVAL if the other index is enabled, if the vectors are
 * beyond those enabled, or to signal vectors of a disabled index; -EBADF or
 * -EINVAL for an fd that is not an eventfd; -ENOSPC if the device cannot
 * have that many vectors; -ENOMEM; or the error of request_irq().
 */
int vpp_set_irqs_trigger(struct vpp_device *vdev, u32 flags, u32 index,
			 u32 start, u32 count, const void *data)
{
	bool enabled = vdev->irq_index == index;
	const u8 *bools = data;
	u32 i;

	lockdep_assert_held(&vdev->cdev.lock);

	if (enabled && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vpp_disable_irqs(vdev);
		return 0;
	}

	/* One of MSI and MSI-X at a time. */
	if (!enabled && vdev->irq_index != VPP_IRQ_NONE)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vpp_set_eventfds(vdev, index, start, count, data);

	if (!enabled || start + count > vdev->nr_vectors)
		return -EINVAL;

	for (i = 0; i < count; i++) {
		struct eventfd_ctx *trigger = vdev->vectors[start + i].trigger;

		if (!trigger)
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || bools[i])
			irqbp_eventfd_signal(trigger);
	}
	return 0;
}
