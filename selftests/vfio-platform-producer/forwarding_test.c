// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM-style IRQ forwarding end to end: a level line of the interrupt
 * controller model (irqchip-model.0, GIC flavour) bound to
 * vfio-platform-producer, its trigger eventfd paired with a level irqfd of
 * kvm-consumer whose resamplefd is the producer's unmask eventfd, as QEMU
 * wires VFIO platform. This test acts as the guest (KC_GUEST_EOI) and as
 * the device (the model's debugfs), and counts each mode per interrupt:
 * forwarded, the guest's completion deactivates the line, with no resample
 * and no host mask or unmask; unforwarded, one of each.
 *
 * Needs irqbypass, irqchip_model, vfio_platform_producer and kvm_consumer
 * loaded, debugfs mounted, and root. Runs in UML and in the test host.
 */
#include <fcntl.h>
#include <sys/eventfd.h>

#include <libbypass/assert.h>
#include <libbypass/debugfs.h>
#include <libbypass/env.h>
#include <libbypass/irqchip_model.h>
#include <libbypass/kvm_consumer.h>
#include <libbypass/platform_producer.h>
#include <libbypass/vfio_irq.h>

#include "kselftest_harness.h"

#define DEVICE		"irqchip-model.0"
#define LINE		0	/* level */
#define GSI		5
#define ROUNDS		50

static void model(const char *cmd)
{
	model_ctl(DEVICE, cmd, LINE, "");
}

static long long model_count(const char *key)
{
	return model_line(DEVICE, LINE, key);
}

static long long producer_count(const char *key)
{
	return producer_line(DEVICE, LINE, key);
}

static struct kc_gsi_state gsi_state(int vm)
{
	return kc_get_gsi_state(vm, GSI);
}

static int guest_eoi(int vm, uint32_t flags)
{
	return kc_eoi(vm, GSI, flags);
}

/* Waits for the guest to hold @n level interrupts. */
static int wait_in_service(int vm, unsigned int n)
{
	for (int i = 0; i < 500; i++) {
		if (gsi_state(vm).in_service == n)
			return 0;
		usleep(2000);
	}
	return -1;
}

/* Counters the test compares before and after its rounds. */
struct snapshot {
	long long handled, masks, unmasks, completions;	/* the model's */
	long long host_masked, producer_unmasks;	/* the producer's */
	long long injections, resamples, deactivations;	/* the guest's */
};

static struct snapshot snap(int vm)
{
	struct kc_gsi_state s = gsi_state(vm);

	return (struct snapshot){
		.handled = model_count("handled"),
		.masks = model_count("masks"),
		.unmasks = model_count("unmasks"),
		.completions = model_count("completions"),
		.host_masked = producer_count("host_masked"),
		.producer_unmasks = producer_count("unmasks"),
		.injections = s.injections,
		.resamples = s.resamples,
		.deactivations = s.deactivations,
	};
}

FIXTURE(pair) {
	int dev, vm, trigger, resample;
};

FIXTURE_SETUP(pair)
{
	struct kvm_irq_routing_entry route = kc_level_route(GSI, GSI);

	self->dev = open_platform_producer(DEVICE);
	ASSERT_GE(self->dev, 0) TH_LOG("open the producer of %s: %s", DEVICE,
				       strerror(errno));
	self->vm = kc_open_vm();
	ASSERT_GE(self->vm, 0);
	ASSERT_EQ(0, kc_set_routes(self->vm, &route, 1));
	self->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	self->resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	model("reset");
	ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
	ASSERT_EQ(0, set_unmask_eventfd(self->dev, LINE, self->resample));
	ASSERT_EQ(0, guest_eoi(self->vm, KC_EOI_HOLD));
}

FIXTURE_TEARDOWN(pair)
{
	close(self->vm);
	close(self->dev);
	close(self->trigger);
	close(self->resample);
	model("deassert");
	EXPECT_EQ(0, model_count("active")) TH_LOG("a line left active");
	EXPECT_EQ(0, model_count("forwarded"));
}

static int assign(struct __test_metadata *_metadata, FIXTURE_DATA(pair) *self)
{
	return kc_irqfd(self->vm, self->trigger, GSI, KVM_IRQFD_FLAG_RESAMPLE,
			self->resample);
}

/* One interrupt: the device asserts, the guest services it, then EOIs. */
static void one_interrupt(struct __test_metadata *_metadata,
			  FIXTURE_DATA(pair) *self)
{
	model("assert");
	ASSERT_EQ(0, wait_in_service(self->vm, 1)) TH_LOG("not injected");
	model("deassert");
	ASSERT_EQ(0, guest_eoi(self->vm, 0));
	ASSERT_EQ(0, wait_in_service(self->vm, 0));
}

static void report(const char *mode, struct snapshot a, struct snapshot b)
{
	ksft_print_msg("%s, per %d interrupts: injected %lld, host handled %lld, resamples %lld, host masks %lld, host unmasks %lld, chip masks %lld, chip unmasks %lld, deactivations %lld, forwarded completions %lld\n",
		       mode, ROUNDS, b.injections - a.injections,
		       b.handled - a.handled, b.resamples - a.resamples,
		       b.host_masked - a.host_masked,
		       b.producer_unmasks - a.producer_unmasks,
		       b.masks - a.masks, b.unmasks - a.unmasks,
		       b.deactivations - a.deactivations,
		       b.completions - a.completions);
	fflush(stdout);
}

static void deassign(int vm, int fd)
{
	util_check(!kc_irqfd(vm, fd, GSI, KVM_IRQFD_FLAG_DEASSIGN, 0),
		   "remove the irqfd of eventfd %d", fd);
}

/* The irqfd first, then the trigger: forwarded all the same. */
TEST_F(pair, consumer_first)
{
	ASSERT_EQ(0, set_trigger(self->dev, LINE, -1));
	ASSERT_EQ(0, assign(_metadata, self));
	EXPECT_EQ(KC_MODE_NONE, gsi_state(self->vm).mode);
	ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
	ASSERT_EQ(KC_MODE_FORWARDED, gsi_state(self->vm).mode);
	one_interrupt(_metadata, self);
	EXPECT_EQ(1, gsi_state(self->vm).deactivations);
	EXPECT_EQ(0, gsi_state(self->vm).resamples);
}

/*
 * Every teardown with a forwarded interrupt held by the guest: the line is
 * deactivated and unforwarded, and where the producer keeps the line, host
 * masking is back and the line is neither active nor masked.
 */
TEST_F(pair, teardowns_with_interrupt_in_service)
{
	static const char *const ways[] = {
		"irqfd deassigned", "trigger removed", "producer closed",
		"device unbound",
	};

	for (int i = 0; i < 4; i++) {
		if (self->dev < 0) {
			self->dev = open_platform_producer(DEVICE);
			ASSERT_GE(self->dev, 0);
			ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
			ASSERT_EQ(0, set_unmask_eventfd(self->dev, LINE, self->resample));
		}
		ASSERT_EQ(0, assign(_metadata, self));
		ASSERT_EQ(KC_MODE_FORWARDED, gsi_state(self->vm).mode) TH_LOG("%s", ways[i]);
		model("assert");
		ASSERT_EQ(0, wait_in_service(self->vm, 1));
		model("deassert");
		ASSERT_EQ(1, model_count("active"));
		switch (i) {
		case 0:
			deassign(self->vm, self->trigger);
			break;
		case 1:
			ASSERT_EQ(0, set_trigger(self->dev, LINE, -1));
			break;
		case 2:
			close(self->dev);
			self->dev = -1;
			break;
		case 3:
			ASSERT_EQ(0, unbind_platform_producer(DEVICE));
			close(self->dev);
			self->dev = -1;
			break;
		}
		EXPECT_EQ(0, model_count("active")) TH_LOG("%s: left active", ways[i]);
		EXPECT_EQ(0, model_count("forwarded")) TH_LOG("%s", ways[i]);
		EXPECT_NE(KC_MODE_FORWARDED, gsi_state(self->vm).mode);
		if (i == 0)
			EXPECT_EQ(0, producer_count("masked")) TH_LOG("%s", ways[i]);
		ASSERT_EQ(0, wait_in_service(self->vm, 0)) TH_LOG("%s", ways[i]);
		deassign(self->vm, self->trigger);
		if (i < 2)
			ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
	}
}

/* Paired and forwarded: no resample, no mask or unmask, a deactivation. */
TEST_F(pair, forwarded_per_interrupt)
{
	struct snapshot a, b;

	ASSERT_EQ(0, assign(_metadata, self));
	ASSERT_EQ(KC_MODE_FORWARDED, gsi_state(self->vm).mode);
	ASSERT_TRUE(gsi_state(self->vm).flags & KC_GSI_CONNECTED);
	EXPECT_EQ(1, model_count("forwarded"));
	a = snap(self->vm);
	for (int i = 0; i < ROUNDS; i++)
		one_interrupt(_metadata, self);
	b = snap(self->vm);
	report("forwarded", a, b);
	EXPECT_EQ(ROUNDS, b.injections - a.injections);
	EXPECT_EQ(ROUNDS, b.handled - a.handled);
	EXPECT_EQ(0, b.resamples - a.resamples);
	EXPECT_EQ(0, b.host_masked - a.host_masked);
	EXPECT_EQ(0, b.producer_unmasks - a.producer_unmasks);
	EXPECT_EQ(0, b.masks - a.masks);
	EXPECT_EQ(0, b.unmasks - a.unmasks);
	EXPECT_EQ(ROUNDS, b.deactivations - a.deactivations);
	EXPECT_EQ(ROUNDS, b.completions - a.completions);

	/* The pair broken: host masking is back, the line idle. */
	ASSERT_EQ(0, kc_irqfd(self->vm, self->trigger, GSI,
			      KVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, model_count("forwarded"));
	EXPECT_EQ(0, model_count("active"));
	EXPECT_EQ(0, model_count("masked"));
	model("assert");
	usleep(20000);
	EXPECT_EQ(1, producer_count("masked")) TH_LOG("host masking restored");
	model("deassert");
	eventfd_write(self->resample, 1);
	usleep(20000);
	EXPECT_EQ(0, producer_count("masked"));
}

/*
 * The line is host-masked when the irqfd comes: the producer refuses to
 * forward (add_consumer -EBUSY), the irqfd works without bypass, and
 * each interrupt takes a resample, a host mask and an unmask.
 */
TEST_F(pair, unforwarded_per_interrupt)
{
	long long failed = manager_stat("failed_add_consumer");
	struct snapshot a, b;

	model("assert");
	usleep(20000);
	ASSERT_EQ(1, producer_count("masked"));
	ASSERT_EQ(0, assign(_metadata, self));
	EXPECT_EQ(failed + 1, manager_stat("failed_add_consumer"));
	EXPECT_FALSE(gsi_state(self->vm).flags & KC_GSI_CONNECTED);
	EXPECT_EQ(KC_MODE_NONE, gsi_state(self->vm).mode);
	/* The signal pending at assignment is injected then. */
	ASSERT_EQ(0, wait_in_service(self->vm, 1));
	model("deassert");
	ASSERT_EQ(0, guest_eoi(self->vm, 0));
	ASSERT_EQ(0, wait_in_service(self->vm, 0));

	a = snap(self->vm);
	for (int i = 0; i < ROUNDS; i++)
		one_interrupt(_metadata, self);
	usleep(20000);
	b = snap(self->vm);
	report("unforwarded", a, b);
	EXPECT_EQ(ROUNDS, b.injections - a.injections);
	EXPECT_EQ(ROUNDS, b.resamples - a.resamples);
	EXPECT_EQ(ROUNDS, b.host_masked - a.host_masked);
	EXPECT_EQ(ROUNDS, b.producer_unmasks - a.producer_unmasks);
	EXPECT_EQ(ROUNDS, b.masks - a.masks);
	EXPECT_EQ(ROUNDS, b.unmasks - a.unmasks);
	EXPECT_EQ(0, b.deactivations - a.deactivations);
	EXPECT_EQ(0, b.completions - a.completions);
	EXPECT_EQ(0, producer_count("masked"));
}

/* Closing the VM with an interrupt in service deactivates the line. */
TEST_F(pair, vm_closed_in_service)
{
	ASSERT_EQ(0, assign(_metadata, self));
	ASSERT_EQ(KC_MODE_FORWARDED, gsi_state(self->vm).mode);
	model("assert");
	ASSERT_EQ(0, wait_in_service(self->vm, 1));
	model("deassert");
	EXPECT_EQ(1, model_count("active"));
	close(self->vm);
	self->vm = open("/dev/null", O_RDONLY);
	EXPECT_EQ(0, model_count("active"));
	EXPECT_EQ(0, model_count("forwarded"));
	EXPECT_EQ(0, producer_count("masked"));
}

/*
 * A storm: the model pulses the line from a hard-irq timer while the irqfd
 * comes and goes FWD_CYCLES times (default 200), so the line is forwarded,
 * refused while masked or active, unforwarded, and forwarded again. Every
 * pulse is handled by the host or coalesced, every interrupt handled is
 * injected once and completed once, and nothing is left active or masked.
 */
TEST_F(pair, storm_across_forwarding_cycles)
{
	int cycles = env_number("FWD_CYCLES", 200), forwarded = 0;
	unsigned int seed = 0x5eed;
	long long raised, handled;
	struct kc_gsi_state s;

	ASSERT_EQ(0, guest_eoi(self->vm, KC_EOI_RELEASE));
	model("reset");
	handled = producer_count("handled");
	model_ctl(DEVICE, "burst", LINE, "1000000 50");
	for (int i = 0; i < cycles; i++) {
		ASSERT_EQ(0, assign(_metadata, self));
		forwarded += gsi_state(self->vm).mode == KC_MODE_FORWARDED;
		usleep(rand_r(&seed) % 2000);
		deassign(self->vm, self->trigger);
	}
	model_ctl(DEVICE, "burst", LINE, "0 0");
	/* The last signal may wait for an irqfd: give it one. */
	usleep(50000);
	ASSERT_EQ(0, assign(_metadata, self));
	usleep(200000);
	deassign(self->vm, self->trigger);
	usleep(50000);

	s = gsi_state(self->vm);
	raised = model_count("raised");
	handled = producer_count("handled") - handled;
	ksft_print_msg("storm: %d cycles, %d forwarded; raised %lld, host handled %lld, coalesced %lld; injected %llu (+%llu merged), deactivated %llu, resampled %llu\n",
		       cycles, forwarded, raised, model_count("handled"),
		       model_count("coalesced"), (unsigned long long)s.injections,
		       (unsigned long long)s.coalesced,
		       (unsigned long long)s.deactivations,
		       (unsigned long long)s.resamples);
	fflush(stdout);
	EXPECT_GT(raised, 0);
	EXPECT_GT(forwarded, 0);
	EXPECT_EQ(raised, model_count("handled") + model_count("coalesced"));
	/* The host also takes pulses on a line it has disabled lazily. */
	EXPECT_LE(handled, model_count("handled"));
	EXPECT_EQ(s.injections + s.coalesced + s.dropped, handled)
		TH_LOG("each interrupt injected once, or merged into one");
	EXPECT_EQ(s.injections, s.deactivations + s.resamples)
		TH_LOG("each injection completed once");
	EXPECT_EQ(0, s.in_service);
	EXPECT_EQ(0, model_count("active"));
	EXPECT_EQ(0, model_count("asserted"));
	EXPECT_EQ(0, producer_count("masked"));
	EXPECT_EQ(0, model_count("masked"));
}

enum route_kind { ROUTE_NONE, ROUTE_LEVEL, ROUTE_MSI, ROUTE_KINDS };

/* GSI @gsi's only route: none, a level (irqchip) route, or an MSI route. */
static int set_route(int vm, uint32_t gsi, enum route_kind kind)
{
	struct kvm_irq_routing_entry e = kind == ROUTE_LEVEL ?
		kc_level_route(gsi, gsi) : kc_msi_route(gsi, 0, 0x40);

	return kc_set_routes(vm, &e, kind != ROUTE_NONE);
}

/* Pulses @line @n times, one at a time: how many the producer handled. */
static int deliver_pulses(int line, int n)
{
	int delivered = 0;

	for (int i = 0; i < n; i++) {
		long long before = producer_line(DEVICE, line, "handled");

		model_ctl(DEVICE, "pulse", line, "");
		for (int t = 0; t < 500; t++) {
			if (producer_line(DEVICE, line, "handled") > before) {
				delivered++;
				break;
			}
			usleep(2000);
		}
	}
	return delivered;
}

/*
 * Line @line pulsed from the model's timer while the GSI's route changes
 * at random between none, level and MSI, @cycles times: the irqfd enters
 * and leaves forwarding without the manager's handshake. Each interrupt
 * handled is injected or dropped once, each injection completed once, and
 * the line ends neither active, forwarded nor masked.
 */
static void route_storm(struct __test_metadata *_metadata, int dev, int vm,
			int line, uint32_t gsi, int cycles)
{
	int trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kc_gsi_state s;
	unsigned int seed = 0x5eed + line;
	long long handled, forwarded = 0;

	ASSERT_EQ(0, kc_eoi(vm, gsi, KC_EOI_RELEASE));
	ASSERT_EQ(0, set_route(vm, gsi, ROUTE_LEVEL));
	ASSERT_EQ(0, set_trigger(dev, line, trigger));
	ASSERT_EQ(0, set_unmask_eventfd(dev, line, resample));
	ASSERT_EQ(0, kc_irqfd(vm, trigger, gsi, KVM_IRQFD_FLAG_RESAMPLE, resample));
	model_ctl(DEVICE, "reset", line, "");
	handled = producer_line(DEVICE, line, "handled");
	model_ctl(DEVICE, "burst", line, "1000000 50");
	for (int i = 0; i < cycles; i++) {
		ASSERT_EQ(0, set_route(vm, gsi, rand_r(&seed) % ROUTE_KINDS));
		/*
		 * As QEMU's vfio_intx_update() after a route change: an
		 * interrupt injected on a route without resampling (MSI,
		 * none) left the level line host-masked for good.
		 */
		ASSERT_EQ(0, unmask_irq(dev, line));
		forwarded += model_line(DEVICE, line, "forwarded");
		usleep(rand_r(&seed) % 1000);
	}
	model_ctl(DEVICE, "burst", line, "0 0");
	ASSERT_EQ(0, set_route(vm, gsi, ROUTE_LEVEL));
	ASSERT_EQ(0, unmask_irq(dev, line));
	usleep(100000);
	/* Still alive: each of ten pulses reaches the host. */
	EXPECT_EQ(10, deliver_pulses(line, 10)) TH_LOG("the line is wedged");
	ASSERT_EQ(0, kc_irqfd(vm, trigger, gsi, KVM_IRQFD_FLAG_DEASSIGN, 0));
	usleep(50000);

	s = kc_get_gsi_state(vm, gsi);
	handled = producer_line(DEVICE, line, "handled") - handled;
	ksft_print_msg("route storm, line %d: %d route changes, forwarded after %lld; raised %lld, host handled %lld, coalesced %lld; injected %llu (+%llu merged, %llu dropped), deactivated %llu, resampled %llu\n",
		       line, cycles, forwarded, model_line(DEVICE, line, "raised"),
		       model_line(DEVICE, line, "handled"),
		       model_line(DEVICE, line, "coalesced"),
		       (unsigned long long)s.injections,
		       (unsigned long long)s.coalesced,
		       (unsigned long long)s.dropped,
		       (unsigned long long)s.deactivations,
		       (unsigned long long)s.resamples);
	fflush(stdout);
	EXPECT_GT(model_line(DEVICE, line, "raised"), 0);
	EXPECT_EQ(s.injections + s.coalesced + s.dropped, handled)
		TH_LOG("each interrupt injected, merged or dropped once");
	EXPECT_EQ(0, s.in_service);
	EXPECT_EQ(0, model_line(DEVICE, line, "active")) TH_LOG("line left active");
	EXPECT_EQ(0, model_line(DEVICE, line, "forwarded"));
	EXPECT_EQ(0, model_line(DEVICE, line, "masked"));
	EXPECT_EQ(0, producer_line(DEVICE, line, "masked"));
	ASSERT_EQ(0, set_unmask_eventfd(dev, line, -1));
	ASSERT_EQ(0, set_trigger(dev, line, -1));
	close(trigger);
	close(resample);
}

/* Route changes on a forwarded level line (GSI 6, the fixture's spare). */
TEST_F(pair, route_changes_on_forwarded_level_line)
{
	route_storm(_metadata, self->dev, self->vm, 1, GSI + 1,
		    env_number("FWD_CYCLES", 200));
}

/*
 * An edge line is never forwarded: it needs no guest completion, and a
 * forwarded edge left active would never fire again. Its level route
 * keeps it on the host path, with the reason.
 */
TEST_F(pair, edge_line_not_forwarded)
{
	int trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kc_gsi_state s;

	ASSERT_EQ(0, set_route(self->vm, GSI + 2, ROUTE_LEVEL));
	ASSERT_EQ(0, set_trigger(self->dev, 2, trigger));
	ASSERT_EQ(0, kc_irqfd(self->vm, trigger, GSI + 2, 0, 0));
	s = kc_get_gsi_state(self->vm, GSI + 2);
	EXPECT_TRUE(s.flags & KC_GSI_CONNECTED);
	EXPECT_EQ(KC_MODE_REMAPPED, s.mode);
	EXPECT_EQ(KC_REASON_EDGE_LINE, s.reason);
	EXPECT_EQ(0, model_line(DEVICE, 2, "forwarded"));
	ASSERT_EQ(0, kc_irqfd(self->vm, trigger, GSI + 2, KVM_IRQFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, set_trigger(self->dev, 2, -1));
	close(trigger);

	route_storm(_metadata, self->dev, self->vm, 2, GSI + 2,
		    env_number("FWD_CYCLES", 200));
}

TEST_HARNESS_MAIN
