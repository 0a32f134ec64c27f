/* What the libkrun guest gets beyond its root: volumes (virtio-fs shares),
 * disks (virtio-blk), the network (TSI) and published ports, and, under
 * --root DIR, the agent itself. Runs in the VM child; the probe has already
 * refused whatever this libkrun cannot do, so a failure here is libkrun's. */
#include "job_build.h"
#include "libkrun_api.h"
#include "resources.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The agent is served read-only and executable; a directory for /run is
 * served where DIR lacks one, because the agent mounts its tmpfs there and
 * cannot create it on a read-only root. */
#define AGENT_FILE_MODE	 0100755
#define MOUNT_POINT_MODE 040755

/* Volume i has the tag the job names (job_build.c), so the agent mounts
 * the right share at the right guest path on either engine. */
static void add_volume(const struct libkrun_api *api, uint32_t ctx, size_t index,
		       const struct volume *volume)
{
	char tag[64];
	snprintf(tag, sizeof(tag), "%s%zu", VOLUME_TAG_PREFIX, index);
	/* krun_add_virtiofs3's flag makes libkrun's file server refuse
	 * writes, which the guest cannot undo by remounting. Without it a
	 * share is writable; the probe lets only rw volumes get here then. */
	if (api->add_virtiofs3)
		LIBKRUN_CALL("krun_add_virtiofs3",
			     api->add_virtiofs3(ctx, tag, volume->host, 0, volume->read_only));
	else if (volume->read_only)
		libkrun_vm_fail("krun_add_virtiofs3 (needed for a read-only volume)", -ENOTSUP);
	else if (api->add_virtiofs2)
		LIBKRUN_CALL("krun_add_virtiofs2", api->add_virtiofs2(ctx, tag, volume->host, 0));
	else
		LIBKRUN_CALL("krun_add_virtiofs", api->add_virtiofs(ctx, tag, volume->host));
}

/* The block id names the device to libkrun; the guest kernel names the
 * devices /dev/vda, /dev/vdb, ... in the order they are added (the root
 * is virtio-fs, so the disks are the only block devices). Using the same
 * names keeps the two in step for whoever reads libkrun's log. */
static void add_disk(const struct libkrun_api *api, uint32_t ctx, size_t index,
		     const struct disk *disk)
{
	char block_id[8];
	snprintf(block_id, sizeof(block_id), "vd%c", (char)('a' + index));
	LIBKRUN_CALL("krun_add_disk", api->add_disk(ctx, block_id, disk->path, disk->read_only));
}

/* Without a network device libkrun's networking is TSI over vsock: with
 * it the guest's AF_INET sockets are opened by libkrun on the host. The
 * vsock device also carries the agent's port, so it is always there; only
 * its TSI flag follows --net. */
static int configure_vsock(const struct libkrun_api *api, uint32_t ctx, int network)
{
	if (!libkrun_can_disable_network(api))
		return 1; /* the implicit device: TSI whatever we ask */
	LIBKRUN_CALL("krun_disable_implicit_vsock", api->disable_implicit_vsock(ctx));
	LIBKRUN_CALL("krun_add_vsock", api->add_vsock(ctx, network ? LIBKRUN_TSI_HIJACK_INET : 0));
	return network;
}

/* Where TSI is on, libkrun exposes every port the guest listens on unless
 * told otherwise: an explicit map, empty without --publish, exposes only
 * what was asked for. libkrun wants it after the network configuration. */
static void configure_ports(const struct libkrun_api *api, uint32_t ctx,
			    const struct resources *resources)
{
	if (!api->set_port_map) {
		if (resources->port_count)
			libkrun_vm_fail("krun_set_port_map (needed for --publish)", -ENOTSUP);
		return;
	}
	char(*entries)[24] = calloc(resources->port_count + 1, sizeof(*entries));
	const char **map = calloc(resources->port_count + 1, sizeof(*map));
	if (!entries || !map)
		libkrun_vm_fail("building the port map", -ENOMEM);
	for (size_t i = 0; i < resources->port_count; i++) {
		snprintf(entries[i], sizeof(entries[i]), "%u:%u", resources->ports[i].host_port,
			 resources->ports[i].guest_port);
		map[i] = entries[i];
	}
	/* Not freed: this process becomes the VM and ends with it. */
	LIBKRUN_CALL("krun_set_port_map", api->set_port_map(ctx, map));
}

void libkrun_configure_devices(const struct libkrun_api *api, uint32_t ctx,
			       const struct libkrun_vm_config *config)
{
	const struct resources *res = config->resources;
	for (size_t i = 0; i < res->volume_count; i++)
		add_volume(api, ctx, i, &res->volumes[i]);
	for (size_t i = 0; i < res->disk_count; i++)
		add_disk(api, ctx, i, &res->disks[i]);
	if (configure_vsock(api, ctx, config->network))
		configure_ports(api, ctx, res);
}

/* The whole binary in memory: libkrun serves it from there for the VM's
 * life (it does not copy it), which is this process's life. */
static uint8_t *read_agent(const char *path, size_t *length)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint8_t *data = malloc((size_t)st.st_size);
	size_t done = 0;
	while (data && done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, (size_t)st.st_size - done);
		if (n <= 0) {
			free(data);
			data = NULL;
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	*length = done;
	return data;
}

void libkrun_inject_agent(const struct libkrun_api *api, uint32_t ctx,
			  const struct libkrun_vm_config *config)
{
	size_t length = 0;
	uint8_t *agent = read_agent(config->agent_path, &length);
	if (!agent)
		libkrun_vm_fail("reading the agent binary", -(errno ? errno : EIO));
	/* Paths are relative to the share's root. Not one-shot: libkrun's
	 * init may look the file up more than once before it execs it. */
	LIBKRUN_CALL("krun_fs_add_overlay_file",
		     api->fs_add_overlay_file(ctx, LIBKRUN_ROOT_TAG, config->agent_guest_path + 1,
					      agent, length, AGENT_FILE_MODE, false));
	if (!config->root_has_run)
		LIBKRUN_CALL(
		    "krun_fs_add_overlay_dir",
		    api->fs_add_overlay_dir(ctx, LIBKRUN_ROOT_TAG, "run", MOUNT_POINT_MODE));
}
