/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What changed between the kernels our modules build for (Debian 12's 6.1
 * to unstable's 7.x), in one place: each helper has the newest kernel's
 * meaning. The IRQBP_* flags come from the target's own headers
 * (scripts/kernel-features.sh, run by Kbuild). Documentation/kernels.md
 */
#ifndef IRQBYPASS_COMPAT_H
#define IRQBYPASS_COMPAT_H

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/irqbypass.h>
#include <linux/platform_device.h>
#include <linux/string.h>

/* One eventfd signal. */
static inline void irqbp_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef IRQBP_EVENTFD_SIGNAL_COUNT
	eventfd_signal(ctx, 1);
#else
	eventfd_signal(ctx);
#endif
}

/*
 * The namespace of EXPORT_SYMBOL_IF_KUNIT() (<kunit/visibility.h>), for a
 * KUnit suite's MODULE_IMPORT_NS(): an identifier before 6.13, a string
 * since.
 */
#ifdef IRQBP_NS_IDENTIFIER
#define IRQBP_KUNIT_NS	EXPORTED_FOR_KUNIT_TESTING
#else
#define IRQBP_KUNIT_NS	"EXPORTED_FOR_KUNIT_TESTING"
#endif

#ifndef IRQBP_HAVE_FD_FILE
#define fd_file(f)	((f).file)
#endif

/* The platform_driver member that takes a void remove(). */
#ifdef IRQBP_HAVE_REMOVE_NEW
#define IRQBP_PLATFORM_REMOVE	remove_new
#else
#define IRQBP_PLATFORM_REMOVE	remove
#endif

/* Whether @dev's driver_override names the driver @name. */
static inline bool irqbp_driver_override_is(struct device *dev, const char *name)
{
#ifdef IRQBP_DEVICE_DRIVER_OVERRIDE
	struct device_driver drv = { .name = name };

	return device_match_driver_override(dev, &drv) > 0;
#else
	struct platform_device *pdev = to_platform_device(dev);

	return pdev->driver_override && !strcmp(pdev->driver_override, name);
#endif
}

static inline void irqbp_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clock, enum hrtimer_mode mode)
{
#ifdef IRQBP_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/*
 * The IRQ bypass API. Until v6.16 a registration carries its token (the
 * eventfd) in the structure; since v6.17 the eventfd, and a producer's
 * irq, are arguments, and the structure keeps the eventfd once registered.
 */
static inline int irqbp_register_producer(struct irq_bypass_producer *prod,
					  struct eventfd_ctx *eventfd, int irq)
{
#ifdef IRQBP_EVENTFD_API
	return irq_bypass_register_producer(prod, eventfd, irq);
#else
	prod->token = eventfd;
	prod->irq = irq;
	return irq_bypass_register_producer(prod);
#endif
}

static inline int irqbp_register_consumer(struct irq_bypass_consumer *cons,
					  struct eventfd_ctx *eventfd)
{
#ifdef IRQBP_EVENTFD_API
	return irq_bypass_register_consumer(cons, eventfd);
#else
	cons->token = eventfd;
	return irq_bypass_register_consumer(cons);
#endif
}

#endif /* IRQBYPASS_COMPAT_H */
