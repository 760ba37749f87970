// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debugfs view of kvm-consumer: /sys/kernel/debug/kvm-consumer/irqfds
 * (root only), one line per irqfd of every VM, with its delivery mode, so
 * that a tool such as irqbypass-doctor can say how a vector paired with
 * kvm-consumer is delivered. Format: Documentation/kvm-consumer.md
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "kvm_consumer.h"

static struct dentry *kc_debugfs_dir;

static int irqfds_show(struct seq_file *m, void *unused)
{
	kc_irqfds_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(irqfds);

void kc_debugfs_init(void)
{
	kc_debugfs_dir = debugfs_create_dir("kvm-consumer", NULL);
	debugfs_create_file("irqfds", 0400, kc_debugfs_dir, NULL, &irqfds_fops);
}

void kc_debugfs_exit(void)
{
	debugfs_remove_recursive(kc_debugfs_dir);
}
