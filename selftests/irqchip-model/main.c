// SPDX-License-Identifier: GPL-2.0-only
/*
 * irqchip_model: an interrupt controller model whose lines are the IRQ
 * resources of platform devices it creates, so that any platform driver
 * can bind to them and producers and consumers use the kernel's own irq
 * APIs on them. Protocol and control: Documentation/irqchip-model.md
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "model.h"

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("Interrupt controller model: GICv3 forwarding and VT-d posting");
MODULE_VERSION(IRQBYPASS_VERSION);

static unsigned int nr_devices = 3;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "platform devices irqchip-model.0.. (1-8, default 3)");

static unsigned int nr_lines = 4;
module_param(nr_lines, uint, 0444);
MODULE_PARM_DESC(nr_lines, "lines per device (1-32, default 4)");

static unsigned int level_lines = 0x3;
module_param(level_lines, uint, 0444);
MODULE_PARM_DESC(level_lines, "bitmask of the level lines of GIC-flavour devices (default 0x3)");

static unsigned int posting_devices = 0x2;
module_param(posting_devices, uint, 0444);
MODULE_PARM_DESC(posting_devices, "bitmask of the devices with the posting flavour, all edge (default 0x2)");

static unsigned int foreign_devices = 0x4;
module_param(foreign_devices, uint, 0444);
MODULE_PARM_DESC(foreign_devices, "bitmask of the devices with the foreign flavour, a chip double, all edge (default 0x4)");

/*
 * Where the model's descriptors start. UML hands out irqs below
 * UM_LAST_SIGNAL_IRQ itself without marking them in genirq's bitmap; x86
 * raises a lower bound of its own (arch_dynirq_lower_bound()).
 */
#ifdef CONFIG_UML
#define ICM_FIRST_IRQ	UM_LAST_SIGNAL_IRQ
#else
#define ICM_FIRST_IRQ	0
#endif

static struct fwnode_handle *icm_fwnode;
static struct irq_domain *icm_domain;
static struct icm_device *icm_devices[ICM_MAX_DEVICES];

static struct icm_line *icm_line_or_null(unsigned int irq)
{
	return irq ? icm_line_of(irq) : NULL;
}

/**
 * irqchip_model_irq - the Linux irq of a model line
 * @device: the device's id (irqchip-model.<id>)
 * @line: the line's index in the device's IRQ resources
 *
 * Return: the irq, or 0 if there is no such line.
 */
unsigned int irqchip_model_irq(unsigned int device, unsigned int line)
{
	if (device >= nr_devices || line >= icm_devices[device]->nr_lines)
		return 0;
	return icm_devices[device]->lines[line].virq;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_irq);

/**
 * irqchip_model_set_level - drive the input of a level line
 * @irq: a model line's irq
 * @asserted: the new level
 *
 * Delivery, if any, happens in hard interrupt context before this returns.
 * May sleep.
 *
 * Return: 0, or -EINVAL if @irq is not a level line of the model.
 */
int irqchip_model_set_level(unsigned int irq, bool asserted)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l || !l->level)
		return -EINVAL;
	icm_set_level(l, asserted);
	icm_kick_sync(l);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_set_level);

/**
 * irqchip_model_pulse - one interrupt from the device
 * @irq: a model line's irq
 *
 * An edge; on a level line, an assertion that the line drops once the CPU
 * interface acknowledges it. Delivery, if any, happens in hard interrupt
 * context before this returns. May sleep.
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_pulse(unsigned int irq)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_raise(l);
	icm_kick_sync(l);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_pulse);

/**
 * irqchip_model_burst - pulses raised from a timer, in hard irq context
 * @irq: a model line's irq
 * @n: how many (0 stops a burst under way)
 * @period_us: microseconds between two
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_burst(unsigned int irq, unsigned int n, unsigned int period_us)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_start_burst(l, n, period_us);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_burst);

/**
 * irqchip_model_sync - wait for the deliveries a state change queued
 * @irq: a model line's irq
 *
 * Chip callbacks (an unmask, a deactivation) run under the irq
 * descriptor's lock and leave delivery to the line's irq_work. May sleep.
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_sync(unsigned int irq)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_kick_sync(l);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_sync);

/**
 * irqchip_model_reset - zero a line's counters
 * @irq: a model line's irq
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_reset(unsigned int irq)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_reset_counters(l);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_reset);

/**
 * irqchip_model_counters - what happened on a line
 * @irq: a model line's irq
 * @c: filled with the line's counters
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_counters(unsigned int irq, struct irqchip_model_counters *c)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_snapshot(l, NULL, c);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_counters);

/**
 * irqchip_model_state - where a line stands
 * @irq: a model line's irq
 * @s: filled with the line's state
 *
 * Return: 0, or -EINVAL if @irq is not a line of the model.
 */
int irqchip_model_state(unsigned int irq, struct irqchip_model_state *s)
{
	struct icm_line *l = icm_line_or_null(irq);

	if (!l)
		return -EINVAL;
	icm_snapshot(l, s, NULL);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(irqchip_model_state);

static void icm_destroy(void)
{
	unsigned int i, j;

	for (i = 0; i < ICM_MAX_DEVICES; i++) {
		struct icm_device *dev = icm_devices[i];

		if (!dev)
			continue;
		/* Unbinds whatever driver holds the lines. */
		if (dev->pdev)
			platform_device_unregister(dev->pdev);
		for (j = 0; j < dev->nr_lines; j++) {
			icm_line_stop(&dev->lines[j]);
			if (dev->lines[j].virq)
				irq_dispose_mapping(dev->lines[j].virq);
		}
		kfree(dev);
		icm_devices[i] = NULL;
	}
	if (icm_domain)
		irq_domain_remove(icm_domain);
	if (icm_fwnode)
		irq_domain_free_fwnode(icm_fwnode);
}

static int icm_create_device(unsigned int id)
{
	struct platform_device *pdev;
	struct icm_device *dev;
	struct resource *res;
	unsigned int i;
	int virq, ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	res = kcalloc(nr_lines, sizeof(*res), GFP_KERNEL);
	if (!dev || !res) {
		kfree(dev);
		ret = -ENOMEM;
		goto out;
	}
	icm_devices[id] = dev;
	raw_spin_lock_init(&dev->lock);
	dev->posting = posting_devices & BIT(id);
	dev->foreign = !dev->posting && (foreign_devices & BIT(id));
	dev->nr_lines = nr_lines;
	for (i = 0; i < nr_lines; i++) {
		struct icm_line *l = &dev->lines[i];

		l->dev = dev;
		l->index = i;
		l->posting = dev->posting;
		l->foreign = dev->foreign;
		l->level = !dev->posting && !dev->foreign && (level_lines & BIT(i));
		icm_line_init(l);
		virq = irq_alloc_desc_from(ICM_FIRST_IRQ, NUMA_NO_NODE);
		if (virq < 0) {
			ret = virq;
			goto out;
		}
		/* icm_map() sets l->virq. */
		ret = irq_domain_associate(icm_domain, virq, id * ICM_MAX_LINES + i);
		if (ret) {
			irq_free_desc(virq);
			goto out;
		}
		res[i] = (struct resource)DEFINE_RES_IRQ(l->virq);
		res[i].flags |= l->level ? IORESOURCE_IRQ_HIGHLEVEL :
					   IORESOURCE_IRQ_HIGHEDGE;
	}
	/* The resources are copied: ours go at once. */
	pdev = platform_device_register_simple("irqchip-model", id, res, nr_lines);
	ret = PTR_ERR_OR_ZERO(pdev);
	if (!ret) {
		dev->pdev = pdev;
		icm_debugfs_add(dev);
	}
out:
	kfree(res);
	return ret;
}

static int __init icm_init(void)
{
	unsigned int i;
	int ret;

	if (!nr_devices || nr_devices > ICM_MAX_DEVICES || !nr_lines ||
	    nr_lines > ICM_MAX_LINES)
		return -EINVAL;

	icm_fwnode = irq_domain_alloc_named_fwnode("irqchip-model");
	if (!icm_fwnode)
		return -ENOMEM;
	icm_domain = irq_domain_create_linear(icm_fwnode,
					      ICM_MAX_DEVICES * ICM_MAX_LINES,
					      &icm_domain_ops, icm_devices);
	if (!icm_domain) {
		ret = -ENOMEM;
		goto err;
	}
	ret = icm_debugfs_init();
	if (ret)
		goto err;
	for (i = 0; i < nr_devices; i++) {
		ret = icm_create_device(i);
		if (ret)
			goto err;
	}
	return 0;

err:
	icm_destroy();
	icm_debugfs_exit();
	return ret;
}

static void __exit icm_exit(void)
{
	icm_destroy();
	icm_debugfs_exit();
}

module_init(icm_init);
module_exit(icm_exit);
