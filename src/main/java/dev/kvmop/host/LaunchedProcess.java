package dev.kvmop.host;

/**
 * Identity of a launched qemu: pid plus start time in clock ticks since boot, on a given boot.
 *
 * @param adopted true when a live qemu with the guest's identity already existed and was kept
 */
public record LaunchedProcess(int pid, long startTicks, String bootId, boolean adopted) {}
