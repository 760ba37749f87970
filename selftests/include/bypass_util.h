/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the kselftest-harness tests that drive the interrupt
 * controller model, vfio-platform-producer and kvm-consumer from user
 * space: debugfs key=value files, the model's ctl, VFIO_DEVICE_SET_IRQS.
 * Interfaces: Documentation/irqchip-model.md, vfio-platform-producer.md.
 */
#ifndef BYPASS_UTIL_H
#define BYPASS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#define MODEL_DEBUGFS	"/sys/kernel/debug/irqchip-model/"
#define VPLP_DEBUGFS	"/sys/kernel/debug/vfio-platform-producer/"

/* Writes @s to @path in one write: 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Aborts the test, saying why: a reading that is missing must fail the
 * test, never stand in as a value a comparison could accept.
 */
#define util_fail(fmt, ...) do {					\
	fprintf(stderr, "# %s: " fmt "\n", __func__, ##__VA_ARGS__);	\
	abort();							\
} while (0)

/* The number after " @key=" on line @index of @path; aborts if missing. */
static inline long long kv_field(const char *path, int index, const char *key)
{
	char line[512], want[32], *end;
	long long v;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		util_fail("%s: %s", path, strerror(errno));
	snprintf(want, sizeof(want), " %s=", key);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (n++ != index)
			continue;
		fclose(f);
		if (!p)
			util_fail("%s line %d: no key %s", path, index, key);
		v = strtoll(p + strlen(want), &end, 10);
		if (end == p + strlen(want))
			util_fail("%s line %d: %s is not a number", path, index, key);
		return v;
	}
	fclose(f);
	util_fail("%s: no line %d", path, index);
}

/* A counter or state of line @line of model device @device. */
static inline long long model_line(const char *device, int line, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), MODEL_DEBUGFS "%s/lines", device);
	return kv_field(path, line, key);
}

/*
 * The model's command @cmd ("pulse", "burst"...) on a line, with @args
 * ("" for none) after the line; aborts on error, saying which.
 */
static inline void model_ctl(const char *device, const char *cmd, int line,
			     const char *args)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), MODEL_DEBUGFS "%s/ctl", device);
	snprintf(buf, sizeof(buf), "%s %d %s", cmd, line, args);
	if (write_str(path, buf))
		util_fail("%s: \"%s\": %s", path, buf, strerror(errno));
}

/* A counter of vfio-platform-producer's irq @index of @device. */
static inline long long producer_line(const char *device, int index,
				      const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), VPLP_DEBUGFS "%s/irqs", device);
	return kv_field(path, index, key);
}

/* A line of the manager's debugfs stats; aborts if missing. */
static inline long long manager_stat(const char *key)
{
	const char *path = "/sys/kernel/debug/irqbypass/stats";
	char line[128];
	FILE *f = fopen(path, "r");
	size_t len = strlen(key);

	if (!f)
		util_fail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ' ') {
			fclose(f);
			return strtoll(line + len, NULL, 10);
		}
	}
	fclose(f);
	util_fail("%s: no counter %s", path, key);
}

/* Binds model device @device to vfio-platform-producer and opens it. */
static inline int open_platform_producer(const char *device)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 device);
	write_str(path, "vfio_platform_producer");
	write_str("/sys/bus/platform/drivers_probe", device);
	snprintf(path, sizeof(path), "/dev/vfio-platform-producer-%s", device);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* VFIO_DEVICE_SET_IRQS with one eventfd (-1 removes it): 0 or -errno. */
static inline int set_irqs(int dev, uint32_t flags, uint32_t index, int32_t fd)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t fd;
	} s = { { sizeof(s), flags, index, 0, 1 }, fd };

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0;
}

/* VFIO_DEVICE_SET_IRQS: unmask irq @index (DATA_NONE): 0 or -errno. */
static inline int unmask_irq(int dev, uint32_t index)
{
	struct vfio_irq_set u = { sizeof(u), VFIO_IRQ_SET_DATA_NONE |
				  VFIO_IRQ_SET_ACTION_UNMASK, index, 0, 1 };

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &u) ? -errno : 0;
}

static inline int set_trigger(int dev, uint32_t index, int32_t fd)
{
	return set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_ACTION_TRIGGER, index, fd);
}

#endif /* BYPASS_UTIL_H */
