/*
 * spin: reports step 1, then spins forever without an exit of its own,
 * so only the host (preemption, platform_lp_kick()) gets it out.
 *
 *	1: 1
 */
#include "guest.h"
#include "guest_runtime.S"

	.globl	guest_main
guest_main:
	REPORT	1, $1
1:	pause
	jmp	1b
