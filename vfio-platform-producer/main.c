// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_platform_producer: the platform driver, its char device, and the
 * VFIO device and interrupt ioctls. Interface and
 * behaviour: Documentation/vfio-platform-producer.md
 *
 * Lifetime: struct vplp_device is reference counted, the binding and the
 * open file holding one reference each. remove() does not wait for the file
 * to be closed: it releases the lines at once and marks the state dead, and
 * the file's close drops the last reference.
 */

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <irqbypass/vfio_set_irqs.h>

#include "producer.h"

#define VPLP_NAME "vfio_platform_producer"

static void vplp_free(struct kref *ref)
{
	struct vplp_device *vdev = container_of(ref, struct vplp_device, ref);

	vplp_lines_free(vdev);
	mutex_destroy(&vdev->lock);
	platform_device_put(vdev->pdev);
	kfree(vdev->misc.name);
	kfree(vdev);
}

static int vplp_open(struct inode *inode, struct file *file)
{
	/* misc_open() holds misc_mtx: remove() cannot have freed us yet. */
	struct vplp_device *vdev = container_of(file->private_data,
						struct vplp_device, misc);
	int ret;

	ret = nonseekable_open(inode, file);
	if (ret)
		return ret;

	mutex_lock(&vdev->lock);
	if (vdev->dead) {
		ret = -ENODEV;
	} else if (vdev->opened) {
		ret = -EBUSY;
	} else {
		vdev->opened = true;
		vplp_lines_refresh(vdev);
		kref_get(&vdev->ref);
		file->private_data = vdev;
	}
	mutex_unlock(&vdev->lock);

	return ret;
}

static int vplp_release(struct inode *inode, struct file *file)
{
	struct vplp_device *vdev = file->private_data;

	mutex_lock(&vdev->lock);
	vplp_release_irqs(vdev);
	vdev->opened = false;
	mutex_unlock(&vdev->lock);

	kref_put(&vdev->ref, vplp_free);
	return 0;
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

	mutex_lock(&vdev->lock);
	info.flags = vplp_line_info_flags(&vdev->lines[info.index]);
	mutex_unlock(&vdev->lock);
	info.count = 1;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vplp_ioctl_set_irqs(struct vplp_device *vdev,
				struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;

	/* As VFIO platform calls it: the lines bound both. */
	ret = irqbp_validate_set_irqs(&hdr, vdev->num_irqs, vdev->num_irqs,
				      &data_size);
	if (ret)
		return ret;

	if (data_size) {
		data = memdup_user(&arg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&vdev->lock);
	if (vdev->dead)
		ret = -ENODEV;
	else
		ret = vplp_set_irqs(vdev, hdr.flags, hdr.index, hdr.start,
				    hdr.count, data);
	mutex_unlock(&vdev->lock);

	kfree(data);
	return ret;
}

static long vplp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vplp_device *vdev = file->private_data;
	void __user *uarg = (void __user *)arg;
	bool dead;

	mutex_lock(&vdev->lock);
	dead = vdev->dead;
	mutex_unlock(&vdev->lock);
	if (dead)
		return -ENODEV;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vplp_ioctl_get_info(vdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vplp_ioctl_get_irq_info(vdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vplp_ioctl_set_irqs(vdev, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vplp_fops = {
	.owner = THIS_MODULE,
	.open = vplp_open,
	.release = vplp_release,
	.unlocked_ioctl = vplp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
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
	kref_init(&vdev->ref);
	mutex_init(&vdev->lock);
	get_device(&pdev->dev);
	vdev->pdev = pdev;

	ret = vplp_lines_init(vdev, nr);
	if (ret)
		goto err_put;

	vdev->misc.name = kasprintf(GFP_KERNEL, "vfio-platform-producer-%s",
				    dev_name(&pdev->dev));
	if (!vdev->misc.name) {
		ret = -ENOMEM;
		goto err_put;
	}
	vdev->misc.minor = MISC_DYNAMIC_MINOR;
	vdev->misc.fops = &vplp_fops;
	vdev->misc.parent = &pdev->dev;
	vdev->misc.mode = 0600;
	platform_set_drvdata(pdev, vdev);

	vplp_debugfs_add(vdev);

	ret = misc_register(&vdev->misc);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	vplp_debugfs_remove(vdev);
err_put:
	kref_put(&vdev->ref, vplp_free);
	return ret;
}

static void vplp_remove(struct platform_device *pdev)
{
	struct vplp_device *vdev = platform_get_drvdata(pdev);

	/* Waits for readers, which take vdev->lock: not under it. */
	vplp_debugfs_remove(vdev);
	/* No open from now on; a file already open keeps vdev alive. */
	misc_deregister(&vdev->misc);

	mutex_lock(&vdev->lock);
	vplp_release_irqs(vdev);
	vdev->dead = true;
	mutex_unlock(&vdev->lock);

	kref_put(&vdev->ref, vplp_free);
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
