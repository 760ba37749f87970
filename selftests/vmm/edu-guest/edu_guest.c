// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu_guest: a driver for QEMU's edu device (1234:11e8) in the L2 guest of
 * make check-vmm, where the device is passed through by the real QEMU
 * (Documentation/testhost.md). It allocates one MSI through the kernel
 * and raises interrupts on request, one at a time, each waited for:
 *
 *   echo N > /sys/bus/pci/devices/<bdf>/raise    raise N, wait for each
 *   cat .../raised .../handled .../msi_data      what happened
 *
 * A write returns once every interrupt was handled, or -ETIMEDOUT.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>

/* edu's registers (QEMU's hw/misc/edu.c), 32-bit accesses only. */
#define EDU_ID		0x00
#define EDU_LIVENESS	0x04	/* reads back the inverse of what was written */
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

/* Nested KVM under TCG: an interrupt may take long to come through. */
#define EDU_WAIT_MS	10000

struct edu_guest {
	void __iomem *bar;
	struct mutex lock;		/* serializes raise writes */
	struct completion done;		/* the handler saw the raised bit */
	atomic_t handled;		/* interrupts with our status bit */
	atomic_t spurious;		/* interrupts with no status bit */
	unsigned int raised;		/* under lock */
};

static irqreturn_t edu_guest_irq(int irq, void *arg)
{
	struct edu_guest *edu = arg;
	u32 status = ioread32(edu->bar + EDU_IRQ_STATUS);

	if (!status) {
		atomic_inc(&edu->spurious);
		return IRQ_NONE;
	}
	iowrite32(status, edu->bar + EDU_IRQ_ACK);
	atomic_inc(&edu->handled);
	complete(&edu->done);
	return IRQ_HANDLED;
}

static ssize_t raise_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct edu_guest *edu = dev_get_drvdata(dev);
	unsigned int n, i;
	ssize_t ret;

	ret = kstrtouint(buf, 0, &n);
	if (ret)
		return ret;
	mutex_lock(&edu->lock);
	for (i = 0; i < n; i++) {
		reinit_completion(&edu->done);
		edu->raised++;
		iowrite32(1, edu->bar + EDU_IRQ_RAISE);
		if (!wait_for_completion_timeout(&edu->done,
						 msecs_to_jiffies(EDU_WAIT_MS))) {
			dev_err(dev, "interrupt %u of %u not handled in %d ms (status %#x)\n",
				i + 1, n, EDU_WAIT_MS,
				ioread32(edu->bar + EDU_IRQ_STATUS));
			ret = -ETIMEDOUT;
			break;
		}
	}
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(raise);

static ssize_t raised_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct edu_guest *edu = dev_get_drvdata(dev);
	unsigned int raised;

	mutex_lock(&edu->lock);
	raised = edu->raised;
	mutex_unlock(&edu->lock);
	return sysfs_emit(buf, "%u\n", raised);
}
static DEVICE_ATTR_RO(raised);

static ssize_t handled_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct edu_guest *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&edu->handled));
}
static DEVICE_ATTR_RO(handled);

static ssize_t spurious_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct edu_guest *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&edu->spurious));
}
static DEVICE_ATTR_RO(spurious);

/* The MSI data the kernel programmed: its low byte is the vector. */
static ssize_t msi_data_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	u16 flags, data;
	int ret;

	ret = pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
	if (!ret)
		ret = pci_read_config_word(pdev, pdev->msi_cap +
					   (flags & PCI_MSI_FLAGS_64BIT ?
					    PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
					   &data);
	if (ret)
		return -EIO;
	return sysfs_emit(buf, "%#x\n", data);
}
static DEVICE_ATTR_RO(msi_data);

static struct attribute *edu_guest_attrs[] = {
	&dev_attr_raise.attr,
	&dev_attr_raised.attr,
	&dev_attr_handled.attr,
	&dev_attr_spurious.attr,
	&dev_attr_msi_data.attr,
	NULL,
};
ATTRIBUTE_GROUPS(edu_guest);

static int edu_guest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_guest *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	mutex_init(&edu->lock);
	init_completion(&edu->done);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];

	/* Reads and writes of BAR0 must reach the device. */
	iowrite32(0x5a5a0f0f, edu->bar + EDU_LIVENESS);
	if (ioread32(edu->bar + EDU_LIVENESS) != ~0x5a5a0f0fU) {
		dev_err(&pdev->dev, "BAR0 does not answer (id %#x)\n",
			ioread32(edu->bar + EDU_ID));
		return -EIO;
	}

	/* An MSI is a write by the device: it needs bus mastering. */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		return ret;
	ret = request_irq(pci_irq_vector(pdev, 0), edu_guest_irq, 0,
			  KBUILD_MODNAME, edu);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	pci_set_drvdata(pdev, edu);
	dev_info(&pdev->dev, "id %#x, MSI on irq %d\n",
		 ioread32(edu->bar + EDU_ID), pci_irq_vector(pdev, 0));
	return 0;
}

static void edu_guest_remove(struct pci_dev *pdev)
{
	struct edu_guest *edu = pci_get_drvdata(pdev);

	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id edu_guest_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_guest_ids);

static struct pci_driver edu_guest_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_guest_ids,
	.probe = edu_guest_probe,
	.remove = edu_guest_remove,
	.dev_groups = edu_guest_groups,
};
module_pci_driver(edu_guest_driver);

MODULE_DESCRIPTION("QEMU edu device driver for the L2 guest of make check-vmm");
MODULE_LICENSE("GPL");
