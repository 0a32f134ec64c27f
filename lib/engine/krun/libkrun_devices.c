/* The libkrun guest's devices: the root and the volumes (virtio-fs shares),
 * disks (virtio-blk), the network (virtio-net to passt) and the vsock device
 * that carries the agent's channel. Runs in the VM child; the probe has
 * already refused whatever this libkrun cannot do, so a failure here is
 * libkrun's. */
#include "lib/exec/job_build.h"
#include "lib/engine/krun/libkrun_api.h"
#include "lib/spec/resources.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

/* The tag the agent mounts as the lower layer of its overlay root
 * (guest_setup.c), the same on both engines. Not libkrun's "/dev/root",
 * which libkrun would also fill with its own init. */
#define ROOT_TAG "krunsh-root"

/* A locally administered address; passt learns it from the guest's first
 * frame, so its value does not matter beyond being unicast. */
static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* krun_add_virtiofs3's flag makes libkrun's file server refuse writes,
 * which the guest cannot undo by remounting. Without the call a share is
 * writable: the probe lets that happen only for rw volumes and, under
 * --allow-writable-root, for the root. */
static void add_share(const struct libkrun_api *api, uint32_t ctx, const char *tag,
		      const char *path, int read_only)
{
	/* shm_size 0: no DAX window, which the guest kernel does not use. */
	if (api->add_virtiofs3)
		LIBKRUN_CALL("krun_add_virtiofs3",
			     api->add_virtiofs3(ctx, tag, path, 0, read_only != 0));
	else if (read_only)
		libkrun_vm_fail("krun_add_virtiofs3 (needed to share read-only)", -ENOTSUP);
	else if (api->add_virtiofs2)
		LIBKRUN_CALL("krun_add_virtiofs2", api->add_virtiofs2(ctx, tag, path, 0));
	else
		LIBKRUN_CALL("krun_add_virtiofs", api->add_virtiofs(ctx, tag, path));
}

static void add_root(const struct libkrun_api *api, uint32_t ctx,
		     const struct libkrun_vm_config *config)
{
	if (!libkrun_can_share_read_only(api) && !config->allow_writable_root) {
		/* The probe refuses this already; kept so the child can never
		 * share the root writable by accident. */
		dprintf(2,
			"krunsh: libkrun: this libkrun cannot share %s read-only "
			"(krun_add_virtiofs3 is missing)\n",
			config->root);
		_exit(125);
	}
	add_share(api, ctx, ROOT_TAG, config->root, libkrun_can_share_read_only(api));
}

/* The block id names the device to libkrun; the guest kernel names the
 * devices /dev/vda, /dev/vdb, ... in the order they are added (the root
 * is virtio-fs, so the disks are the only block devices). Using the same
 * names keeps the two in step for whoever reads libkrun's log. */
/* The guest names them vda to vdz. */
_Static_assert(RESOURCES_MAX_DISKS <= 26, "more disks than block device letters");

static void add_disk(const struct libkrun_api *api, uint32_t ctx, size_t index,
		     const struct disk *disk)
{
	char block_id[8];
	snprintf(block_id, sizeof(block_id), "vd%c", (char)('a' + index));
	LIBKRUN_CALL("krun_add_disk", api->add_disk(ctx, block_id, disk->path, disk->read_only));
}

/* The vsock device carries the agent's port only. Its TSI would let
 * libkrun open the guest's sockets on the host and bind every port a guest
 * listens on, whatever the port map; krunsh's kernel has no TSI, and where
 * libkrun lets us, the device does not offer it either. */
static void configure_vsock(const struct libkrun_api *api, uint32_t ctx)
{
	if (!api->disable_implicit_vsock || !api->add_vsock)
		return;
	LIBKRUN_CALL("krun_disable_implicit_vsock", api->disable_implicit_vsock(ctx));
	LIBKRUN_CALL("krun_add_vsock", api->add_vsock(ctx, 0));
}

void libkrun_configure_devices(const struct libkrun_api *api, uint32_t ctx,
			       const struct libkrun_vm_config *config)
{
	add_root(api, ctx, config);
	const struct resources *res = config->resources;
	/* Volume i has the tag the job names (job_build.c), so the agent
	 * mounts the right share at the right guest path on either engine. */
	for (size_t i = 0; i < res->volume_count; i++) {
		char tag[64];
		snprintf(tag, sizeof(tag), "%s%zu", VOLUME_TAG_PREFIX, i);
		add_share(api, ctx, tag, res->volumes[i].host, res->volumes[i].read_only);
	}
	for (size_t i = 0; i < res->disk_count; i++)
		add_disk(api, ctx, i, &res->disks[i]);
	/* No DHCP flag: the agent configures eth0 itself, as under QEMU. */
	if (config->network_fd >= 0)
		LIBKRUN_CALL("krun_add_net_unixstream",
			     api->add_net_unixstream(ctx, NULL, config->network_fd, guest_mac,
						     LIBKRUN_NET_COMPAT_FEATURES, 0));
	configure_vsock(api, ctx);
	/* No input: the guest's stdin is the channel's. */
	if (config->serial_console_fd >= 0)
		LIBKRUN_CALL("krun_add_serial_console_default",
			     api->add_serial_console_default(ctx, -1, config->serial_console_fd));
}
