/*
 * Whole-file reads and crash-safe writes for the files tdxctl makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdxctl/tdxctl.h"

/* Nothing tdxctl reads (keys, images, blobs, ACMs) comes near this. */
#define TDXCTL_FILE_MAX		(256ULL << 20)

int tdxctl_file_read(const char *path, uint8_t **buf, size_t *len, struct emu_error *err)
{
	struct stat st;
	uint8_t *data;
	size_t done = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return emu_error_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = emu_error_set(err, -errno, "%s: stat: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > TDXCTL_FILE_MAX) {
		ret = emu_error_set(err, -EINVAL, "%s: not a regular file of at most %llu bytes",
				    path, TDXCTL_FILE_MAX);
		goto out_close;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		ret = emu_error_set(err, -ENOMEM, "%s: out of memory", path);
		goto out_close;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, data + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = emu_error_set(err, n < 0 ? -errno : -EIO, "%s: read: %s", path,
					    n < 0 ? strerror(errno) : "file shrank");
			free(data);
			goto out_close;
		}
		done += (size_t)n;
	}
	*buf = data;
	*len = done;
	ret = 0;
out_close:
	close(fd);
	return ret;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tdxctl_file_write(const char *path, const void *buf, size_t len, unsigned int mode,
		      struct emu_error *err)
{
	char tmp[4096];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return emu_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return emu_error_set(err, -errno, "%s: cannot create: %s", tmp, strerror(errno));
	ret = write_all(fd, buf, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return emu_error_set(err, ret, "%s: write: %s", path, strerror(-ret));
	}
	return 0;
}
