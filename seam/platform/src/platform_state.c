/*
 * The persistent platform state directory (platform_state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "platform_state.h"

/* mkdir -p with mode 0700 for the directories this creates. */
static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int usable_dir(const char *dir)
{
	int ret = mkdir_p(dir);

	if (ret)
		return ret;
	return access(dir, W_OK | X_OK) ? -errno : 0;
}

int platform_state_dir_default(char *out, size_t len, struct emu_error *err)
{
	const char *env = getenv(PLATFORM_STATE_ENV);
	const char *home = getenv("HOME");
	char user[PATH_MAX];
	int ret;

	if (env && *env) {
		if (strlen(env) >= len)
			return emu_error_set(err, -ENAMETOOLONG, "%s: path too long",
					     PLATFORM_STATE_ENV);
		ret = usable_dir(env);
		if (ret)
			return emu_error_set(err, ret, "%s=%s: %s", PLATFORM_STATE_ENV, env,
					     strerror(-ret));
		strcpy(out, env);
		return 0;
	}
	if (!usable_dir(PLATFORM_STATE_SYSTEM_DIR)) {
		if (len <= strlen(PLATFORM_STATE_SYSTEM_DIR))
			return emu_error_set(err, -ENAMETOOLONG, "state dir: buffer too small");
		strcpy(out, PLATFORM_STATE_SYSTEM_DIR);
		return 0;
	}
	if (!home || !*home)
		return emu_error_set(err, -ENOENT,
				     "state dir: %s is not writable and $HOME is not set",
				     PLATFORM_STATE_SYSTEM_DIR);
	if ((size_t)snprintf(user, sizeof(user), "%s/.local/state/tdx-emu", home) >=
	    sizeof(user) || strlen(user) >= len)
		return emu_error_set(err, -ENAMETOOLONG, "state dir: $HOME too long");
	ret = usable_dir(user);
	if (ret)
		return emu_error_set(err, ret, "state dir: neither %s nor %s is usable: %s",
				     PLATFORM_STATE_SYSTEM_DIR, user, strerror(-ret));
	strcpy(out, user);
	return 0;
}

static int read_secret(const char *path, uint8_t secret[PLATFORM_ROOT_SECRET_SIZE],
		       struct emu_error *err)
{
	uint8_t buf[PLATFORM_ROOT_SECRET_SIZE + 1];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return emu_error_set(err, -EINVAL, "%s: not a regular file", path);
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != PLATFORM_ROOT_SECRET_SIZE) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return emu_error_set(err, -EINVAL, "%s: %zd bytes, expected %d", path, n,
				     PLATFORM_ROOT_SECRET_SIZE);
	}
	memcpy(secret, buf, PLATFORM_ROOT_SECRET_SIZE);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* Write a new secret beside the final name, then link it in only if absent. */
static int create_secret(const char *dir, const char *path, struct emu_error *err)
{
	uint8_t fresh[PLATFORM_ROOT_SECRET_SIZE];
	char tmp[PATH_MAX];
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, PLATFORM_STATE_SECRET_FILE,
			     (long)getpid()) >= sizeof(tmp))
		return emu_error_set(err, -ENAMETOOLONG, "%s: path too long", dir);
	if (RAND_priv_bytes(fresh, sizeof(fresh)) != 1)
		return emu_error_set(err, -EIO, "platform state: no entropy for the root secret");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		OPENSSL_cleanse(fresh, sizeof(fresh));
		return emu_error_set(err, ret, "%s: %s", tmp, strerror(-ret));
	}
	if (write(fd, fresh, sizeof(fresh)) != (ssize_t)sizeof(fresh) || fsync(fd))
		ret = -EIO;
	close(fd);
	OPENSSL_cleanse(fresh, sizeof(fresh));
	if (!ret && link(tmp, path) && errno != EEXIST)
		ret = -errno;
	unlink(tmp);
	if (ret)
		return emu_error_set(err, ret, "%s: cannot create: %s", path, strerror(-ret));
	return 0;
}

int platform_state_load_or_create(const char *dir,
				  uint8_t secret[PLATFORM_ROOT_SECRET_SIZE],
				  struct emu_error *err)
{
	char path[PATH_MAX];
	int ret;

	if (!dir || !*dir)
		return emu_error_set(err, -EINVAL, "platform state: empty directory name");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_STATE_SECRET_FILE) >=
	    sizeof(path))
		return emu_error_set(err, -ENAMETOOLONG, "%s: path too long", dir);
	ret = mkdir_p(dir);
	if (ret)
		return emu_error_set(err, ret, "%s: cannot create: %s", dir, strerror(-ret));
	ret = read_secret(path, secret, err);
	if (ret != -ENOENT) {
		if (ret && err && !err->code)
			emu_error_set(err, ret, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = create_secret(dir, path, err);
	if (ret)
		return ret;
	ret = read_secret(path, secret, err);
	if (ret && err && !err->code)
		emu_error_set(err, ret, "%s: %s", path, strerror(-ret));
	return ret;
}
