/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt controller model from user space: its lines' state and
 * counters, and its control file (Documentation/irqchip-model.md).
 */
#ifndef LIBBYPASS_IRQCHIP_MODEL_H
#define LIBBYPASS_IRQCHIP_MODEL_H

#define MODEL_DEBUGFS	"/sys/kernel/debug/irqchip-model/"

/* A counter or state of line @line of model device @device. */
long long model_line(const char *device, int line, const char *key);

/*
 * The model's command @cmd ("pulse", "burst"...) on a line, with @args
 * ("" for none) after the line; aborts on error, saying which.
 */
void model_ctl(const char *device, const char *cmd, int line, const char *args);

#endif /* LIBBYPASS_IRQCHIP_MODEL_H */
