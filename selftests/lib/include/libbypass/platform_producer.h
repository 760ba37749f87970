/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-platform-producer from user space: a device bound to it and its
 * char device opened, and its lines' counters in debugfs
 * (Documentation/vfio-platform-producer.md).
 */
#ifndef LIBBYPASS_PLATFORM_PRODUCER_H
#define LIBBYPASS_PLATFORM_PRODUCER_H

#define VPLP_DEBUGFS	"/sys/kernel/debug/vfio-platform-producer/"

/* Binds model device @device to vfio-platform-producer and opens it. */
int open_platform_producer(const char *device);

/* Unbinds model device @device from vfio-platform-producer: 0 or -errno. */
int unbind_platform_producer(const char *device);

/* A counter of vfio-platform-producer's irq @index of @device. */
long long producer_line(const char *device, int index, const char *key);

#endif /* LIBBYPASS_PLATFORM_PRODUCER_H */
