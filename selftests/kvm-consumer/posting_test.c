// SPDX-License-Identifier: GPL-2.0-only
/*
 * Posted interrupts end to end: an edge line of the interrupt controller
 * model's posting flavour (irqchip-model.1, a VT-d remapped MSI) bound to
 * vfio-platform-producer, its trigger eventfd an irqfd of kvm-consumer on
 * an MSI route. This test is the device (the model's debugfs), the VMM
 * (routes, irqfds, triggers) and the vCPU (KC_RUN_VCPU). It checks that
 * posted interrupts are delivered by vCPU runs, that leaving posted mode
 * loses nothing, that a chip of another vCPU-affinity format
 * (irqchip-model.2, a chip double) is never handed ours, and, under storms
 * of reprogramming, the accounting of every interrupt raised:
 *
 *   raised = host-injected + posted-delivered + coalesced (+ dropped while
 *            the GSI had no route)
 *
 * Needs irqbypass, irqchip_model, vfio_platform_producer and kvm_consumer
 * loaded, debugfs mounted, and root. Runs in UML and in the test host;
 * POST_CYCLES (default 200) sets the storms' cycles.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <libbypass/env.h>
#include <libbypass/irqchip_model.h>
#include <libbypass/kvm_consumer.h>
#include <libbypass/platform_producer.h>
#include <libbypass/vfio_irq.h>

#include "kselftest_harness.h"

#define POSTING		"irqchip-model.1"
#define FOREIGN		"irqchip-model.2"
#define LINE		0
#define GSI		7
#define VCPU		1
#define VECTOR		0x41
#define ROUNDS		20

enum route { ROUTE_UNICAST, ROUTE_MULTICAST, ROUTE_NONE };

static int set_route(int vm, enum route r)
{
	struct kvm_irq_routing_entry e =
		kc_msi_route(GSI, r == ROUTE_MULTICAST ? 0xff : VCPU, VECTOR);

	return kc_set_routes(vm, &e, r != ROUTE_NONE);
}

static struct kc_gsi_state gsi_state(int vm)
{
	return kc_get_gsi_state(vm, GSI);
}

static int irqfd(int vm, int fd, uint32_t flags)
{
	return kc_irqfd(vm, fd, GSI, flags, 0);
}

static long long posting(const char *key)
{
	return model_line(POSTING, LINE, key);
}

FIXTURE(posted) {
	int dev, vm, trigger;
};

FIXTURE_SETUP(posted)
{
	self->dev = open_platform_producer(POSTING);
	ASSERT_GE(self->dev, 0) TH_LOG("the producer of %s: %s", POSTING,
				       strerror(errno));
	self->vm = kc_open_vm();
	ASSERT_GE(self->vm, 0);
	self->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_EQ(0, set_route(self->vm, ROUTE_UNICAST));
	ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
	model_ctl(POSTING, "reset", LINE, "");
}

FIXTURE_TEARDOWN(posted)
{
	model_ctl(POSTING, "burst", LINE, "0 0");
	close(self->vm);
	close(self->dev);
	close(self->trigger);
	EXPECT_EQ(0, posting("posted")) TH_LOG("the line still posts");
	EXPECT_EQ(0, posting("pending"));
}

/* Each posted interrupt is latched in the vCPU's PIR until it runs. */
TEST_F(posted, delivered_by_vcpu_runs)
{
	struct kc_gsi_state s;

	ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
	s = gsi_state(self->vm);
	ASSERT_EQ(KC_MODE_POSTED, s.mode) TH_LOG("reason %u", s.reason);
	EXPECT_EQ(1, posting("posted"));
	for (int i = 0; i < ROUNDS; i++) {
		model_ctl(POSTING, "pulse", LINE, "");
		ASSERT_TRUE(gsi_state(self->vm).flags & KC_GSI_LATCHED);
		ASSERT_EQ(0, kc_run_vcpu(self->vm, 0)) TH_LOG("another vCPU's");
		ASSERT_EQ(1, kc_run_vcpu(self->vm, VCPU));
		ASSERT_FALSE(gsi_state(self->vm).flags & KC_GSI_LATCHED);
	}
	/* Three before the vCPU runs: one delivered, two coalesced. */
	model_ctl(POSTING, "pulse", LINE, "3");
	ASSERT_EQ(1, kc_run_vcpu(self->vm, VCPU));

	s = gsi_state(self->vm);
	EXPECT_EQ(ROUNDS + 1, s.posted);
	EXPECT_EQ(0, s.injections);
	EXPECT_EQ(0, posting("handled")) TH_LOG("the host ran its handler");
	EXPECT_EQ(ROUNDS + 1, posting("posted_count"));
	EXPECT_EQ(2, posting("coalesced"));
	/* Each run cleared ON: each first post notified again. */
	EXPECT_EQ(ROUNDS + 1, posting("notifications"));
}

/*
 * An interrupt the descriptor latched when posted mode ends moves to the
 * host path: a route that no longer posts, the irqfd deassigned, the
 * producer's trigger removed.
 */
TEST_F(posted, leaving_posted_mode_moves_latched)
{
	static const char *const ways[] = {
		"route changed", "irqfd deassigned", "trigger removed",
	};

	for (int i = 0; i < 3; i++) {
		struct kc_gsi_state s;
		unsigned long long injected = gsi_state(self->vm).injections;

		ASSERT_EQ(0, set_route(self->vm, ROUTE_UNICAST));
		ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
		ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
		ASSERT_EQ(KC_MODE_POSTED, gsi_state(self->vm).mode);
		model_ctl(POSTING, "pulse", LINE, "");
		ASSERT_TRUE(gsi_state(self->vm).flags & KC_GSI_LATCHED);
		switch (i) {
		case 0:
			ASSERT_EQ(0, set_route(self->vm, ROUTE_MULTICAST));
			break;
		case 1:
			ASSERT_EQ(0, irqfd(self->vm, self->trigger,
					   KVM_IRQFD_FLAG_DEASSIGN));
			break;
		case 2:
			ASSERT_EQ(0, set_trigger(self->dev, LINE, -1));
			break;
		}
		s = gsi_state(self->vm);
		EXPECT_EQ(injected + 1, s.injections) TH_LOG("%s: lost", ways[i]);
		EXPECT_FALSE(s.flags & KC_GSI_LATCHED) TH_LOG("%s", ways[i]);
		EXPECT_EQ(0, kc_run_vcpu(self->vm, VCPU)) TH_LOG("%s: twice", ways[i]);
		EXPECT_EQ(0, s.posted);
		if (i != 1)
			ASSERT_EQ(0, irqfd(self->vm, self->trigger,
					   KVM_IRQFD_FLAG_DEASSIGN));
	}
}

/* The vCPU and the route must be the vCPU model's. */
TEST_F(posted, run_vcpu_rejects)
{
	struct kc_vcpu_run run = { .vcpu = KC_MAX_VCPUS };

	EXPECT_EQ(-EINVAL, kc_run_vcpu(self->vm, KC_MAX_VCPUS));
	EXPECT_EQ(-EINVAL, kc_run_vcpu(self->vm, ~0u));
	run.vcpu = 0;
	run.delivered = 1;
	EXPECT_EQ(-1, ioctl(self->vm, KC_RUN_VCPU, &run));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm, KC_RUN_VCPU, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* Two GSIs cannot post to one vector of one vCPU: whose would it be? */
TEST_F(posted, shared_vector_not_posted)
{
	struct kvm_irq_routing_entry e[] = { kc_msi_route(GSI, VCPU, VECTOR),
					     kc_msi_route(GSI + 1, VCPU, VECTOR) };
	int trigger2 = eventfd(0, EFD_CLOEXEC);
	struct kc_gsi_state s;

	ASSERT_EQ(0, kc_set_routes(self->vm, e, 2));
	ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
	ASSERT_EQ(KC_MODE_POSTED, gsi_state(self->vm).mode);

	/* Line 1 of the same device, for GSI + 1. */
	ASSERT_EQ(0, set_trigger(self->dev, LINE + 1, trigger2));
	ASSERT_EQ(0, kc_irqfd(self->vm, trigger2, GSI + 1, 0, 0));
	s = kc_get_gsi_state(self->vm, GSI + 1);
	EXPECT_EQ(KC_MODE_REMAPPED, s.mode);
	EXPECT_EQ(KC_REASON_VECTOR_SHARED, s.reason);
	ASSERT_EQ(0, set_trigger(self->dev, LINE + 1, -1));
	close(trigger2);
}

/*
 * Defect 1 of issue 9: a chip that takes a vCPU affinity in a format of
 * its own (AMD's IOMMU) must never be handed struct vcpu_data, nor NULL
 * when leaving posted mode: the chip double records every call.
 */
TEST(foreign_chip_never_given_our_format)
{
	int dev = open_platform_producer(FOREIGN);
	int vm = kc_open_vm();
	int trigger = eventfd(0, EFD_CLOEXEC);
	struct kc_gsi_state s;

	ASSERT_GE(dev, 0);
	ASSERT_GE(vm, 0);
	model_ctl(FOREIGN, "reset", LINE, "");
	ASSERT_EQ(0, set_route(vm, ROUTE_UNICAST));
	ASSERT_EQ(0, set_trigger(dev, LINE, trigger));
	ASSERT_EQ(0, irqfd(vm, trigger, 0));
	s = gsi_state(vm);
	ASSERT_TRUE(s.flags & KC_GSI_CONNECTED);
	EXPECT_EQ(KC_MODE_REMAPPED, s.mode);
	EXPECT_EQ(KC_REASON_FOREIGN_CHIP, s.reason);
	model_ctl(FOREIGN, "pulse", LINE, "");
	EXPECT_EQ(1, gsi_state(vm).injections) TH_LOG("delivered by the host");
	ASSERT_EQ(0, set_route(vm, ROUTE_MULTICAST));
	ASSERT_EQ(0, set_route(vm, ROUTE_UNICAST));
	ASSERT_EQ(0, irqfd(vm, trigger, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, model_line(FOREIGN, LINE, "vcpu_affinity"))
		TH_LOG("the chip was handed struct vcpu_data");
	EXPECT_EQ(0, model_line(FOREIGN, LINE, "vcpu_affinity_null"))
		TH_LOG("the chip was handed NULL");
	close(vm);
	close(dev);
	close(trigger);
}

enum storm { STORM_ROUTES, STORM_IRQFD, STORM_TRIGGER };

/* Where a cycle left the GSI: posted, remapped, no route, unpaired. */
static int tally(struct kc_gsi_state s)
{
	if (s.mode == KC_MODE_POSTED)
		return 0;
	if (s.mode == KC_MODE_NONE)
		return 3;
	return s.reason == KC_REASON_NO_ROUTE ? 2 : 1;
}

/*
 * A storm: the model raises the line from a hard-irq timer every 50 us
 * while the test reprograms the bypass @cycles times; the vCPU runs every
 * few cycles. Then everything is put back (posted), the storm stopped and
 * settled, and every interrupt raised must be accounted for exactly once.
 */
static void post_storm(struct __test_metadata *_metadata,
		       FIXTURE_DATA(posted) *self, enum storm what,
		       const char *name)
{
	int cycles = env_number("POST_CYCLES", 200), modes[4] = { 0 };	/* by tally() */
	long long signals = producer_line(POSTING, LINE, "handled");
	long long raised, retriggers, handled, posted, coalesced;
	unsigned int seed = 0x5eed + what;
	struct kc_gsi_state s;
	uint64_t left;

	ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
	model_ctl(POSTING, "burst", LINE, "1000000 50");
	for (int i = 0; i < cycles; i++) {
		usleep(rand_r(&seed) % 500);
		if (rand_r(&seed) % 4 == 0)
			ASSERT_LE(0, kc_run_vcpu(self->vm, VCPU));
		switch (what) {
		case STORM_ROUTES:
			ASSERT_EQ(0, set_route(self->vm, i % 3));
			break;
		case STORM_IRQFD:
			ASSERT_EQ(0, irqfd(self->vm, self->trigger,
					   i % 2 ? 0 : KVM_IRQFD_FLAG_DEASSIGN));
			break;
		case STORM_TRIGGER:
			ASSERT_EQ(0, set_trigger(self->dev, LINE,
						 i % 2 ? self->trigger : -1));
			break;
		}
		s = gsi_state(self->vm);
		modes[tally(s)]++;
		/* Stopped and started again: nothing held back (defect 3). */
		ASSERT_FALSE(s.flags & KC_GSI_HELD) TH_LOG("cycle %d", i);
	}
	model_ctl(POSTING, "burst", LINE, "0 0");
	ASSERT_EQ(0, set_route(self->vm, ROUTE_UNICAST));
	ASSERT_EQ(0, set_trigger(self->dev, LINE, self->trigger));
	if (what == STORM_IRQFD && cycles % 2)
		ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
	usleep(50000);
	ASSERT_EQ(KC_MODE_POSTED, gsi_state(self->vm).mode);
	ASSERT_LE(0, kc_run_vcpu(self->vm, VCPU));

	s = gsi_state(self->vm);
	raised = posting("raised");
	retriggers = posting("retriggers");
	handled = posting("handled");
	posted = posting("posted_count");
	coalesced = posting("coalesced") + s.coalesced;
	signals = producer_line(POSTING, LINE, "handled") - signals;
	ksft_print_msg("%s storm: %d cycles (%d posted, %d remapped, %d without route, %d unpaired); raised %lld = host-injected %llu + posted-delivered %llu + coalesced %lld + dropped (no route) %llu; lost %lld\n",
		       name, cycles, modes[0], modes[1], modes[2], modes[3], raised,
		       (unsigned long long)s.injections,
		       (unsigned long long)s.posted, coalesced,
		       (unsigned long long)s.dropped,
		       raised - (long long)(s.injections + s.posted + s.dropped) -
		       coalesced);
	fflush(stdout);
	EXPECT_GT(raised, 0);
	EXPECT_GT(modes[0], 0);
	EXPECT_EQ(raised, s.injections + s.posted + coalesced + s.dropped);
	/*
	 * The same, book by book. The model: each interrupt raised or
	 * replayed went to the host's flow handler, into the PIR, or merged.
	 * genirq: what it took while the irq was disabled, it replayed. The
	 * consumer: each eventfd signal and PIR bit injected (latched bits
	 * moved when posting ended included), delivered by a vCPU run,
	 * merged, or dropped.
	 */
	EXPECT_EQ(raised + retriggers, handled + posted + posting("coalesced"));
	EXPECT_EQ(handled - retriggers, signals);
	EXPECT_EQ(signals + posted,
		  s.injections + s.posted + s.coalesced + s.dropped);
	EXPECT_FALSE(s.flags & (KC_GSI_LATCHED | KC_GSI_HELD));
	EXPECT_EQ(0, posting("pending"));
	EXPECT_EQ(-1, eventfd_read(self->trigger, &left))
		TH_LOG("%llu signals left in the eventfd", (unsigned long long)left);
}

struct writer {
	int fd;
	atomic_int stop;
	long long writes;
};

/* Signals the eventfd from user space, as VFIO's software trigger does. */
static void *write_signals(void *arg)
{
	struct writer *w = arg;

	while (!w->stop) {
		if (eventfd_write(w->fd, 1) == 0)
			w->writes++;
		sched_yield();
	}
	return NULL;
}

/*
 * Issue 9, defect 3: a signal that arrives while the consumer is stopped
 * is held, and start injects it: none may be left held once start has
 * returned, whatever the timing. Software signals (not stopped with the
 * producer's irq) race POST_CYCLES trigger removals and additions, each
 * a disconnect or a connect with its stop and start.
 */
TEST_F(posted, signals_across_stop_start)
{
	int cycles = env_number("POST_CYCLES", 200);
	struct writer w = { .fd = self->trigger };
	struct kc_gsi_state s;
	pthread_t thread;

	ASSERT_EQ(0, set_route(self->vm, ROUTE_MULTICAST));
	ASSERT_EQ(0, irqfd(self->vm, self->trigger, 0));
	ASSERT_EQ(0, pthread_create(&thread, NULL, write_signals, &w));
	for (int i = 0; i < cycles; i++) {
		ASSERT_EQ(0, set_trigger(self->dev, LINE,
					 i % 2 ? self->trigger : -1));
		s = gsi_state(self->vm);
		ASSERT_FALSE(s.flags & KC_GSI_HELD) TH_LOG("cycle %d", i);
	}
	w.stop = 1;
	pthread_join(thread, NULL);
	s = gsi_state(self->vm);
	ksft_print_msg("software signals across %d stops and starts: %lld written = injected %llu + merged %llu\n",
		       cycles, w.writes, (unsigned long long)s.injections,
		       (unsigned long long)s.coalesced);
	fflush(stdout);
	EXPECT_GT(w.writes, 0);
	EXPECT_EQ(w.writes, s.injections + s.coalesced + s.dropped);
	EXPECT_FALSE(s.flags & KC_GSI_HELD);
}

TEST_F(posted, storm_route_changes)
{
	post_storm(_metadata, self, STORM_ROUTES, "posted/remapped/none routes");
}

TEST_F(posted, storm_irqfd_assign_deassign)
{
	post_storm(_metadata, self, STORM_IRQFD, "irqfd assign/deassign");
}

TEST_F(posted, storm_trigger_add_remove)
{
	post_storm(_metadata, self, STORM_TRIGGER, "producer trigger add/remove");
}

TEST_HARNESS_MAIN
