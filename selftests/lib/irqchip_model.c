// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libbypass/assert.h>
#include <libbypass/debugfs.h>
#include <libbypass/irqchip_model.h>

long long model_line(const char *device, int line, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), MODEL_DEBUGFS "%s/lines", device);
	return kv_field(path, line, key);
}

void model_ctl(const char *device, const char *cmd, int line, const char *args)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), MODEL_DEBUGFS "%s/ctl", device);
	snprintf(buf, sizeof(buf), "%s %d %s", cmd, line, args);
	if (write_str(path, buf))
		util_fail("%s: \"%s\": %s", path, buf, strerror(errno));
}
