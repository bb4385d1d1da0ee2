/*
 * Persistent platform identity: the fused root secret of one emulated
 * platform, kept in a state directory so that every process emulating
 * that platform (the VMM running TDs, the quote generation service whose
 * quoting enclave checks their TDREPORTs) uses the same secret.
 *
 * Directory: $TDX_EMU_STATE_DIR when set; else /var/lib/tdx-emu when it
 * exists or can be created and is writable; else
 * $HOME/.local/state/tdx-emu.  Files (created once, never rewritten):
 *
 *   platform-secret   32 random bytes, mode 0600: the root secret from
 *                     which the report key (platform_seam.h) derives.
 *
 * Without a state directory, platform_create() draws a fresh random
 * secret, as before: reports of such a platform verify nowhere else.
 */
#ifndef TDX_PLATFORM_STATE_H
#define TDX_PLATFORM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "emu_error.h"

#define PLATFORM_STATE_ENV		"TDX_EMU_STATE_DIR"
#define PLATFORM_STATE_SYSTEM_DIR	"/var/lib/tdx-emu"
#define PLATFORM_STATE_SECRET_FILE	"platform-secret"
#define PLATFORM_ROOT_SECRET_SIZE	32

/**
 * platform_state_dir_default() - the state directory to use when none is
 * given (see above), created (mode 0700) if missing.  Returns 0, or
 * -ENAMETOOLONG/-ENOENT/errno with @err saying which directories failed.
 */
int platform_state_dir_default(char *out, size_t len, struct emu_error *err);

/**
 * platform_state_load_or_create() - the root secret kept in @dir.
 * Creates @dir (0700) and @dir/platform-secret (0600, 32 bytes from the
 * OpenSSL DRBG) when missing; two processes racing to create it end up
 * with the same secret (the file is linked into place only if absent).
 * An existing file of any other size, or not a regular file, is refused
 * (-EINVAL) and left alone.
 */
int platform_state_load_or_create(const char *dir,
				  uint8_t secret[PLATFORM_ROOT_SECRET_SIZE],
				  struct emu_error *err);

#endif /* TDX_PLATFORM_STATE_H */
