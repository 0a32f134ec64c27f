/* Baseline guest for the benchmark: an init that resets the VM at once.
 * With -no-reboot and reboot=t, QEMU exits on that reset. */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
