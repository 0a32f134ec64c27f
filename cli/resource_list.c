#include "cli/resource_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One more element of *array (count elements of size bytes each), zeroed;
 * NULL when out of memory (the array is unchanged). */
static void *append(void *array_ptr, size_t count, size_t size)
{
	void **array = array_ptr;
	char *grown = realloc(*array, (count + 1) * size);
	if (!grown)
		return NULL;
	*array = grown;
	memset(grown + count * size, 0, size);
	return grown + count * size;
}

/* A copy of s (NULL stays NULL); *failed set when there was no room. */
static char *copy(const char *s, int *failed)
{
	char *c = s ? strdup(s) : NULL;
	*failed |= s && !c;
	return c;
}

static int no_memory(const char *label, struct error *err)
{
	error_set(err, ENOMEM, "%s", label);
	return -1;
}

int resource_list_add_volume(struct resource_list *r, const char *host, const char *guest,
			     int read_only, const char *label, struct error *err)
{
	struct krunsh_volume *v = append(&r->volumes, r->volume_count, sizeof(*v));
	if (!v)
		return no_memory(label, err);
	r->volume_count++;
	int failed = 0;
	/* A relative path stays as given: the check refuses it. */
	char *canonical = host[0] == '/' ? realpath(host, NULL) : NULL;
	*v = (struct krunsh_volume){.host_path = copy(canonical ? canonical : host, &failed),
				    .guest_path = copy(guest, &failed),
				    .read_only = read_only,
				    .label = copy(label, &failed)};
	free(canonical);
	return failed ? no_memory(label, err) : 0;
}

int resource_list_add_tmpfs(struct resource_list *r, const char *guest, unsigned long flags,
			    const char *data, const char *label, struct error *err)
{
	struct krunsh_tmpfs *t = append(&r->tmpfs, r->tmpfs_count, sizeof(*t));
	if (!t)
		return no_memory(label, err);
	r->tmpfs_count++;
	int failed = 0;
	*t = (struct krunsh_tmpfs){.guest_path = copy(guest, &failed),
				   .flags = flags,
				   .data = copy(data, &failed),
				   .label = copy(label, &failed)};
	return failed ? no_memory(label, err) : 0;
}

int resource_list_add_disk(struct resource_list *r, const char *path, int read_only,
			   const char *label, struct error *err)
{
	struct krunsh_disk *d = append(&r->disks, r->disk_count, sizeof(*d));
	if (!d)
		return no_memory(label, err);
	r->disk_count++;
	int failed = 0;
	*d = (struct krunsh_disk){
	    .path = copy(path, &failed), .read_only = read_only, .label = copy(label, &failed)};
	return failed ? no_memory(label, err) : 0;
}

int resource_list_add_port(struct resource_list *r, unsigned host_port, unsigned guest_port,
			   const char *label, struct error *err)
{
	struct krunsh_port *p = append(&r->ports, r->port_count, sizeof(*p));
	if (!p)
		return no_memory(label, err);
	r->port_count++;
	int failed = 0;
	*p = (struct krunsh_port){
	    .host_port = host_port, .guest_port = guest_port, .label = copy(label, &failed)};
	return failed ? no_memory(label, err) : 0;
}

void resource_list_free(struct resource_list *r)
{
	/* The strings are the list's own: the const in the public types is
	 * the library's promise not to change them. */
	for (size_t i = 0; i < r->volume_count; i++) {
		free((char *)r->volumes[i].host_path);
		free((char *)r->volumes[i].guest_path);
		free((char *)r->volumes[i].label);
	}
	for (size_t i = 0; i < r->tmpfs_count; i++) {
		free((char *)r->tmpfs[i].guest_path);
		free((char *)r->tmpfs[i].data);
		free((char *)r->tmpfs[i].label);
	}
	for (size_t i = 0; i < r->disk_count; i++) {
		free((char *)r->disks[i].path);
		free((char *)r->disks[i].label);
	}
	for (size_t i = 0; i < r->port_count; i++)
		free((char *)r->ports[i].label);
	free(r->volumes);
	free(r->tmpfs);
	free(r->disks);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}
