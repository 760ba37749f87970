/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The char device of a producer, shared by vfio-pci-producer and
 * vfio-platform-producer: /dev/<prefix>-<device>, root only, one opener at
 * a time, answering VFIO's device ioctls. Its state is reference counted,
 * the driver's binding and the open file holding one reference each: an
 * unbind does not wait for the file to be closed, it releases the
 * interrupts at once and marks the device dead, after which every call
 * fails with -ENODEV, and the file's close drops the last reference.
 */
#ifndef _IRQBYPASS_VFIO_CHARDEV_H
#define _IRQBYPASS_VFIO_CHARDEV_H

#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/slab.h>

struct irqbp_chardev;

/**
 * struct irqbp_chardev_ops - what a producer does with its char device
 * @open: optional; the file is being opened, with the lock held
 * @release: release every interrupt the file set up, with the lock held
 * @ioctl: a device ioctl on a live device
 * @free: free the producer's state, once nothing refers to it
 */
struct irqbp_chardev_ops {
	void (*open)(struct irqbp_chardev *cdev);
	void (*release)(struct irqbp_chardev *cdev);
	long (*ioctl)(struct irqbp_chardev *cdev, unsigned int cmd,
		      void __user *arg);
	void (*free)(struct irqbp_chardev *cdev);
};

/**
 * struct irqbp_chardev - a producer's char device, in its state
 * @misc: the char device
 * @ops: the producer's operations
 * @ref: the binding and an open file hold one reference each
 * @lock: serializes the ioctls, close and unbind; guards what follows and
 *	the producer's interrupts
 * @dead: the driver was unbound
 * @opened: the char device is open
 */
struct irqbp_chardev {
	struct miscdevice misc;
	const struct irqbp_chardev_ops *ops;
	struct kref ref;
	struct mutex lock;		/* ioctls vs close vs unbind */
	bool dead;
	bool opened;
};

static inline void irqbp_chardev_free(struct kref *ref)
{
	struct irqbp_chardev *cdev;

	cdev = container_of(ref, struct irqbp_chardev, ref);

	mutex_destroy(&cdev->lock);
	kfree(cdev->misc.name);
	cdev->ops->free(cdev);
}

/* Drops a reference: the last one frees the producer's state. */
static inline void irqbp_chardev_put(struct irqbp_chardev *cdev)
{
	kref_put(&cdev->ref, irqbp_chardev_free);
}

static inline int irqbp_chardev_open(struct inode *inode, struct file *file)
{
	/* misc_open() holds misc_mtx: the unbind cannot have freed us yet. */
	struct irqbp_chardev *cdev = container_of(file->private_data,
						  struct irqbp_chardev, misc);
	int ret;

	ret = nonseekable_open(inode, file);
	if (ret)
		return ret;

	mutex_lock(&cdev->lock);
	if (cdev->dead) {
		ret = -ENODEV;
	} else if (cdev->opened) {
		ret = -EBUSY;
	} else {
		cdev->opened = true;
		if (cdev->ops->open)
			cdev->ops->open(cdev);
		kref_get(&cdev->ref);
		file->private_data = cdev;
	}
	mutex_unlock(&cdev->lock);
	return ret;
}

static inline int irqbp_chardev_release(struct inode *inode, struct file *file)
{
	struct irqbp_chardev *cdev = file->private_data;

	mutex_lock(&cdev->lock);
	cdev->ops->release(cdev);
	cdev->opened = false;
	mutex_unlock(&cdev->lock);

	irqbp_chardev_put(cdev);
	return 0;
}

static inline long irqbp_chardev_ioctl(struct file *file, unsigned int cmd,
				       unsigned long arg)
{
	struct irqbp_chardev *cdev = file->private_data;
	bool dead;

	mutex_lock(&cdev->lock);
	dead = cdev->dead;
	mutex_unlock(&cdev->lock);
	if (dead)
		return -ENODEV;
	return cdev->ops->ioctl(cdev, cmd, (void __user *)arg);
}

static const struct file_operations irqbp_chardev_fops = {
	.owner = THIS_MODULE,
	.open = irqbp_chardev_open,
	.release = irqbp_chardev_release,
	.unlocked_ioctl = irqbp_chardev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * irqbp_chardev_init - set up the char device of a device being bound
 * @cdev: the char device, in zeroed state
 * @ops: the producer's operations
 * @prefix: the name before the device's, e.g. "vfio-pci-producer"
 * @parent: the device
 *
 * Takes the binding's reference: drop it with irqbp_chardev_put(), which
 * calls @ops->free, also on failure here.
 *
 * Return: 0 or -ENOMEM.
 */
static inline int irqbp_chardev_init(struct irqbp_chardev *cdev,
				     const struct irqbp_chardev_ops *ops,
				     const char *prefix, struct device *parent)
{
	kref_init(&cdev->ref);
	mutex_init(&cdev->lock);
	cdev->ops = ops;
	cdev->misc.minor = MISC_DYNAMIC_MINOR;
	cdev->misc.fops = &irqbp_chardev_fops;
	cdev->misc.parent = parent;
	cdev->misc.mode = 0600;
	cdev->misc.name = kasprintf(GFP_KERNEL, "%s-%s", prefix,
				    dev_name(parent));
	return cdev->misc.name ? 0 : -ENOMEM;
}

/**
 * irqbp_chardev_unbind - the device is being unbound
 * @cdev: its char device, registered
 *
 * No open from now on; an open file keeps the state alive, but its
 * interrupts are released now and its calls fail with -ENODEV. The caller
 * drops the binding's reference when done with the device.
 */
static inline void irqbp_chardev_unbind(struct irqbp_chardev *cdev)
{
	misc_deregister(&cdev->misc);

	mutex_lock(&cdev->lock);
	cdev->ops->release(cdev);
	cdev->dead = true;
	mutex_unlock(&cdev->lock);
}

#endif /* _IRQBYPASS_VFIO_CHARDEV_H */
