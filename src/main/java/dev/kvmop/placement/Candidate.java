package dev.kvmop.placement;

import java.util.Map;

/**
 * One host as placement sees it for one guest.
 *
 * @param labels the KvmHost's labels
 * @param ready Ready, connected, answering and not being deleted
 * @param schedulable false when cordoned (spec.schedulable)
 * @param networkNotReady the host reports NetworkReady=False (Bridge guests do not fit)
 * @param address whether its pool has the guest's address
 * @param maxGuests spec.maxGuests; 0 means no limit
 * @param capacity what guests may use before overcommit ({@link Capacity#effective})
 * @param cpuOvercommit spec.overcommit.cpu
 * @param memoryOvercommit spec.overcommit.memory
 * @param allocated the sum over the guests placed there
 * @param guests how many guests are placed there
 */
public record Candidate(
    String name,
    Map<String, String> labels,
    boolean ready,
    boolean schedulable,
    boolean networkNotReady,
    AddressCheck address,
    int maxGuests,
    Resources capacity,
    double cpuOvercommit,
    double memoryOvercommit,
    Resources allocated,
    int guests) {

  /** Guest vCPUs the host takes in total: capacity x overcommit, rounded down. */
  public long cpuLimit() {
    return Capacity.limit(capacity.cpus(), cpuOvercommit);
  }

  /** Guest memory (MiB) the host takes in total: capacity x overcommit, rounded down. */
  public long memoryLimit() {
    return Capacity.limit(capacity.memoryMiB(), memoryOvercommit);
  }

  /** Allocated memory as a fraction of memory capacity (how loaded the host is). */
  double memoryFraction() {
    if (capacity.memoryMiB() == 0) {
      return allocated.memoryMiB() == 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    return (double) allocated.memoryMiB() / capacity.memoryMiB();
  }
}
