// SPDX-License-Identifier: GPL-2.0-only
/*
 * A randomized storm over every call of the uapi, from several threads:
 * the interrupt controller model's pulses and bursts on the lines of a GIC
 * device (irqchip-model.0: two level, two edge lines) and of a posting one
 * (irqchip-model.1), all bound to vfio-platform-producer; kvm-consumer's
 * routes (none, level, MSI), irqfds with resamplefds (the lines' unmask
 * eventfds, as QEMU wires VFIO platform), guest EOIs held, completed and
 * released, vCPU runs; the producer's triggers, unmask eventfds and
 * unmasks; and, from one more thread, the VM and the device closed and
 * opened again, and the device unbound with its file open.
 *
 * Every interrupt is accounted for at the end, per line:
 *   the model:  raised (+ retriggers) = handled + posted + coalesced
 *   the guest:  injected + posted + merged + dropped + left in the eventfd
 *               = the producer's signals + the model's posts
 * summed over every VM and device opened, and nothing is left active,
 * forwarded, masked, latched, held or in service. A thread that stops
 * making progress makes the test print each thread's last operation and
 * the lines' state, then fail.
 *
 * STORM_SEED replays a run (the seed is printed); STORM_MS (default 3000)
 * is its length. Needs irqbypass, irqchip_model, vfio_platform_producer and
 * kvm_consumer loaded, debugfs mounted, and root. Runs in UML and in the
 * test host.
 */
#define _GNU_SOURCE		/* pthread_tryjoin_np() */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>

#include <libbypass/assert.h>
#include <libbypass/env.h>
#include <libbypass/irqchip_model.h>
#include <libbypass/kvm_consumer.h>
#include <libbypass/platform_producer.h>
#include <libbypass/vfio_irq.h>

#include "kselftest_harness.h"

#define NDEVS		2
#define NLINES		4
#define NSRC		(NDEVS * NLINES)
#define GSI0		10
#define VCPU		1
#define VECTOR0		0x50
#define WORKERS		3

static const char *const devices[NDEVS] = { "irqchip-model.0", "irqchip-model.1" };

/* One line of one device: its eventfds live as long as the storm. */
struct source {
	int dev, line, gsi;
	bool level;
	int trigger, unmask;		/* eventfds */
	bool has_trigger, has_unmaskfd, has_irqfd;
	long long signals;		/* the producer's, closed devices' included */
	long long handled_base;		/* the open device's handled at open */
	long long guest;		/* injected + posted + merged + dropped */
};

static struct storm {
	pthread_rwlock_t life;		/* ops read, open/close/unbind write */
	pthread_mutex_t lock;		/* the sources' flags */
	struct source src[NSRC];
	int vm, devfd[NDEVS];
	atomic_bool stop;
	unsigned int seed[WORKERS + 1];	/* each thread's */
	char last[WORKERS + 1][96];	/* each thread's last operation */
	atomic_bool done[WORKERS + 1];	/* and whether it returned */
	atomic_llong ops[WORKERS + 1];
	long long errors[WORKERS + 1];
} s;

#define LOG_OP(t, ...) do {						\
	s.done[t] = false;						\
	snprintf(s.last[t], sizeof(s.last[t]), __VA_ARGS__);		\
} while (0)

/* The guest's side of @src's books in the open VM. */
static long long guest_books(const struct source *src)
{
	struct kc_gsi_state st = kc_get_gsi_state(s.vm, src->gsi);

	return st.injections + st.posted + st.coalesced + st.dropped;
}

static void set_routes(int vm, unsigned int *seed)
{
	struct kvm_irq_routing_entry e[NSRC];
	unsigned int nr = 0;

	for (int i = 0; i < NSRC; i++) {
		int kind = seed ? rand_r(seed) % 3 : 1 + !s.src[i].level;

		if (kind == 1)
			e[nr++] = kc_level_route(s.src[i].gsi, 0);
		else if (kind == 2)
			e[nr++] = kc_msi_route(s.src[i].gsi, VCPU, VECTOR0 + i);
	}
	util_check(!kc_set_routes(vm, e, nr), "KC_SET_GSI_ROUTING, %u routes", nr);
}

static int irqfd(struct source *src, bool assign)
{
	if (!assign)
		return kc_irqfd(s.vm, src->trigger, src->gsi,
				KVM_IRQFD_FLAG_DEASSIGN, 0);
	if (src->level)
		return kc_irqfd(s.vm, src->trigger, src->gsi,
				KVM_IRQFD_FLAG_RESAMPLE, src->unmask);
	return kc_irqfd(s.vm, src->trigger, src->gsi, 0, 0);
}

/* The errnos the storm's calls may meet: anything else fails it. */
static bool expected_errno(int err)
{
	return err == -EBUSY || err == -ENOENT || err == -EINVAL;
}

/* One random operation of a worker; the life lock is held for reading. */
static int worker_op(int t, unsigned int *seed)
{
	struct source *src = &s.src[rand_r(seed) % NSRC];
	const char *dev = devices[src->dev];
	int ret = 0, op = rand_r(seed) % 12;
	uint32_t eoi;
	char args[32];

	switch (op) {
	case 0:
	case 1:
		LOG_OP(t, "pulse %s %d", dev, src->line);
		model_ctl(dev, "pulse", src->line, "");
		break;
	case 2:
		snprintf(args, sizeof(args), "%d 100", 1 + rand_r(seed) % 40);
		LOG_OP(t, "burst %s %d %s", dev, src->line, args);
		model_ctl(dev, "burst", src->line, args);
		break;
	case 3:
		LOG_OP(t, "routes");
		set_routes(s.vm, seed);
		break;
	case 4:
		pthread_mutex_lock(&s.lock);
		LOG_OP(t, "irqfd gsi %d %s", src->gsi, src->has_irqfd ? "off" : "on");
		ret = irqfd(src, !src->has_irqfd);
		if (!ret)
			src->has_irqfd = !src->has_irqfd;
		pthread_mutex_unlock(&s.lock);
		break;
	case 5:
		pthread_mutex_lock(&s.lock);
		LOG_OP(t, "trigger %s %d %s", dev, src->line, src->has_trigger ? "off" : "on");
		ret = set_trigger(s.devfd[src->dev], src->line,
				  src->has_trigger ? -1 : src->trigger);
		if (!ret)
			src->has_trigger = !src->has_trigger;
		pthread_mutex_unlock(&s.lock);
		break;
	case 6:
		pthread_mutex_lock(&s.lock);
		LOG_OP(t, "unmaskfd %s %d %s", dev, src->line, src->has_unmaskfd ? "off" : "on");
		ret = set_unmask_eventfd(s.devfd[src->dev], src->line,
					 src->has_unmaskfd ? -1 : src->unmask);
		if (!ret)
			src->has_unmaskfd = !src->has_unmaskfd;
		pthread_mutex_unlock(&s.lock);
		break;
	case 7:
		LOG_OP(t, "unmask %s %d", dev, src->line);
		ret = unmask_irq(s.devfd[src->dev], src->line);
		break;
	case 8:
		LOG_OP(t, "run vcpu");
		ret = kc_run_vcpu(s.vm, VCPU);
		ret = ret < 0 ? ret : 0;
		break;
	case 9:
		eoi = rand_r(seed) % 2 ? KC_EOI_HOLD : KC_EOI_RELEASE;
		LOG_OP(t, "eoi gsi %d %s", src->gsi, eoi == KC_EOI_HOLD ? "hold" : "release");
		ret = kc_eoi(s.vm, src->gsi, eoi);
		break;
	default:
		LOG_OP(t, "complete gsi %d", src->gsi);
		ret = kc_eoi(s.vm, src->gsi, 0);
		break;
	}
	return ret;
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	int ret;

	while (!s.stop) {
		pthread_rwlock_rdlock(&s.life);
		ret = worker_op(t, &s.seed[t]);
		s.done[t] = true;
		pthread_rwlock_unlock(&s.life);
		if (ret && !expected_errno(ret))
			s.errors[t]++;
		s.ops[t]++;
	}
	return NULL;
}

/* Stops every burst: what the books then read stays read. */
static void quiet_lines(void)
{
	for (int i = 0; i < NSRC; i++)
		model_ctl(devices[s.src[i].dev], "burst", s.src[i].line, "0 0");
}

static void open_vm(void)
{
	s.vm = kc_open_vm();
	util_check(s.vm >= 0, "open %s", KC_DEV);
	set_routes(s.vm, NULL);
}

/*
 * Closes the VM, its books taken first; its irqfds go with it. A vCPU run
 * first delivers what its descriptor latched, which the close would
 * otherwise inject after the books were read.
 */
static void close_vm(void)
{
	util_check(kc_run_vcpu(s.vm, VCPU) >= 0, "KC_RUN_VCPU %u", VCPU);
	for (int i = 0; i < NSRC; i++) {
		s.src[i].guest += guest_books(&s.src[i]);
		s.src[i].has_irqfd = false;
	}
	close(s.vm);
}

static void open_dev(int d)
{
	s.devfd[d] = open_platform_producer(devices[d]);
	util_check(s.devfd[d] >= 0, "open the producer of %s", devices[d]);
	for (int i = 0; i < NSRC; i++)
		if (s.src[i].dev == d)
			s.src[i].handled_base = producer_line(devices[d], s.src[i].line, "handled");
}

/* The open device's signals into the books, before it is closed. */
static void take_signals(int d)
{
	for (int i = 0; i < NSRC; i++) {
		struct source *src = &s.src[i];

		if (src->dev != d)
			continue;
		src->signals += producer_line(devices[d], src->line, "handled") -
				src->handled_base;
		src->handled_base = producer_line(devices[d], src->line, "handled");
	}
}

/*
 * Closes (or unbinds, then closes) device @d and opens it again. Its
 * signals are read once its handler can run no more: after the close, or,
 * for an unbind, which takes the counters with the device, once no unmask
 * eventfd (the guest's completions) can unmask a line and deliver what it
 * held.
 */
static void cycle_dev(int d, bool unbind)
{
	char path[128];

	if (unbind) {
		for (int i = 0; i < NSRC; i++)
			if (s.src[i].dev == d && s.src[i].has_unmaskfd)
				util_check(!set_unmask_eventfd(s.devfd[d], s.src[i].line, -1),
					   "remove the unmask eventfd of %s line %d",
					   devices[d], s.src[i].line);
		usleep(20000);
		take_signals(d);
		util_check(!unbind_platform_producer(devices[d]), "unbind %s",
			   devices[d]);
		/* Its file still open: every call now fails. */
		util_check(unmask_irq(s.devfd[d], 0) == -ENODEV,
			   "%s unbound, with its file open", devices[d]);
	}
	close(s.devfd[d]);
	if (!unbind)
		take_signals(d);
	for (int i = 0; i < NSRC; i++) {
		if (s.src[i].dev == d) {
			s.src[i].has_trigger = false;
			s.src[i].has_unmaskfd = false;
		}
	}
	if (unbind) {
		snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver",
			 devices[d]);
		if (!access(path, F_OK))
			util_fail("%s still bound", devices[d]);
	}
	open_dev(d);
}

static void *lifecycle(void *arg)
{
	int t = WORKERS;
	unsigned int *seed = &s.seed[t];

	while (!s.stop) {
		usleep(20000 + rand_r(seed) % 80000);
		pthread_rwlock_wrlock(&s.life);
		pthread_mutex_lock(&s.lock);
		quiet_lines();
		switch (rand_r(seed) % 4) {
		case 0:
			LOG_OP(t, "vm closed and opened");
			close_vm();
			open_vm();
			break;
		case 1:
		case 2: {
			int d = rand_r(seed) % NDEVS;

			LOG_OP(t, "%s closed and opened", devices[d]);
			cycle_dev(d, false);
			break;
		}
		default: {
			int d = rand_r(seed) % NDEVS;

			LOG_OP(t, "%s unbound with its file open", devices[d]);
			cycle_dev(d, true);
			break;
		}
		}
		s.done[t] = true;
		pthread_mutex_unlock(&s.lock);
		pthread_rwlock_unlock(&s.life);
		s.ops[t]++;
	}
	return NULL;
}

static void dump_state(void)
{
	char path[128], line[512];
	FILE *f;

	for (int t = 0; t <= WORKERS; t++)
		fprintf(stderr, "# thread %d: %lld ops, last: %s (%s)\n", t, s.ops[t],
			s.last[t], s.done[t] ? "returned" : "under way");
	for (int d = 0; d < NDEVS; d++) {
		snprintf(path, sizeof(path), MODEL_DEBUGFS "%s/lines", devices[d]);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "# %s: %s", devices[d], line);
		if (f)
			fclose(f);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Every line's trigger set and unmasked: nothing stays pending. */
static void deliver_all(void)
{
	for (int i = 0; i < NSRC; i++) {
		struct source *src = &s.src[i];

		if (!src->has_trigger &&
		    !set_trigger(s.devfd[src->dev], src->line, src->trigger))
			src->has_trigger = true;
		util_check(!unmask_irq(s.devfd[src->dev], src->line), "unmask %s line %d",
			   devices[src->dev], src->line);
	}
	usleep(200000);
}

FIXTURE(storm) {
};

FIXTURE_SETUP(storm)
{
}

FIXTURE_TEARDOWN(storm)
{
}

/* The harness's 30 s are too short for the quiet and the books. */
TEST_F_TIMEOUT(storm, randomized, 600)
{
	unsigned int seed = env_number("STORM_SEED", time(NULL));
	long long ms = env_number("STORM_MS", 3000);
	long long progress[WORKERS + 1] = { 0 }, since[WORKERS + 1], end;
	pthread_t threads[WORKERS + 1];

	ksft_print_msg("storm seed %u (STORM_SEED=%u replays it), %lld ms\n", seed, seed, ms);
	fflush(stdout);
	pthread_rwlockattr_t attr;

	/* Three readers always in: the lifecycle thread must get its turn. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s.life, &attr);
	pthread_mutex_init(&s.lock, NULL);
	for (int i = 0; i < NSRC; i++) {
		struct source *src = &s.src[i];

		src->dev = i / NLINES;
		src->line = i % NLINES;
		src->gsi = GSI0 + i;
		src->level = src->dev == 0 && src->line < 2;
		src->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		src->unmask = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_GE(src->trigger, 0);
		ASSERT_GE(src->unmask, 0);
		model_ctl(devices[src->dev], "reset", src->line, "");
	}
	for (int d = 0; d < NDEVS; d++)
		open_dev(d);
	open_vm();

	for (int t = 0; t <= WORKERS; t++) {
		s.seed[t] = seed + 7919 * t;
		since[t] = now_ms();
		ASSERT_EQ(0, pthread_create(&threads[t], NULL,
					    t < WORKERS ? worker : lifecycle,
					    (void *)(long)t));
	}

	/* Every thread must make progress every 20 s, and stop when told. */
	end = now_ms() + ms;
	for (;;) {
		usleep(100000);
		if (now_ms() >= end)
			s.stop = true;
		for (int t = 0; t <= WORKERS; t++) {
			if (s.ops[t] != progress[t]) {
				progress[t] = s.ops[t];
				since[t] = now_ms();
			} else if (now_ms() - since[t] > 20000) {
				fprintf(stderr, "# storm: thread %d made no progress for 20 s\n",
					t);
				dump_state();
				ASSERT_TRUE(false) TH_LOG("the storm stalled");
			}
		}
		if (s.stop && !pthread_tryjoin_np(threads[0], NULL)) {
			for (int t = 1; t <= WORKERS; t++)
				pthread_join(threads[t], NULL);
			break;
		}
	}
	for (int t = 0; t <= WORKERS; t++) {
		ksft_print_msg("thread %d: %lld operations\n", t, s.ops[t]);
		EXPECT_EQ(0, s.errors[t]) TH_LOG("thread %d met an unexpected errno", t);
	}
	fflush(stdout);

	/* Quiet: no more bursts, every completion released, every run made. */
	quiet_lines();
	for (int i = 0; i < NSRC; i++)
		ASSERT_EQ(0, kc_eoi(s.vm, s.src[i].gsi, KC_EOI_RELEASE));
	deliver_all();
	for (int i = 0; i < NSRC; i++) {
		struct kc_gsi_state st;

		ASSERT_LE(0, kc_run_vcpu(s.vm, VCPU));
		st = kc_get_gsi_state(s.vm, s.src[i].gsi);
		EXPECT_FALSE(st.flags & KC_GSI_LATCHED) TH_LOG("gsi %d latched", st.gsi);
		EXPECT_FALSE(st.flags & KC_GSI_HELD) TH_LOG("gsi %d held", st.gsi);
		EXPECT_EQ(0, st.in_service) TH_LOG("gsi %d in service", st.gsi);
	}
	close_vm();
	deliver_all();
	for (int d = 0; d < NDEVS; d++)
		take_signals(d);

	for (int i = 0; i < NSRC; i++) {
		struct source *src = &s.src[i];
		const char *dev = devices[src->dev];
		int l = src->line;
		long long raised = model_line(dev, l, "raised");
		long long retriggers = model_line(dev, l, "retriggers");
		long long handled = model_line(dev, l, "handled");
		long long posted = model_line(dev, l, "posted_count");
		long long coalesced = model_line(dev, l, "coalesced");
		eventfd_t left = 0;

		EXPECT_EQ(0, model_line(dev, l, "active")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(0, model_line(dev, l, "pending")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(0, model_line(dev, l, "forwarded")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(0, model_line(dev, l, "posted")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(0, model_line(dev, l, "masked")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(0, producer_line(dev, l, "masked")) TH_LOG("%s line %d", dev, l);
		EXPECT_EQ(raised + retriggers, handled + posted + coalesced)
			TH_LOG("%s line %d: the model's books", dev, l);
		if (eventfd_read(src->trigger, &left))
			left = 0;
		EXPECT_EQ(src->guest + (long long)left, src->signals + posted)
			TH_LOG("%s line %d: the guest's books", dev, l);
		ksft_print_msg("%s line %d (%s): raised %lld = host %lld + posted %lld + coalesced %lld - retriggered %lld; signaled %lld + posted = guest %lld + left %llu\n",
			       dev, l, src->level ? "level" : "edge", raised, handled,
			       posted, coalesced, retriggers, src->signals, src->guest,
			       (unsigned long long)left);
	}
	fflush(stdout);
	for (int d = 0; d < NDEVS; d++)
		close(s.devfd[d]);
}

TEST_HARNESS_MAIN
