// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

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
	util_check(!write_str(path, buf), "write \"%s\" to %s", buf, path);
}
