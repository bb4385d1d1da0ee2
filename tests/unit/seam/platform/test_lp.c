/*
 * Unit tests for seam/platform/src/lp.c: LP threads and cross-calls, run
 * states, modes, VMX operation and the SEAMCALL instruction.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "platform_unit.h"

/* ---- cross-calls ---- */

struct where {
	unsigned int calls;
	unsigned int lp;
	pthread_t thread;
	bool own;
	bool other_own;
	struct plat_lp *other;
};

static void record_where(struct plat_lp *lp, void *arg)
{
	struct where *w = arg;

	w->calls++;
	w->lp = lp_index(lp);
	w->thread = pthread_self();
	w->own = lp_on_own_thread(lp);
	w->other_own = w->other ? lp_on_own_thread(w->other) : false;
}

static void test_lp_power_on_runs_bsp_and_parks_aps(void **state)
{
	static const char *const ov[] = { "packages=2", "lps=4", NULL };
	struct platform *plat = unit_platform(ov, false);

	(void)state;
	assert_int_equal(lp_run_state(platform_lp(plat, 0)), LP_RUNNING);
	for (unsigned int i = 1; i < 4; i++)
		assert_int_equal(lp_run_state(platform_lp(plat, i)), LP_WAIT_FOR_SIPI);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(lp_mode(platform_lp(plat, i)), LP_MODE_NORMAL);
	platform_start_aps(plat);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(lp_run_state(platform_lp(plat, i)), LP_RUNNING);
	platform_destroy(plat);
}

static void test_lp_call_to_ap_before_sipi_is_ehostdown(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct where w = { 0 };

	(void)state;
	assert_int_equal(platform_lp_call(plat, 1, record_where, &w), -EHOSTDOWN);
	assert_int_equal(w.calls, 0);
	/* The BSP runs from power-on. */
	assert_int_equal(platform_lp_call(plat, 0, record_where, &w), 0);
	assert_int_equal(w.calls, 1);
	platform_start_aps(plat);
	assert_int_equal(platform_lp_call(plat, 1, record_where, &w), 0);
	assert_int_equal(w.calls, 2);
	assert_int_equal(w.lp, 1);
	platform_destroy(plat);
}

static void test_lp_call_runs_on_the_lps_own_thread(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct where w0 = { 0 }, w1 = { 0 };

	(void)state;
	platform_start_aps(plat);
	assert_false(lp_on_own_thread(platform_lp(plat, 0)));
	assert_false(lp_on_own_thread(platform_lp(plat, 1)));

	w0.other = platform_lp(plat, 1);
	assert_int_equal(platform_lp_call(plat, 0, record_where, &w0), 0);
	assert_true(w0.own);
	assert_false(w0.other_own);
	assert_false(pthread_equal(w0.thread, pthread_self()));

	w1.other = platform_lp(plat, 0);
	assert_int_equal(platform_lp_call(plat, 1, record_where, &w1), 0);
	assert_true(w1.own);
	assert_false(w1.other_own);
	assert_false(pthread_equal(w1.thread, w0.thread));

	/* The same LP always runs on the same thread. */
	w1.other = NULL;
	assert_int_equal(platform_lp_call(plat, 1, record_where, &w1), 0);
	assert_int_equal(w1.calls, 2);
	assert_false(pthread_equal(w1.thread, w0.thread));
	assert_false(lp_on_own_thread(platform_lp(plat, 0)));
	platform_destroy(plat);
}

struct nested {
	struct platform *plat;
	int ret;
	struct where inner;
};

static void call_self(struct plat_lp *lp, void *arg)
{
	struct nested *n = arg;

	n->ret = platform_lp_call(n->plat, lp_index(lp), record_where, &n->inner);
}

static void test_lp_call_from_own_thread_runs_inline(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct nested n = { .plat = plat };

	(void)state;
	assert_int_equal(platform_lp_call(plat, 0, call_self, &n), 0);
	assert_int_equal(n.ret, 0);
	assert_int_equal(n.inner.calls, 1);
	assert_true(n.inner.own);
	platform_destroy(plat);
}

static void test_lp_call_bad_index_is_enxio(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct where w = { 0 };

	(void)state;
	platform_start_aps(plat);
	assert_int_equal(platform_lp_call(plat, 2, record_where, &w), -ENXIO);
	assert_int_equal(platform_lp_call(plat, ~0U, record_where, &w), -ENXIO);
	assert_int_equal(w.calls, 0);
	platform_destroy(plat);
}

/* ---- topology ---- */

static void test_lp_x2apic_ids_are_unique_and_encode_the_package(void **state)
{
	static const char *const ov[] = { "packages=3", "lps=9", NULL };
	struct platform *plat = unit_platform(ov, false);
	unsigned int n = platform_nr_lps(plat);

	(void)state;
	assert_int_equal(n, 9);
	for (unsigned int i = 0; i < n; i++) {
		struct plat_lp *lp = platform_lp(plat, i);

		assert_int_equal(lp_index(lp), i);
		assert_int_equal(lp_package(lp), i / 3);
		/* Three LPs per package need two thread bits. */
		assert_int_equal(lp_x2apic_id(lp) >> 2, lp_package(lp));
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(lp_x2apic_id(platform_lp(plat, j)), lp_x2apic_id(lp));
	}
	platform_destroy(plat);
}

static void test_lp_x2apic_ids_unique_on_a_large_platform(void **state)
{
	static const char *const ov[] = { "packages=8", "lps=1000", NULL };
	struct platform *plat = unit_platform(ov, false);
	static bool seen[1U << 16];
	unsigned int n = platform_nr_lps(plat);

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(n, 1000);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id = lp_x2apic_id(platform_lp(plat, i));

		assert_true(id < TDX_ARRAY_SIZE(seen));
		assert_false(seen[id]);
		seen[id] = true;
	}
	platform_destroy(plat);
}

/* ---- modes ---- */

static void test_lp_enter_acm_twice_is_ebusy(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp = platform_lp(plat, 0);

	(void)state;
	assert_int_equal(lp_enter_acm(lp), 0);
	assert_int_equal(lp_mode(lp), LP_MODE_ACM);
	assert_int_equal(lp_enter_acm(lp), -EBUSY);
	lp_exit_acm(lp);
	assert_int_equal(lp_mode(lp), LP_MODE_NORMAL);
	/* EXITAC outside an ACM changes nothing. */
	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(lp_enter_acm(lp), -EBUSY);
	lp_exit_acm(lp);
	assert_int_equal(lp_mode(lp), LP_MODE_SEAM);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_lp_smxe_and_vmcs_pointer_are_per_lp(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp0 = platform_lp(plat, 0), *lp1 = platform_lp(plat, 1);

	(void)state;
	assert_false(lp_smxe(lp0));
	lp_set_smxe(lp0, true);
	assert_true(lp_smxe(lp0));
	assert_false(lp_smxe(lp1));
	lp_set_smxe(lp0, false);
	assert_false(lp_smxe(lp0));

	assert_int_equal(lp_current_vmcs(lp0), 0);
	lp_set_current_vmcs(lp0, 0x12345000);
	assert_int_equal(lp_current_vmcs(lp0), 0x12345000);
	assert_int_equal(lp_current_vmcs(lp1), 0);
	platform_destroy(plat);
}

static void test_lp_vmxon_needs_a_running_lp_in_normal_mode(void **state)
{
	struct platform *plat = unit_platform(NULL, false);
	struct plat_lp *lp0 = platform_lp(plat, 0), *lp1 = platform_lp(plat, 1);

	(void)state;
	assert_int_equal(lp_vmxon(lp1), -EINVAL);
	assert_false(lp_in_vmx_operation(lp1));
	platform_test_set_lp_mode(lp0, LP_MODE_ACM);
	assert_int_equal(lp_vmxon(lp0), -EINVAL);
	assert_false(lp_in_vmx_operation(lp0));
	platform_test_set_lp_mode(lp0, LP_MODE_NORMAL);
	assert_int_equal(lp_vmxon(lp0), 0);
	assert_true(lp_in_vmx_operation(lp0));
	assert_false(lp_in_vmx_operation(lp1));
	lp_vmxoff(lp0);
	assert_false(lp_in_vmx_operation(lp0));
	platform_start_aps(plat);
	assert_int_equal(lp_vmxon(lp1), 0);
	platform_destroy(plat);
}

/* ---- SEAMCALL ---- */

struct sc {
	struct tdx_module_args args;
	enum seamcall_result res;
};

static void do_seamcall(struct plat_lp *lp, void *arg)
{
	struct sc *s = arg;

	s->res = lp_seamcall(lp, &s->args);
}

/* SEAMCALL with @rax on LP @lp's thread. */
static enum seamcall_result seamcall_on(struct platform *plat, unsigned int lp, uint64_t rax)
{
	struct sc s = { .args = { .rax = rax } };

	assert_int_equal(platform_lp_call(plat, lp, do_seamcall, &s), 0);
	return s.res;
}

struct entry_log {
	unsigned int calls;
	unsigned int lp;
	enum lp_mode mode;
	void *ctx;
	struct tdx_module_args args;
	enum seamcall_result nested;
};

static void logging_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args)
{
	struct entry_log *log = ctx;

	log->calls++;
	log->lp = lp_index(lp);
	log->mode = lp_mode(lp);
	log->ctx = ctx;
	log->args = *args;
	/* SEAMCALL from inside SEAM is #UD. */
	log->nested = lp_seamcall(lp, args);
	args->rax = 0xC0DE;
	args->r8 = args->rcx + 1;
}

static void register_pseamldr(struct platform *plat, seam_entry_fn fn, void *ctx,
			      bool ready)
{
	struct plat_lp *lp = platform_lp(plat, 0);
	struct seamextend ext;

	platform_test_set_lp_mode(lp, LP_MODE_ACM);
	assert_int_equal(platform_set_pseamldr_entry(lp, fn, ctx), 0);
	platform_seamextend_read(plat, &ext);
	ext.p_seamldr_ready = ready;
	assert_int_equal(platform_seamextend_write(lp, &ext), 0);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
}

static void register_module(struct platform *plat, unsigned int lp_index_, seam_entry_fn fn,
			    void *ctx, bool ready)
{
	struct plat_lp *lp = platform_lp(plat, 0);
	struct seamextend ext;

	platform_test_set_lp_mode(lp, LP_MODE_SEAM);
	assert_int_equal(platform_set_module_entry(lp, lp_index_, fn, ctx), 0);
	platform_seamextend_read(plat, &ext);
	ext.seam_ready = ready;
	assert_int_equal(platform_seamextend_write(lp, &ext), 0);
	platform_test_set_lp_mode(lp, LP_MODE_NORMAL);
}

static void test_lp_seamcall_off_own_thread_is_ud(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct plat_lp *lp = platform_lp(plat, 0);
	struct tdx_module_args args = { .rax = SEAMLDR_INFO };
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, logging_entry, &log, true);
	assert_int_equal(lp_vmxon(lp), 0);
	assert_int_equal(lp_seamcall(lp, &args), SEAMCALL_UD);
	assert_int_equal(log.calls, 0);
	/* The same SEAMCALL from the LP's own thread goes through. */
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_VMSUCCEED);
	assert_int_equal(log.calls, 1);
	platform_destroy(plat);
}

static void test_lp_seamcall_without_vmxon_is_ud(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, logging_entry, &log, true);
	register_module(plat, 0, logging_entry, &log, true);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_UD);
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_UD);
	assert_int_equal(log.calls, 0);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	lp_vmxoff(platform_lp(plat, 0));
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_UD);
	assert_int_equal(log.calls, 0);
	platform_destroy(plat);
}

static void test_lp_seamcall_from_acm_is_ud(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, logging_entry, &log, true);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	platform_test_set_lp_mode(platform_lp(plat, 0), LP_MODE_ACM);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_UD);
	assert_int_equal(log.calls, 0);
	platform_test_set_lp_mode(platform_lp(plat, 0), LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_lp_seamcall_before_seam_enable_is_gp(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	register_pseamldr(plat, logging_entry, &log, true);
	register_module(plat, 0, logging_entry, &log, true);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_GP);
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_GP);
	assert_int_equal(log.calls, 0);
	platform_destroy(plat);
}

static void test_lp_seamcall_without_entry_is_vmfailinvalid(void **state)
{
	struct platform *plat = unit_platform(NULL, true);

	(void)state;
	unit_seam_enable(plat);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_VMFAILINVALID);
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_VMFAILINVALID);
	/* The failed P-SEAMLDR call did not leave P-SEAMLDR marked busy. */
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_VMFAILINVALID);
	assert_int_equal(lp_mode(platform_lp(plat, 0)), LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_lp_seamcall_pseamldr_not_ready_is_vmfailinvalid(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, logging_entry, &log, false);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_VMFAILINVALID);
	assert_int_equal(log.calls, 0);
	/* Not busy afterwards: once ready, the next call enters. */
	register_pseamldr(plat, logging_entry, &log, true);
	assert_int_equal(seamcall_on(plat, 0, SEAMLDR_INFO), SEAMCALL_VMSUCCEED);
	assert_int_equal(log.calls, 1);
	platform_destroy(plat);
}

static void test_lp_seamcall_pseamldr_runs_entry_in_seam_mode(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };
	struct sc s = { .args = { .rax = SEAMLDR_SEAMINFO, .rcx = 0x1111, .rdx = 0x2222,
				  .r9 = 0x9999, .rsi = 0x5151 } };

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, logging_entry, &log, true);
	platform_start_aps(plat);
	assert_int_equal(lp_vmxon(platform_lp(plat, 1)), 0);
	assert_int_equal(platform_lp_call(plat, 1, do_seamcall, &s), 0);
	assert_int_equal(s.res, SEAMCALL_VMSUCCEED);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.lp, 1);
	assert_int_equal(log.mode, LP_MODE_SEAM);
	assert_ptr_equal(log.ctx, &log);
	assert_int_equal(log.args.rax, SEAMLDR_SEAMINFO);
	assert_int_equal(log.args.rcx, 0x1111);
	assert_int_equal(log.args.rdx, 0x2222);
	assert_int_equal(log.args.r9, 0x9999);
	assert_int_equal(log.args.rsi, 0x5151);
	assert_int_equal(log.nested, SEAMCALL_UD);
	/* The callee's outputs come back; the LP is back in normal mode. */
	assert_int_equal(s.args.rax, 0xC0DE);
	assert_int_equal(s.args.r8, 0x1112);
	assert_int_equal(lp_mode(platform_lp(plat, 1)), LP_MODE_NORMAL);
	platform_destroy(plat);
}

/* ---- one LP at a time inside P-SEAMLDR ---- */

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool inside;
	bool release;
	unsigned int entered;
};

static bool gate_wait(struct gate *g, bool *flag)
{
	struct timespec ts;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&g->lock);
	while (!*flag && ok)
		ok = pthread_cond_timedwait(&g->cond, &g->lock, &ts) == 0 || *flag;
	ok = *flag;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

static void gate_set(struct gate *g, bool *flag)
{
	pthread_mutex_lock(&g->lock);
	*flag = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* Holds P-SEAMLDR until the test opens the gate (the first caller only). */
static void blocking_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args)
{
	struct gate *g = ctx;
	bool first;

	(void)lp;
	pthread_mutex_lock(&g->lock);
	first = g->entered++ == 0;
	pthread_mutex_unlock(&g->lock);
	if (first) {
		gate_set(g, &g->inside);
		gate_wait(g, &g->release);
	}
	args->rax = 0;
}

struct holder {
	struct platform *plat;
	struct sc sc;
};

static void *hold_pseamldr(void *arg)
{
	struct holder *h = arg;

	h->sc.args.rax = SEAMLDR_INSTALL;
	platform_lp_call(h->plat, 0, do_seamcall, &h->sc);
	return NULL;
}

static void test_lp_seamcall_pseamldr_busy_on_other_lp_is_vmfailinvalid(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct gate g = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct holder h = { .plat = plat };
	enum seamcall_result second;
	pthread_t t;

	(void)state;
	unit_seam_enable(plat);
	register_pseamldr(plat, blocking_entry, &g, true);
	platform_start_aps(plat);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	assert_int_equal(lp_vmxon(platform_lp(plat, 1)), 0);

	assert_int_equal(pthread_create(&t, NULL, hold_pseamldr, &h), 0);
	if (!gate_wait(&g, &g.inside)) {
		gate_set(&g, &g.release);
		pthread_join(t, NULL);
		fail_msg("LP 0 never entered P-SEAMLDR");
	}
	second = seamcall_on(plat, 1, SEAMLDR_INFO);
	gate_set(&g, &g.release);
	pthread_join(t, NULL);

	assert_int_equal(second, SEAMCALL_VMFAILINVALID);
	assert_int_equal(h.sc.res, SEAMCALL_VMSUCCEED);
	assert_int_equal(g.entered, 1);
	/* Once LP 0 left, LP 1 gets in. */
	assert_int_equal(seamcall_on(plat, 1, SEAMLDR_INFO), SEAMCALL_VMSUCCEED);
	assert_int_equal(g.entered, 2);
	platform_destroy(plat);
}

/* ---- SEAMCALL to the module ---- */

static void test_lp_seamcall_module_needs_seam_ready(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_module(plat, 0, logging_entry, &log, false);
	assert_int_equal(lp_vmxon(platform_lp(plat, 0)), 0);
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_VMFAILINVALID);
	assert_int_equal(log.calls, 0);
	register_module(plat, 0, logging_entry, &log, true);
	assert_int_equal(seamcall_on(plat, 0, 0), SEAMCALL_VMSUCCEED);
	assert_int_equal(log.calls, 1);
	platform_destroy(plat);
}

static void test_lp_seamcall_module_runs_this_lps_entry_in_seam_mode(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log0 = { 0 }, log1 = { 0 };
	struct sc s = { .args = { .rax = 8, .rcx = 0x7000, .r15 = 0xF } };

	(void)state;
	unit_seam_enable(plat);
	register_module(plat, 0, logging_entry, &log0, true);
	register_module(plat, 1, logging_entry, &log1, true);
	platform_start_aps(plat);
	assert_int_equal(lp_vmxon(platform_lp(plat, 1)), 0);
	assert_int_equal(platform_lp_call(plat, 1, do_seamcall, &s), 0);
	assert_int_equal(s.res, SEAMCALL_VMSUCCEED);
	assert_int_equal(log0.calls, 0);
	assert_int_equal(log1.calls, 1);
	assert_int_equal(log1.lp, 1);
	assert_int_equal(log1.mode, LP_MODE_SEAM);
	assert_ptr_equal(log1.ctx, &log1);
	assert_int_equal(log1.args.rax, 8);
	assert_int_equal(log1.args.rcx, 0x7000);
	assert_int_equal(log1.args.r15, 0xF);
	assert_int_equal(log1.nested, SEAMCALL_UD);
	assert_int_equal(s.args.rax, 0xC0DE);
	assert_int_equal(s.args.r8, 0x7001);
	assert_int_equal(lp_mode(platform_lp(plat, 1)), LP_MODE_NORMAL);
	platform_destroy(plat);
}

static void test_lp_seamcall_module_without_this_lps_entry_is_vmfailinvalid(void **state)
{
	struct platform *plat = unit_platform(NULL, true);
	struct entry_log log = { 0 };

	(void)state;
	unit_seam_enable(plat);
	register_module(plat, 0, logging_entry, &log, true);
	platform_start_aps(plat);
	assert_int_equal(lp_vmxon(platform_lp(plat, 1)), 0);
	assert_int_equal(seamcall_on(plat, 1, 0), SEAMCALL_VMFAILINVALID);
	assert_int_equal(log.calls, 0);
	platform_destroy(plat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lp_power_on_runs_bsp_and_parks_aps),
		cmocka_unit_test(test_lp_call_to_ap_before_sipi_is_ehostdown),
		cmocka_unit_test(test_lp_call_runs_on_the_lps_own_thread),
		cmocka_unit_test(test_lp_call_from_own_thread_runs_inline),
		cmocka_unit_test(test_lp_call_bad_index_is_enxio),
		cmocka_unit_test(test_lp_x2apic_ids_are_unique_and_encode_the_package),
		cmocka_unit_test(test_lp_x2apic_ids_unique_on_a_large_platform),
		cmocka_unit_test(test_lp_enter_acm_twice_is_ebusy),
		cmocka_unit_test(test_lp_smxe_and_vmcs_pointer_are_per_lp),
		cmocka_unit_test(test_lp_vmxon_needs_a_running_lp_in_normal_mode),
		cmocka_unit_test(test_lp_seamcall_off_own_thread_is_ud),
		cmocka_unit_test(test_lp_seamcall_without_vmxon_is_ud),
		cmocka_unit_test(test_lp_seamcall_from_acm_is_ud),
		cmocka_unit_test(test_lp_seamcall_before_seam_enable_is_gp),
		cmocka_unit_test(test_lp_seamcall_without_entry_is_vmfailinvalid),
		cmocka_unit_test(test_lp_seamcall_pseamldr_not_ready_is_vmfailinvalid),
		cmocka_unit_test(test_lp_seamcall_pseamldr_runs_entry_in_seam_mode),
		cmocka_unit_test(test_lp_seamcall_pseamldr_busy_on_other_lp_is_vmfailinvalid),
		cmocka_unit_test(test_lp_seamcall_module_needs_seam_ready),
		cmocka_unit_test(test_lp_seamcall_module_runs_this_lps_entry_in_seam_mode),
		cmocka_unit_test(test_lp_seamcall_module_without_this_lps_entry_is_vmfailinvalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
