// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite irqbypass_table: the token index at scale, 1000 tokens
 * paired in both orders, and 20,000 random registrations and
 * unregistrations checked after each against a model of who holds each
 * token and who is paired. Documentation/manager.md
 */

#include <kunit/test.h>
#include <linux/prandom.h>

#include "../internal.h"
#include "participants.h"

#define MANY 1000

static void many_tokens(struct kunit *test)
{
	long refs = irqbp_nr_registered();
	struct tprod *tp;
	struct tcons *tc;
	int i;

	tp = kunit_kcalloc(test, MANY, sizeof(*tp), GFP_KERNEL);
	tc = kunit_kcalloc(test, MANY, sizeof(*tc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, tc);

	/* Even tokens: producer first; odd tokens: consumer first. */
	for (i = 0; i < MANY; i++) {
		irqbp_tprod_init(test, &tp[i], TOKEN(i), 100 + i, NULL);
		irqbp_tcons_init(test, &tc[i], TOKEN(i), NULL);
		if (i % 2)
			KUNIT_ASSERT_EQ(test, reg_cons(&tc[i]), 0);
		else
			KUNIT_ASSERT_EQ(test, reg_prod(&tp[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + MANY);
	for (i = 0; i < MANY; i++) {
		if (i % 2)
			KUNIT_ASSERT_EQ(test, reg_prod(&tp[i]), 0);
		else
			KUNIT_ASSERT_EQ(test, reg_cons(&tc[i]), 0);
	}
	for (i = 0; i < MANY; i++)
		irqbp_expect_paired(test, &tp[i], &tc[i]);

	for (i = 0; i < MANY; i++) {
		irq_bypass_unregister_producer(&tp[i].p);
		irq_bypass_unregister_consumer(&tc[i].c);
		KUNIT_EXPECT_EQ(test, tp[i].dels, 1);
		KUNIT_EXPECT_EQ(test, tc[i].dels, 1);
	}
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
}

/*
 * Randomized register/unregister of producers and consumers over a few
 * tokens, with injected callback failures, checked after every operation
 * against a model: which object holds each token, and who is paired. An
 * object keeps the failure it was given at its last registration attempt,
 * and a connect fails with the producer's error before the consumer's.
 */
#define STRESS_OPS 20000
#define STRESS_TOKENS 8
#define STRESS_OBJS 12

struct stress_model {
	int prod_of[STRESS_TOKENS];	/* registered producer index or -1 */
	int cons_of[STRESS_TOKENS];
	int prod_token[STRESS_OBJS];	/* token of a registered one, or -1 */
	int cons_token[STRESS_OBJS];
};

static void stress_check(struct kunit *test, const struct stress_model *m,
			 struct tprod *tp, struct tcons *tc)
{
	int i, t;

	for (i = 0; i < STRESS_OBJS; i++) {
		struct tcons *want_c = NULL;
		struct tprod *want_p = NULL;

		t = m->prod_token[i];
		if (t >= 0 && m->cons_of[t] >= 0)
			want_c = &tc[m->cons_of[t]];
		KUNIT_ASSERT_PTR_EQ(test, tp[i].partner, want_c);
		KUNIT_ASSERT_EQ(test, tp[i].stops, tp[i].starts);
		irqbp_assert_prod_records(test, &tp[i], t >= 0, want_c);

		t = m->cons_token[i];
		if (t >= 0 && m->prod_of[t] >= 0)
			want_p = &tp[m->prod_of[t]];
		KUNIT_ASSERT_PTR_EQ(test, tc[i].partner, want_p);
		KUNIT_ASSERT_EQ(test, tc[i].stops, tc[i].starts);
		irqbp_assert_cons_records(test, &tc[i], t >= 0, want_p);
	}
}

static void random_stress(struct kunit *test)
{
	long refs = irqbp_nr_registered(), live = 0;
	struct rnd_state rnd;
	struct stress_model *m;
	struct tprod *tp;
	struct tcons *tc;
	int n, i, t, want, ret;

	tp = kunit_kcalloc(test, STRESS_OBJS, sizeof(*tp), GFP_KERNEL);
	tc = kunit_kcalloc(test, STRESS_OBJS, sizeof(*tc), GFP_KERNEL);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, tc);
	KUNIT_ASSERT_NOT_NULL(test, m);
	memset(m, 0xff, sizeof(*m));	/* all -1 */
	for (i = 0; i < STRESS_OBJS; i++) {
		irqbp_tprod_init(test, &tp[i], NULL, 200 + i, NULL);
		irqbp_tcons_init(test, &tc[i], NULL, NULL);
	}
	prandom_seed_state(&rnd, 0x1bc0de);

	for (n = 0; n < STRESS_OPS; n++) {
		u32 r = prandom_u32_state(&rnd);
		bool producer = r & 1;
		bool reg = r & 2;
		bool fail = (r >> 2) % 8 == 0;

		i = (r >> 8) % STRESS_OBJS;
		t = (r >> 16) % STRESS_TOKENS;

		if (producer && reg) {
			if (m->prod_token[i] < 0)
				tp[i].token = TOKEN(100 + t);
			else
				t = m->prod_token[i];
			tp[i].fail_add = fail ? -EIO : 0;
			if (m->prod_token[i] >= 0)
				want = IRQBP_TEST_ERR_REGISTERED;
			else if (m->prod_of[t] >= 0)
				want = -EBUSY;
			else if (m->cons_of[t] >= 0)
				want = tp[i].fail_add ?: tc[m->cons_of[t]].fail_add;
			else
				want = 0;
			ret = reg_prod(&tp[i]);
			KUNIT_ASSERT_EQ_MSG(test, ret, want, "op %d", n);
			if (!ret) {
				m->prod_token[i] = t;
				m->prod_of[t] = i;
				live++;
			}
		} else if (producer) {
			t = m->prod_token[i];
			irq_bypass_unregister_producer(&tp[i].p);
			if (t >= 0) {
				m->prod_of[t] = -1;
				m->prod_token[i] = -1;
				live--;
			}
		} else if (reg) {
			if (m->cons_token[i] < 0)
				tc[i].token = TOKEN(100 + t);
			else
				t = m->cons_token[i];
			tc[i].fail_add = fail ? -ENXIO : 0;
			if (m->cons_token[i] >= 0)
				want = IRQBP_TEST_ERR_REGISTERED;
			else if (m->cons_of[t] >= 0)
				want = -EBUSY;
			else if (m->prod_of[t] >= 0)
				want = tp[m->prod_of[t]].fail_add ?: tc[i].fail_add;
			else
				want = 0;
			ret = reg_cons(&tc[i]);
			KUNIT_ASSERT_EQ_MSG(test, ret, want, "op %d", n);
			if (!ret) {
				m->cons_token[i] = t;
				m->cons_of[t] = i;
				live++;
			}
		} else {
			t = m->cons_token[i];
			irq_bypass_unregister_consumer(&tc[i].c);
			if (t >= 0) {
				m->cons_of[t] = -1;
				m->cons_token[i] = -1;
				live--;
			}
		}
		stress_check(test, m, tp, tc);
		KUNIT_ASSERT_EQ_MSG(test, irqbp_nr_registered(), refs + live,
				    "op %d", n);
	}

	for (i = 0; i < STRESS_OBJS; i++) {
		irq_bypass_unregister_producer(&tp[i].p);
		irq_bypass_unregister_consumer(&tc[i].c);
	}
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
	kunit_info(test, "%d random operations matched the model (%s)\n", n,
		   IRQBP_TEST_API);
}

static struct kunit_case irqbypass_table_cases[] = {
	KUNIT_CASE_SLOW(many_tokens),
	KUNIT_CASE_SLOW(random_stress),
	{}
};

static struct kunit_suite irqbypass_table_suite = {
	.name = "irqbypass_table",
	.test_cases = irqbypass_table_cases,
};

kunit_test_suite(irqbypass_table_suite);
