/*
 * Logical processors: one thread each, a synchronous cross-call (the
 * smp_call_function_single analogue), the LP's execution modes and the
 * SEAMCALL instruction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "platform_internal.h"
#include "platform_test.h"

/*
 * A cross-call is a hand-off between two threads, and on some hosts a
 * sleeping thread takes 25-30 us to wake (a condvar ping-pong measured
 * 53-67 us round trip on this project's machine).  Both sides spin for a
 * short while first; only then do they sleep.
 */
#define LP_SPIN_NS	30000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Spin until *@flag == @want (true) or LP_SPIN_NS have passed (false). */
static bool spin_for(const bool *flag, bool want)
{
	uint64_t start = now_ns();

	for (unsigned int i = 0;; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == want)
			return true;
		__builtin_ia32_pause();
		if ((i & 63) == 63 && now_ns() - start > LP_SPIN_NS)
			return false;
	}
}

static void *lp_thread_main(void *arg)
{
	struct plat_lp *lp = arg;

	pthread_mutex_lock(&lp->lock);
	for (;;) {
		if (!lp->work_pending && !lp->quit) {
			pthread_mutex_unlock(&lp->lock);
			spin_for(&lp->work_pending, true);
			pthread_mutex_lock(&lp->lock);
		}
		while (!lp->work_pending && !lp->quit)
			pthread_cond_wait(&lp->cond, &lp->lock);
		if (lp->quit)
			break;
		pthread_mutex_unlock(&lp->lock);
		lp->work_fn(lp, lp->work_arg);
		pthread_mutex_lock(&lp->lock);
		__atomic_store_n(&lp->work_pending, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&lp->cond);
	}
	pthread_mutex_unlock(&lp->lock);
	return NULL;
}

int lp_threads_start(struct platform *plat)
{
	unsigned int i;

	for (i = 0; i < plat->nr_lps; i++) {
		struct plat_lp *lp = &plat->lps[i];
		pthread_attr_t attr;
		int ret;

		pthread_mutex_init(&lp->lock, NULL);
		pthread_cond_init(&lp->cond, NULL);
		pthread_attr_init(&attr);
		/* SEAM code runs with modest stacks; 1 MiB keeps 1024 LPs cheap. */
		pthread_attr_setstacksize(&attr, 1 << 20);
		ret = pthread_create(&lp->thread, &attr, lp_thread_main, lp);
		pthread_attr_destroy(&attr);
		if (ret) {
			plat->nr_lps = i;
			lp_threads_stop(plat);
			return -ret;
		}
	}
	return 0;
}

void lp_threads_stop(struct platform *plat)
{
	for (unsigned int i = 0; i < plat->nr_lps; i++) {
		struct plat_lp *lp = &plat->lps[i];

		pthread_mutex_lock(&lp->lock);
		lp->quit = true;
		pthread_cond_broadcast(&lp->cond);
		pthread_mutex_unlock(&lp->lock);
		pthread_join(lp->thread, NULL);
		pthread_mutex_destroy(&lp->lock);
		pthread_cond_destroy(&lp->cond);
	}
}

int platform_lp_call(struct platform *plat, unsigned int index,
		     void (*fn)(struct plat_lp *lp, void *arg), void *arg)
{
	struct plat_lp *lp;

	if (index >= plat->nr_lps)
		return -ENXIO;
	lp = &plat->lps[index];
	if (lp->run_state != LP_RUNNING)
		return -EHOSTDOWN;
	if (lp_on_own_thread(lp)) {
		fn(lp, arg);
		return 0;
	}
	pthread_mutex_lock(&lp->lock);
	/* One caller at a time: wait for a previous cross-call to finish. */
	while (lp->work_pending)
		pthread_cond_wait(&lp->cond, &lp->lock);
	lp->work_fn = fn;
	lp->work_arg = arg;
	__atomic_store_n(&lp->work_pending, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&lp->cond);
	pthread_mutex_unlock(&lp->lock);
	/* Short calls finish while we spin; long ones (a TD running) we sleep through. */
	if (spin_for(&lp->work_pending, false))
		return 0;
	pthread_mutex_lock(&lp->lock);
	while (lp->work_pending)
		pthread_cond_wait(&lp->cond, &lp->lock);
	pthread_mutex_unlock(&lp->lock);
	return 0;
}

void platform_start_aps(struct platform *plat)
{
	for (unsigned int i = 0; i < plat->nr_lps; i++)
		plat->lps[i].run_state = LP_RUNNING;
}

unsigned int lp_index(const struct plat_lp *lp)
{
	return lp->index;
}

unsigned int lp_package(const struct plat_lp *lp)
{
	return lp->package;
}

uint32_t lp_x2apic_id(const struct plat_lp *lp)
{
	return lp->x2apic_id;
}

struct platform *lp_platform(struct plat_lp *lp)
{
	return lp->plat;
}

enum lp_run_state lp_run_state(const struct plat_lp *lp)
{
	return (enum lp_run_state)lp->run_state;
}

enum lp_mode lp_mode(const struct plat_lp *lp)
{
	return lp->mode;
}

bool lp_on_own_thread(const struct plat_lp *lp)
{
	return pthread_equal(pthread_self(), lp->thread);
}

int lp_enter_acm(struct plat_lp *lp)
{
	if (lp->mode != LP_MODE_NORMAL)
		return -EBUSY;
	lp->mode = LP_MODE_ACM;
	return 0;
}

void lp_exit_acm(struct plat_lp *lp)
{
	if (lp->mode == LP_MODE_ACM)
		lp->mode = LP_MODE_NORMAL;
}

void lp_set_smxe(struct plat_lp *lp, bool on)
{
	lp->smxe = on;
}

bool lp_smxe(const struct plat_lp *lp)
{
	return lp->smxe;
}

int lp_vmxon(struct plat_lp *lp)
{
	if (lp->run_state != LP_RUNNING || lp->mode != LP_MODE_NORMAL)
		return -EINVAL;
	lp->vmxon = true;
	return 0;
}

void lp_vmxoff(struct plat_lp *lp)
{
	lp->vmxon = false;
}

bool lp_in_vmx_operation(const struct plat_lp *lp)
{
	return lp->vmxon;
}

uint64_t lp_current_vmcs(const struct plat_lp *lp)
{
	return lp->current_vmcs;
}

void lp_set_current_vmcs(struct plat_lp *lp, uint64_t vmcs_pa)
{
	lp->current_vmcs = vmcs_pa;
}

/*
 * SEAMCALL: #UD off VMX root or when already in SEAM (or off this LP's
 * thread, which in the emulator means the caller is not running on this
 * LP); #GP while SEAMRR is not enabled; VMfailInvalid when the target is
 * not ready, or P-SEAMLDR is busy on another LP; otherwise the target's
 * entry runs in SEAM mode and returns its status in RAX (VMsucceed).
 */
enum seamcall_result lp_seamcall(struct plat_lp *lp, struct tdx_module_args *args)
{
	struct platform *plat = lp->plat;
	seam_entry_fn fn;
	void *ctx;

	if (!lp_on_own_thread(lp) || !lp->vmxon || lp->mode != LP_MODE_NORMAL)
		return SEAMCALL_UD;
	if (!plat->seam_enabled)
		return SEAMCALL_GP;

	if (args->rax & SEAMCALL_PSEAMLDR_BIT) {
		if (atomic_flag_test_and_set(&plat->pseamldr_busy))
			return SEAMCALL_VMFAILINVALID;
		pthread_mutex_lock(&plat->seam_lock);
		fn = plat->pseamldr_entry;
		ctx = plat->pseamldr_ctx;
		pthread_mutex_unlock(&plat->seam_lock);
		if (!fn || !plat->seamextend.p_seamldr_ready) {
			atomic_flag_clear(&plat->pseamldr_busy);
			return SEAMCALL_VMFAILINVALID;
		}
		lp->mode = LP_MODE_SEAM;
		fn(ctx, lp, args);
		lp->mode = LP_MODE_NORMAL;
		atomic_flag_clear(&plat->pseamldr_busy);
		return SEAMCALL_VMSUCCEED;
	}

	pthread_mutex_lock(&plat->seam_lock);
	fn = lp->module_entry;
	ctx = lp->module_ctx;
	if (!plat->seamextend.seam_ready)
		fn = NULL;
	pthread_mutex_unlock(&plat->seam_lock);
	if (!fn)
		return SEAMCALL_VMFAILINVALID;
	lp->mode = LP_MODE_SEAM;
	fn(ctx, lp, args);
	lp->mode = LP_MODE_NORMAL;
	return SEAMCALL_VMSUCCEED;
}

/* Unit tests only (platform_test.h). */
void platform_test_set_lp_mode(struct plat_lp *lp, enum lp_mode mode)
{
	lp->mode = mode;
}
