// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdio.h>

#include <libbypass/debugfs.h>
#include <libbypass/platform_producer.h>

int open_platform_producer(const char *device)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 device);
	write_str(path, "vfio_platform_producer");
	write_str("/sys/bus/platform/drivers_probe", device);
	snprintf(path, sizeof(path), "/dev/vfio-platform-producer-%s", device);
	return open(path, O_RDWR | O_CLOEXEC);
}

int unbind_platform_producer(const char *device)
{
	return write_str("/sys/bus/platform/drivers/vfio_platform_producer/unbind",
			 device);
}

long long producer_line(const char *device, int index, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), VPLP_DEBUGFS "%s/irqs", device);
	return kv_field(path, index, key);
}
