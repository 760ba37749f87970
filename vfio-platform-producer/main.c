// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_platform_producer: the platform driver, its char device, and the
 * VFIO device and interrupt ioctls. Interface and
 * behaviour: Documentation/vfio-platform-producer.md
 *
 * Lifetime: struct vplp_device lives as long as its char device's state
 * (include/irqbypass/vfio_chardev.h): remove() releases the lines at once,
 * and an open file's close frees it.
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <irqbypass/vfio_set_irqs.h>

#include "producer.h"

#define VPLP_NAME "vfio_platform_producer"

static struct vplp_device *to_vplp(struct irqbp_chardev *cdev)
{
	return container_of(cdev, struct vplp_device, cdev);
}

static void vplp_free(struct irqbp_chardev *cdev)
{
	struct vplp_device *vdev = to_vplp(cdev);

	vplp_lines_free(vdev);
	platform_device_put(vdev->pdev);
	kfree(vdev);
}

/* A level line may have become edge since the last open. */
static void vplp_open(struct irqbp_chardev *cdev)
{
	vplp_lines_refresh(to_vplp(cdev));
}

static void vplp_release(struct irqbp_chardev *cdev)
{
	vplp_release_irqs(to_vplp(cdev));
}

static long vplp_ioctl_get_info(struct vplp_device *vdev,
				struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PLATFORM;
	info.num_regions = 0;
	info.num_irqs = vdev->num_irqs;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vplp_ioctl_get_irq_info(struct vplp_device *vdev,
				    struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= vdev->num_irqs)
		return -EINVAL;

	mutex_lock(&vdev->cdev.lock);
	info.flags = vplp_line_info_flags(&vdev->lines[info.index]);
	mutex_unlock(&vdev->cdev.lock);
	info.count = 1;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vplp_ioctl_set_irqs(struct vplp_device *vdev,
				struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	void *data;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	/* As VFIO platform checks it: the lines bound both. */
	data = irqbp_set_irqs_data(arg, &hdr, vdev->num_irqs, vdev->num_irqs);
	if (IS_ERR(data))
		return PTR_ERR(data);

	mutex_lock(&vdev->cdev.lock);
	if (vdev->cdev.dead)
		ret = -ENODEV;
	else
		ret = vplp_set_irqs(vdev, hdr.flags, hdr.index, hdr.start,
				    hdr.count, data);
	mutex_unlock(&vdev->cdev.lock);

	kfree(data);
	return ret;
}

static long vplp_ioctl(struct irqbp_chardev *cdev, unsigned int cmd,
		       void __user *arg)
{
	struct vplp_device *vdev = to_vplp(cdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vplp_ioctl_get_info(vdev, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vplp_ioctl_get_irq_info(vdev, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vplp_ioctl_set_irqs(vdev, arg);
	default:
		return -ENOTTY;
	}
}

static const struct irqbp_chardev_ops vplp_chardev_ops = {
	.open = vplp_open,
	.release = vplp_release,
	.ioctl = vplp_ioctl,
	.free = vplp_free,
};

static ssize_t irq_bypass_failures_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	struct vplp_device *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&vdev->bypass_failures));
}
static DEVICE_ATTR_RO(irq_bypass_failures);

static struct attribute *vplp_attrs[] = {
	&dev_attr_irq_bypass_failures.attr,
	NULL
};
ATTRIBUTE_GROUPS(vplp);

/* Bound by driver_override only: see platform_match(). */
static bool vplp_overridden(struct platform_device *pdev)
{
	return irqbp_driver_override_is(&pdev->dev, VPLP_NAME);
}

static int vplp_probe(struct platform_device *pdev)
{
	struct vplp_device *vdev;
	int nr, ret;

	/* Without driver_override, the bus matched our name: not for us. */
	if (!vplp_overridden(pdev))
		return -ENODEV;

	nr = platform_irq_count(pdev);
	if (nr < 0)
		return nr;
	if (!nr) {
		dev_err(&pdev->dev, "no IRQ resource: no interrupt to produce\n");
		return -ENODEV;
	}

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	get_device(&pdev->dev);
	vdev->pdev = pdev;

	ret = irqbp_chardev_init(&vdev->cdev, &vplp_chardev_ops,
				 "vfio-platform-producer", &pdev->dev);
	if (ret)
		goto err_put;
	ret = vplp_lines_init(vdev, nr);
	if (ret)
		goto err_put;
	platform_set_drvdata(pdev, vdev);

	vplp_debugfs_add(vdev);

	ret = misc_register(&vdev->cdev.misc);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	vplp_debugfs_remove(vdev);
err_put:
	irqbp_chardev_put(&vdev->cdev);
	return ret;
}

static void vplp_remove(struct platform_device *pdev)
{
	struct vplp_device *vdev = platform_get_drvdata(pdev);

	/* Waits for readers, which take the lock: not under it. */
	vplp_debugfs_remove(vdev);
	irqbp_chardev_unbind(&vdev->cdev);
	irqbp_chardev_put(&vdev->cdev);
}

/* No ID table and no OF match: devices are bound through driver_override. */
static struct platform_driver vplp_driver = {
	.driver = {
		.name = VPLP_NAME,
		.dev_groups = vplp_groups,
	},
	.probe = vplp_probe,
	.IRQBP_PLATFORM_REMOVE = vplp_remove,
};

static int __init vplp_init(void)
{
	int ret;

	ret = vplp_unmaskfd_init();
	if (ret)
		return ret;

	vplp_debugfs_init();
	ret = platform_driver_register(&vplp_driver);
	if (ret) {
		vplp_debugfs_exit();
		vplp_unmaskfd_exit();
	}
	return ret;
}
module_init(vplp_init);

static void __exit vplp_exit(void)
{
	platform_driver_unregister(&vplp_driver);
	vplp_debugfs_exit();
	vplp_unmaskfd_exit();
}
module_exit(vplp_exit);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("Platform device interrupts as eventfds and IRQ bypass producers, with forwarding");
MODULE_VERSION(IRQBYPASS_VERSION);
