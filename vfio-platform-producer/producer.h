/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by the files of vfio_platform_producer: main.c (platform
 * driver, char device, ioctls), irqs.c (lines, triggers, masking, IRQ
 * bypass producers and forwarding), unmaskfd.c (unmask eventfds) and
 * debugfs.c (the debugfs view).
 *
 * Locking: vplp_device.cdev.lock (mutex) serializes the ioctls, close and
 * remove, and is held while producers register and unregister; vplp_line.lock
 * (spinlock, taken in the hard irq handler and in eventfd wake-ups) guards a
 * line's masking state. Order: vplp_device.cdev.lock, then the IRQ bypass
 * manager's token lock, then vplp_line.lock; an eventfd's wait queue lock
 * comes before vplp_line.lock.
 */
#ifndef VFIO_PLATFORM_PRODUCER_H
#define VFIO_PLATFORM_PRODUCER_H

#include <linux/atomic.h>
#include <linux/irqbypass.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <irqbypass/compat.h>
#include <irqbypass/vfio_chardev.h>

struct dentry;
struct eventfd_ctx;
struct seq_file;
struct vplp_device;
struct vplp_unmaskfd;

/**
 * struct vplp_counters - what happened on a line since its device was bound
 * @handled: handler runs that signaled (or, without an eventfd, would have
 *	signaled) the trigger, from the line or from software
 * @forwarded: of those, level runs while the irq was forwarded to a vCPU
 * @host_masked: of those, level runs that masked the line
 * @unmasks: the line went from masked to unmasked
 * @refused: add_consumer calls refused with -EBUSY
 * @deactivated: del_consumer found the line active and deactivated it
 */
struct vplp_counters {
	atomic64_t handled;
	atomic64_t forwarded;
	atomic64_t host_masked;
	atomic64_t unmasks;
	atomic64_t refused;
	atomic64_t deactivated;
};

/**
 * struct vplp_line - one IRQ resource of the device: one VFIO irq index
 * @vdev: its device
 * @index: the VFIO irq index, the resource's rank among the device's irqs
 * @irq: its Linux irq
 * @level: a level-triggered line, automasked by the host; read again when
 *	the device is opened
 * @name: its name in /proc/interrupts
 * @trigger: the eventfd it signals, or NULL; under vplp_device.cdev.lock, and
 *	stable while the irq is requested
 * @producer: the IRQ bypass producer for @trigger
 * @registered: @producer is registered with the IRQ bypass manager
 * @lock: guards what follows
 * @requested: the irq is requested, so @masked is reflected in its
 *	disable depth
 * @masked: masked by the host (automasked, or ACTION_MASK) until unmasked
 * @connected: @producer is paired with a consumer
 * @unmaskfd: the unmask eventfd, or NULL
 * @count: counters, read through debugfs
 */
struct vplp_line {
	struct vplp_device *vdev;
	u32 index;
	int irq;
	bool level;
	char *name;
	struct eventfd_ctx *trigger;
	struct irq_bypass_producer producer;
	bool registered;

	spinlock_t lock;		/* masking state, from hard irq */
	bool requested;
	bool masked;
	bool connected;
	struct vplp_unmaskfd *unmaskfd;

	struct vplp_counters count;
};

/**
 * struct vplp_device - one bound platform device and its char device
 * @cdev: its char device, /dev/vfio-platform-producer-<device name>, with
 *	the lock that serializes the ioctls, close and remove
 * @pdev: the platform device; a reference is held until the state is freed
 * @bypass_failures: failed producer registrations, for sysfs
 * @debugfs: the device's debugfs directory
 * @num_irqs: the device's IRQ resources, at least 1
 * @lines: the @num_irqs lines
 */
struct vplp_device {
	struct irqbp_chardev cdev;
	struct platform_device *pdev;
	atomic_t bypass_failures;
	struct dentry *debugfs;
	u32 num_irqs;
	struct vplp_line *lines;
};

/* irqs.c */
int vplp_lines_init(struct vplp_device *vdev, u32 num_irqs);
void vplp_lines_free(struct vplp_device *vdev);
void vplp_lines_refresh(struct vplp_device *vdev);
u32 vplp_line_info_flags(const struct vplp_line *line);
int vplp_set_irqs(struct vplp_device *vdev, u32 flags, u32 index, u32 start,
		  u32 count, const void *data);
void vplp_release_irqs(struct vplp_device *vdev);
bool vplp_line_forwarded(const struct vplp_line *line);
void vplp_unmask(struct vplp_line *line);
void vplp_unmask_locked(struct vplp_line *line);

/* unmaskfd.c */
int vplp_unmaskfd_attach(struct vplp_line *line, int fd);
void vplp_unmaskfd_detach(struct vplp_line *line);
void vplp_unmaskfd_flush(void);
int vplp_unmaskfd_init(void);
void vplp_unmaskfd_exit(void);

/* debugfs.c */
void vplp_debugfs_add(struct vplp_device *vdev);
void vplp_debugfs_remove(struct vplp_device *vdev);
void vplp_debugfs_init(void);
void vplp_debugfs_exit(void);

#endif /* VFIO_PLATFORM_PRODUCER_H */
