// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_pci_producer: the PCI driver, its char device and the VFIO interrupt
 * ioctls. Interface and behaviour: Documentation/vfio-pci-producer.md
 *
 * Lifetime: struct vpp_device lives as long as its char device's state
 * (include/irqbypass/vfio_chardev.h): remove() releases the vectors at once,
 * and an open file's close frees it.
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <irqbypass/vfio_set_irqs.h>

#include "producer.h"

#define VPP_NAME "vfio_pci_producer"

static struct vpp_device *to_vpp(struct irqbp_chardev *cdev)
{
	return container_of(cdev, struct vpp_device, cdev);
}

static void vpp_free(struct irqbp_chardev *cdev)
{
	struct vpp_device *vdev = to_vpp(cdev);

	pci_dev_put(vdev->pdev);
	kfree(vdev);
}

static void vpp_release(struct irqbp_chardev *cdev)
{
	vpp_disable_irqs(to_vpp(cdev));
}

static u32 vpp_irq_count(struct vpp_device *vdev, u32 index)
{
	switch (index) {
	case VFIO_PCI_MSI_IRQ_INDEX:
		return vdev->msi_count;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return vdev->msix_count;
	default:
		return 0;
	}
}

static long vpp_ioctl_get_irq_info(struct vpp_device *vdev,
				   struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	info.count = vpp_irq_count(vdev, info.index);
	if (info.index == VFIO_PCI_MSI_IRQ_INDEX ||
	    info.index == VFIO_PCI_MSIX_IRQ_INDEX)
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	else
		info.flags = 0;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* VFIO has no MSI masking: triggers only, anything else is -ENOTTY. */
static bool vpp_is_msi_trigger(const struct vfio_irq_set *hdr)
{
	return (hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) ==
	       VFIO_IRQ_SET_ACTION_TRIGGER &&
	       (hdr->index == VFIO_PCI_MSI_IRQ_INDEX ||
		hdr->index == VFIO_PCI_MSIX_IRQ_INDEX);
}

static long vpp_ioctl_set_irqs(struct vpp_device *vdev,
			       struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	void *data;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	data = irqbp_set_irqs_data(arg, &hdr, vpp_irq_count(vdev, hdr.index),
				   VFIO_PCI_NUM_IRQS);
	if (IS_ERR(data))
		return PTR_ERR(data);

	mutex_lock(&vdev->cdev.lock);
	if (vdev->cdev.dead)
		ret = -ENODEV;
	else if (!vpp_is_msi_trigger(&hdr))
		ret = -ENOTTY;
	else
		ret = vpp_set_irqs_trigger(vdev, hdr.flags, hdr.index,
					   hdr.start, hdr.count, data);
	mutex_unlock(&vdev->cdev.lock);

	kfree(data);
	return ret;
}

static long vpp_ioctl(struct irqbp_chardev *cdev, unsigned int cmd,
		      void __user *arg)
{
	struct vpp_device *vdev = to_vpp(cdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vpp_ioctl_get_irq_info(vdev, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vpp_ioctl_set_irqs(vdev, arg);
	default:
		return -ENOTTY;
	}
}

static const struct irqbp_chardev_ops vpp_chardev_ops = {
	.release = vpp_release,
	.ioctl = vpp_ioctl,
	.free = vpp_free,
};

static ssize_t irq_bypass_failures_show(struct device *dev,
					struct device_attribute *attr, char *buf)
{
	struct vpp_device *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&vdev->bypass_failures));
}
static DEVICE_ATTR_RO(irq_bypass_failures);

static struct attribute *vpp_attrs[] = {
	&dev_attr_irq_bypass_failures.attr,
	NULL
};
ATTRIBUTE_GROUPS(vpp);

static int vpp_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vpp_device *vdev;
	int ret;

	if (!pdev->msi_cap && !pdev->msix_cap) {
		dev_err(&pdev->dev,
			"no MSI or MSI-X capability: no interrupt to produce\n");
		return -ENODEV;
	}

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	vdev->pdev = pci_dev_get(pdev);
	vdev->irq_index = VPP_IRQ_NONE;
	vdev->msi_count = max(pci_msi_vec_count(pdev), 0);
	vdev->msix_count = max(pci_msix_vec_count(pdev), 0);

	ret = irqbp_chardev_init(&vdev->cdev, &vpp_chardev_ops,
				 "vfio-pci-producer", &pdev->dev);
	if (ret)
		goto err_put;

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_put;
	/* MSIs are memory writes from the device. */
	pci_set_master(pdev);
	/* Only MSI and MSI-X are handled: keep INTx quiet. */
	pci_intx(pdev, 0);
	pci_set_drvdata(pdev, vdev);

	ret = misc_register(&vdev->cdev.misc);
	if (ret)
		goto err_disable;
	return 0;

err_disable:
	pci_clear_master(pdev);
	pci_disable_device(pdev);
err_put:
	irqbp_chardev_put(&vdev->cdev);
	return ret;
}

static void vpp_remove(struct pci_dev *pdev)
{
	struct vpp_device *vdev = pci_get_drvdata(pdev);

	irqbp_chardev_unbind(&vdev->cdev);

	/* INTx as drivers expect to find it. */
	pci_intx(pdev, 1);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	irqbp_chardev_put(&vdev->cdev);
}

/* Matches nothing: devices are bound through driver_override only. */
static const struct pci_device_id vpp_ids[] = {
	{ }
};

static struct pci_driver vpp_driver = {
	.name = VPP_NAME,
	.id_table = vpp_ids,
	.probe = vpp_probe,
	.remove = vpp_remove,
	.dev_groups = vpp_groups,
};
module_pci_driver(vpp_driver);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("PCI MSI/MSI-X interrupts as eventfds and IRQ bypass producers");
MODULE_VERSION(IRQBYPASS_VERSION);
