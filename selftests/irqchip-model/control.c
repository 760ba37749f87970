// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's root-only control interface in debugfs:
 * irqchip-model/<device>/ctl takes commands, irqchip-model/<device>/lines
 * shows each line's state and counters. Documentation/irqchip-model.md
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/irq.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "model.h"

static struct dentry *icm_debugfs_root;

/* "<command> <line> [args]": assert, deassert, pulse [n], burst n period_us, reset. */
static ssize_t icm_ctl_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct icm_device *dev = file_inode(file)->i_private;
	unsigned int line, a = 1, b = 0;
	char buf[64], cmd[16];
	struct icm_line *l;
	int n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%15s %u %u %u", cmd, &line, &a, &b);
	if (n < 2 || line >= dev->nr_lines)
		return -EINVAL;
	l = &dev->lines[line];

	if (!strcmp(cmd, "assert") || !strcmp(cmd, "deassert")) {
		if (n != 2 || !l->level)
			return -EINVAL;
		icm_set_level(l, cmd[0] == 'a');
	} else if (!strcmp(cmd, "pulse")) {
		if (n > 3 || a > 1000000)
			return -EINVAL;
		while (a--)
			icm_raise(l);
	} else if (!strcmp(cmd, "burst")) {
		if (n != 4)
			return -EINVAL;
		icm_start_burst(l, a, b);
	} else if (!strcmp(cmd, "reset")) {
		if (n != 2)
			return -EINVAL;
		icm_reset_counters(l);
	} else {
		return -EINVAL;
	}
	icm_kick_sync(l);
	return len;
}

static const struct file_operations icm_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = icm_ctl_write,
};

static int icm_lines_show(struct seq_file *m, void *unused)
{
	struct icm_device *dev = m->private;
	unsigned int i;

	for (i = 0; i < dev->nr_lines; i++) {
		struct icm_line *l = &dev->lines[i];
		struct irqchip_model_counters c;
		struct irqchip_model_state s;
		unsigned int burst_left;

		icm_snapshot(l, &s, &c);
		burst_left = READ_ONCE(l->burst_left);
		seq_printf(m, "line=%u irq=%u type=%s flavour=%s asserted=%d pending=%d active=%d masked=%d forwarded=%d posted=%d ",
			   i, l->virq, s.level ? "level" : "edge",
			   s.posting ? "posting" : s.foreign ? "foreign" : "gic",
			   s.asserted, s.pending,
			   s.active, s.masked, s.forwarded, s.posted);
		seq_printf(m, "raised=%llu handled=%llu posted_count=%llu notifications=%llu coalesced=%llu completions=%llu masks=%llu unmasks=%llu ",
			   c.raised, c.handled, c.posted, c.notifications,
			   c.coalesced, c.completions, c.masks, c.unmasks);
		seq_printf(m, "retriggers=%llu vcpu_affinity=%llu vcpu_affinity_null=%llu burst_left=%u\n",
			   c.retriggers, c.vcpu_affinity, c.vcpu_affinity_null,
			   burst_left);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(icm_lines);

int icm_debugfs_init(void)
{
	icm_debugfs_root = debugfs_create_dir("irqchip-model", NULL);
	return IS_ERR(icm_debugfs_root) ? PTR_ERR(icm_debugfs_root) : 0;
}

void icm_debugfs_add(struct icm_device *dev)
{
	dev->debugfs = debugfs_create_dir(dev_name(&dev->pdev->dev),
					  icm_debugfs_root);
	debugfs_create_file("ctl", 0200, dev->debugfs, dev, &icm_ctl_fops);
	debugfs_create_file("lines", 0400, dev->debugfs, dev, &icm_lines_fops);
}

void icm_debugfs_exit(void)
{
	debugfs_remove_recursive(icm_debugfs_root);
	icm_debugfs_root = NULL;
}
