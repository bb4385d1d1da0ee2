/*
 * The contract between the bench_tdcall image and bench/bench_tdcall.c.
 * Plain #defines only: the image (.S) and the bench include this file.
 *
 * The image is a command loop.  It reports BENCH_STEP_READY; the host's
 * R12..R15 on the VP.ENTER that answers it are the next command:
 *
 *	R12 = BENCH_CMD_VP_INFO, R13 = n	n TDG.VP.INFO calls
 *	R12 = BENCH_CMD_VMCALL, R13 = n		n vendor TDG.VP.VMCALLs
 *						(R10 = GUEST_REPORT_LEAF,
 *						R11 = BENCH_STEP_PING), each a
 *						TD exit the host answers at once
 *	R12 = BENCH_CMD_ACCEPT, R13 = GPA,	TDG.MEM.PAGE.ACCEPT of every page
 *	      R14 = bytes, R15 = level		of [GPA, GPA + bytes), level 0
 *						(4 KiB) or 1 (2 MiB)
 *	R12 = BENCH_CMD_DONE			GUEST_STEP_DONE, then halt
 *
 * A command runs between two reports, so the host can time it from one
 * TD exit to the other: BENCH_STEP_START (R12 = the command), then the
 * calls, then BENCH_STEP_END (R12 = calls that returned a non-zero RAX,
 * R13 = the first such RAX, R14 = calls made).  An unknown command
 * reports GUEST_STEP_FAULT (R12 = ~0, R13 = the command) and halts.
 */
#ifndef TDX_BENCH_TDCALL_H
#define TDX_BENCH_TDCALL_H

#define BENCH_CMD_DONE		0
#define BENCH_CMD_VP_INFO	1
#define BENCH_CMD_VMCALL	2
#define BENCH_CMD_ACCEPT	3

#define BENCH_STEP_READY	1
#define BENCH_STEP_START	2
#define BENCH_STEP_END		3
#define BENCH_STEP_PING		0x10

/* The ping exposes only R10 and R11 to the host (TDG.VP.VMCALL RCX). */
#define BENCH_PING_MASK		0x0C00

#endif /* TDX_BENCH_TDCALL_H */
