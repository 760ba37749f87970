// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lines of a vfio_platform_producer device: trigger eventfds, host
 * masking of level lines, their IRQ bypass producers, and forwarding.
 * Behaviour: Documentation/vfio-platform-producer.md
 *
 * Masking: @masked is the line's host mask, whether or not its irq is
 * requested. While it is (@requested), the line holds exactly one disable
 * level on the irq when masked, none otherwise; request_irq() and free_irq()
 * reset the disable depth, so the irq is requested disabled and @masked is
 * applied afterwards, and a line being freed is disabled first.
 */

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqbypass.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "producer.h"

static void vplp_mask_locked(struct vplp_line *line)
{
	lockdep_assert_held(&line->lock);

	if (line->masked)
		return;
	line->masked = true;
	if (line->requested)
		disable_irq_nosync(line->irq);
}

/**
 * vplp_unmask_locked - lift the host's mask of a line
 * @line: the line, with @line->lock held
 */
void vplp_unmask_locked(struct vplp_line *line)
{
	lockdep_assert_held(&line->lock);

	if (!line->masked)
		return;
	line->masked = false;
	if (line->requested)
		enable_irq(line->irq);
	atomic64_inc(&line->count.unmasks);
}

static void vplp_mask(struct vplp_line *line)
{
	unsigned long flags;

	spin_lock_irqsave(&line->lock, flags);
	vplp_mask_locked(line);
	spin_unlock_irqrestore(&line->lock, flags);
}

/**
 * vplp_unmask - lift the host's mask of a line
 * @line: the line
 */
void vplp_unmask(struct vplp_line *line)
{
	unsigned long flags;

	spin_lock_irqsave(&line->lock, flags);
	vplp_unmask_locked(line);
	spin_unlock_irqrestore(&line->lock, flags);
}

/**
 * vplp_line_forwarded - whether a line's irq is forwarded to a vCPU
 * @line: the line
 *
 * Return: the irq's forwarded state, as the consumer set it.
 */
bool vplp_line_forwarded(const struct vplp_line *line)
{
	struct irq_data *data = irq_get_irq_data(line->irq);

	return data && irqd_is_forwarded_to_vcpu(data);
}

/*
 * The hard irq handler, also run from software by ACTION_TRIGGER with
 * DATA_NONE or DATA_BOOL. A forwarded level line stays active until the
 * guest deactivates it, so it is not masked; otherwise a level line is
 * masked until unmasked (VFIO's automasking).
 */
static irqreturn_t vplp_handler(int irq, void *dev_id)
{
	struct vplp_line *line = dev_id;
	irqreturn_t ret = IRQ_HANDLED;
	unsigned long flags;

	if (line->level) {
		if (vplp_line_forwarded(line)) {
			atomic64_inc(&line->count.forwarded);
		} else {
			spin_lock_irqsave(&line->lock, flags);
			if (line->masked) {
				ret = IRQ_NONE;
			} else {
				vplp_mask_locked(line);
				atomic64_inc(&line->count.host_masked);
			}
			spin_unlock_irqrestore(&line->lock, flags);
		}
	}

	if (ret == IRQ_HANDLED) {
		atomic64_inc(&line->count.handled);
		if (line->trigger)
			irqbp_eventfd_signal(line->trigger);
	}
	return ret;
}

/*
 * The manager pauses the line while it pairs or unpairs a consumer. Only
 * a running handler is waited for: disable_irq() would also wait for the
 * chip to drop the line's active state, which a forwarded line keeps until
 * the guest completes it, possibly never (the pair is being broken).
 */
static void vplp_producer_stop(struct irq_bypass_producer *prod)
{
	disable_irq_nosync(prod->irq);
	synchronize_hardirq(prod->irq);
}

static void vplp_producer_start(struct irq_bypass_producer *prod)
{
	enable_irq(prod->irq);
}

/*
 * Whether the interrupt controller has the irq active. A chip that cannot
 * tell has no active state to wait for.
 */
static bool vplp_active(const struct vplp_line *line)
{
	bool active = false;

	if (irq_get_irqchip_state(line->irq, IRQCHIP_STATE_ACTIVE, &active))
		return false;
	return active;
}

/*
 * Called stopped, before the consumer may forward the irq. A level line
 * with an interrupt in flight, handled by the host (masked, waiting for its
 * unmask) or still active at the controller, cannot change hands now:
 * -EBUSY, not -EAGAIN, since the manager fails that registration for good
 * and nothing retries it (Documentation/vfio-platform-producer.md).
 */
static int vplp_add_consumer(struct irq_bypass_producer *prod,
			     struct irq_bypass_consumer *cons)
{
	struct vplp_line *line = container_of(prod, struct vplp_line, producer);
	unsigned long flags;
	bool busy;

	if (line->level) {
		spin_lock_irqsave(&line->lock, flags);
		busy = line->masked;
		spin_unlock_irqrestore(&line->lock, flags);

		if (busy || vplp_active(line)) {
			atomic64_inc(&line->count.refused);
			return -EBUSY;
		}
	}

	spin_lock_irqsave(&line->lock, flags);
	line->connected = true;
	spin_unlock_irqrestore(&line->lock, flags);
	return 0;
}

/*
 * Called stopped, after the consumer's del_producer has stopped forwarding:
 * the handler masks the line again. An interrupt the guest left active is
 * deactivated as it is, unmasked, so the line can fire again to the host;
 * an edge line too, should a consumer have forwarded one, since nothing
 * else would ever deactivate it and free_irq() would wait for it forever.
 */
static void vplp_del_consumer(struct irq_bypass_producer *prod,
			      struct irq_bypass_consumer *cons)
{
	struct vplp_line *line = container_of(prod, struct vplp_line, producer);
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&line->lock, flags);
	line->connected = false;
	spin_unlock_irqrestore(&line->lock, flags);

	if (!vplp_active(line))
		return;

	ret = irq_set_irqchip_state(line->irq, IRQCHIP_STATE_ACTIVE, false);
	if (ret)
		dev_warn_ratelimited(&line->vdev->pdev->dev,
				     "irq index %u: deactivation failed: %d\n",
				     line->index, ret);
	else
		atomic64_inc(&line->count.deactivated);
}

/*
 * Give @line the eventfd @trigger, or none if NULL, releasing the one it had
 * first: producer, then irq, then eventfd. Takes over the reference on
 * @trigger on success only.
 */
static int vplp_line_set_trigger(struct vplp_device *vdev,
				 struct vplp_line *line,
				 struct eventfd_ctx *trigger)
{
	unsigned long flags;
	int ret;

	lockdep_assert_held(&vdev->cdev.lock);

	if (line->trigger) {
		if (line->registered) {
			irq_bypass_unregister_producer(&line->producer);
			line->registered = false;
		}
		spin_lock_irqsave(&line->lock, flags);
		/* Quiet until freed; free_irq() resets the depth anyway. */
		if (!line->masked)
			disable_irq_nosync(line->irq);
		line->requested = false;
		spin_unlock_irqrestore(&line->lock, flags);
		free_irq(line->irq, line);
		eventfd_ctx_put(line->trigger);
		line->trigger = NULL;
	}

	if (!trigger)
		return 0;

	line->trigger = trigger;
	ret = request_irq(line->irq, vplp_handler, IRQF_NO_AUTOEN, line->name,
			  line);
	if (ret) {
		line->trigger = NULL;
		return ret;
	}
	spin_lock_irqsave(&line->lock, flags);
	line->requested = true;
	if (!line->masked)
		enable_irq(line->irq);
	spin_unlock_irqrestore(&line->lock, flags);

	ret = irqbp_register_producer(&line->producer, trigger, line->irq);
	if (ret) {
		/* No bypass, but the interrupt still reaches the eventfd. */
		atomic_inc(&vdev->bypass_failures);
		dev_info(&vdev->pdev->dev,
			 "irq index %u: irq bypass producer registration failed: %d\n",
			 line->index, ret);
	} else {
		line->registered = true;
	}
	return 0;
}

/* ACTION_MASK, as VFIO platform, but for an eventfd, which is -EINVAL. */
static int vplp_set_irq_mask(struct vplp_line *line, u32 start, u32 count,
			     u32 flags, const void *data)
{
	if (start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;

	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(const u8 *)data)
		vplp_mask(line);
	return 0;
}

/* ACTION_UNMASK, as VFIO platform: an eventfd is an unmask eventfd. */
static int vplp_set_irq_unmask(struct vplp_line *line, u32 start, u32 count,
			       u32 flags, const void *data)
{
	if (start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		s32 fd = *(const s32 *)data;

		if (fd >= 0)
			return vplp_unmaskfd_attach(line, fd);
		vplp_unmaskfd_detach(line);
		return 0;
	}

	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(const u8 *)data)
		vplp_unmask(line);
	return 0;
}

/*
 * ACTION_TRIGGER, as VFIO platform, but that the new eventfd is looked up
 * before the old one is released, so that a bad fd changes nothing.
 */
static int vplp_set_irq_trigger(struct vplp_device *vdev,
				struct vplp_line *line, u32 start, u32 count,
				u32 flags, const void *data)
{
	struct eventfd_ctx *trigger = NULL;
	int ret;

	if (!count && (flags & VFIO_IRQ_SET_DATA_NONE))
		return vplp_line_set_trigger(vdev, line, NULL);

	if (start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		s32 fd = *(const s32 *)data;

		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger))
				return PTR_ERR(trigger);
		}
		ret = vplp_line_set_trigger(vdev, line, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	}

	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(const u8 *)data)
		vplp_handler(line->irq, line);
	return 0;
}

/**
 * vplp_set_irqs - VFIO_DEVICE_SET_IRQS on one line
 * @vdev: the device, with @vdev->cdev.lock held
 * @flags: one VFIO_IRQ_SET_DATA_* flag and the VFIO_IRQ_SET_ACTION_* flags
 * @index: the line, below @vdev->num_irqs
 * @start: first irq of the index (only 0 is valid)
 * @count: number of irqs (1, or 0 to remove a trigger)
 * @data: an s32 fd (DATA_EVENTFD) or u8 bool (DATA_BOOL), else NULL
 *
 * The caller has validated the arguments as
 * vfio_set_irqs_validate_and_prepare() does for VFIO platform, against
 * @vdev->num_irqs.
 *
 * Return: 0; -ENOTTY unless exactly one action is given; -EINVAL for
 * another @start or @count, or an eventfd to mask; -EBADF or -EINVAL for an
 * fd that is not an eventfd; -EBUSY if the line already has an unmask
 * eventfd; -ENOMEM; or the error of request_irq().
 */
int vplp_set_irqs(struct vplp_device *vdev, u32 flags, u32 index, u32 start,
		  u32 count, const void *data)
{
	struct vplp_line *line = &vdev->lines[index];

	lockdep_assert_held(&vdev->cdev.lock);

	switch (flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_MASK:
		return vplp_set_irq_mask(line, start, count, flags, data);
	case VFIO_IRQ_SET_ACTION_UNMASK:
		return vplp_set_irq_unmask(line, start, count, flags, data);
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		return vplp_set_irq_trigger(vdev, line, start, count, flags,
					    data);
	default:
		return -ENOTTY;
	}
}

/**
 * vplp_release_irqs - release every line's eventfds, irq and producer
 * @vdev: the device, with @vdev->cdev.lock held
 *
 * For each line: remove its unmask eventfd, unregister its producer, free
 * its irq, put its trigger, and forget its host mask. On return no unmask
 * eventfd of the device is on an eventfd's wait queue any more.
 */
void vplp_release_irqs(struct vplp_device *vdev)
{
	struct vplp_line *line;
	u32 i;

	lockdep_assert_held(&vdev->cdev.lock);

	for (i = 0; i < vdev->num_irqs; i++) {
		line = &vdev->lines[i];
		vplp_unmaskfd_detach(line);
		vplp_line_set_trigger(vdev, line, NULL);
		spin_lock_irq(&line->lock);
		line->masked = false;
		spin_unlock_irq(&line->lock);
	}
	/* Those that a close of their eventfd detached. */
	vplp_unmaskfd_flush();
}

/* Level or edge: the irq's type, else its resource's flags. */
static bool vplp_is_level(struct platform_device *pdev, u32 index, int irq)
{
	struct irq_data *data = irq_get_irq_data(irq);
	struct resource *res;

	if (data && (irqd_is_level_type(data) ||
		     (irqd_get_trigger_type(data) & IRQ_TYPE_LEVEL_MASK)))
		return true;
	res = platform_get_resource(pdev, IORESOURCE_IRQ, index);
	return res && (res->flags & (IORESOURCE_IRQ_HIGHLEVEL |
				     IORESOURCE_IRQ_LOWLEVEL));
}

/**
 * vplp_lines_refresh - read the lines' trigger types again
 * @vdev: the device, with @vdev->cdev.lock held and no irq requested
 *
 * VFIO platform reads them when the device is opened; so does open().
 */
void vplp_lines_refresh(struct vplp_device *vdev)
{
	u32 i;

	lockdep_assert_held(&vdev->cdev.lock);

	for (i = 0; i < vdev->num_irqs; i++)
		vdev->lines[i].level = vplp_is_level(vdev->pdev, i,
						     vdev->lines[i].irq);
}

/**
 * vplp_lines_init - one line per IRQ resource of the device
 * @vdev: the device being probed
 * @num_irqs: its number of IRQ resources, at least 1
 *
 * Return: 0, or -ENOMEM, or the error of platform_get_irq_optional().
 */
int vplp_lines_init(struct vplp_device *vdev, u32 num_irqs)
{
	struct platform_device *pdev = vdev->pdev;
	struct vplp_line *line;
	int irq, ret;
	u32 i;

	vdev->lines = kcalloc(num_irqs, sizeof(*vdev->lines), GFP_KERNEL);
	if (!vdev->lines)
		return -ENOMEM;
	vdev->num_irqs = num_irqs;

	for (i = 0; i < num_irqs; i++) {
		line = &vdev->lines[i];
		irq = platform_get_irq_optional(pdev, i);
		if (irq <= 0) {
			ret = irq ? irq : -EINVAL;
			goto err_free;
		}
		line->name = kasprintf(GFP_KERNEL,
				       "vfio-platform-producer-irq[%u](%s)", i,
				       dev_name(&pdev->dev));
		if (!line->name) {
			ret = -ENOMEM;
			goto err_free;
		}
		line->vdev = vdev;
		line->index = i;
		line->irq = irq;
		line->level = vplp_is_level(pdev, i, irq);
		spin_lock_init(&line->lock);
		line->producer.add_consumer = vplp_add_consumer;
		line->producer.del_consumer = vplp_del_consumer;
		line->producer.stop = vplp_producer_stop;
		line->producer.start = vplp_producer_start;
	}
	return 0;

err_free:
	vplp_lines_free(vdev);
	return ret;
}

/**
 * vplp_lines_free - free the lines of vplp_lines_init()
 * @vdev: the device; none of its lines holds anything any more
 */
void vplp_lines_free(struct vplp_device *vdev)
{
	u32 i;

	for (i = 0; i < vdev->num_irqs; i++)
		kfree(vdev->lines[i].name);
	kfree(vdev->lines);
	vdev->lines = NULL;
	vdev->num_irqs = 0;
}

/**
 * vplp_line_info_flags - VFIO_DEVICE_GET_IRQ_INFO flags of a line
 * @line: the line
 *
 * Return: eventfd and maskable, and automasked for a level line.
 */
u32 vplp_line_info_flags(const struct vplp_line *line)
{
	u32 flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;

	if (line->level)
		flags |= VFIO_IRQ_INFO_AUTOMASKED;
	return flags;
}
