// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debugfs view of vfio_platform_producer: a directory per bound device
 * under /sys/kernel/debug/vfio-platform-producer/, with the state and the
 * counters of each of its lines in "irqs" (root only). Format:
 * Documentation/vfio-platform-producer.md
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "producer.h"

static struct dentry *vplp_debugfs_root;

/* One line of text per line of the device; the format is in the doc. */
static int vplp_irqs_show(struct seq_file *m, void *unused)
{
	struct vplp_device *vdev = m->private;
	struct vplp_line *line;
	bool masked, connected, unmaskfd;
	unsigned long flags;
	u32 i;

	mutex_lock(&vdev->cdev.lock);
	for (i = 0; i < vdev->num_irqs; i++) {
		line = &vdev->lines[i];
		spin_lock_irqsave(&line->lock, flags);
		masked = line->masked;
		connected = line->connected;
		unmaskfd = !!line->unmaskfd;
		spin_unlock_irqrestore(&line->lock, flags);

		seq_printf(m, "%u irq=%d %s trigger=%d producer=%d consumer=%d unmaskfd=%d masked=%d forwarded=%d",
			   i, line->irq, line->level ? "level" : "edge",
			   !!line->trigger, line->registered, connected,
			   unmaskfd, masked, vplp_line_forwarded(line));
		seq_printf(m, " handled=%lld forwarded_handled=%lld host_masked=%lld unmasks=%lld refused=%lld deactivated=%lld\n",
			   atomic64_read(&line->count.handled),
			   atomic64_read(&line->count.forwarded),
			   atomic64_read(&line->count.host_masked),
			   atomic64_read(&line->count.unmasks),
			   atomic64_read(&line->count.refused),
			   atomic64_read(&line->count.deactivated));
	}
	mutex_unlock(&vdev->cdev.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vplp_irqs);

/**
 * vplp_debugfs_add - the debugfs directory of a device being bound
 * @vdev: the device
 */
void vplp_debugfs_add(struct vplp_device *vdev)
{
	vdev->debugfs = debugfs_create_dir(dev_name(&vdev->pdev->dev),
					   vplp_debugfs_root);
	debugfs_create_file("irqs", 0400, vdev->debugfs, vdev, &vplp_irqs_fops);
}

/**
 * vplp_debugfs_remove - remove a device's debugfs directory
 * @vdev: the device
 *
 * Waits for its readers, which take @vdev->cdev.lock: not to be called under it.
 */
void vplp_debugfs_remove(struct vplp_device *vdev)
{
	debugfs_remove_recursive(vdev->debugfs);
}

/**
 * vplp_debugfs_init - module init of the debugfs view
 */
void vplp_debugfs_init(void)
{
	vplp_debugfs_root = debugfs_create_dir("vfio-platform-producer", NULL);
}

/**
 * vplp_debugfs_exit - module exit of the debugfs view
 */
void vplp_debugfs_exit(void)
{
	debugfs_remove_recursive(vplp_debugfs_root);
}
