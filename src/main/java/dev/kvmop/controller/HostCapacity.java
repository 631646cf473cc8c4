package dev.kvmop.controller;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.placement.Capacity;
import dev.kvmop.placement.Resources;
import dev.kvmop.qemu.MemoryQuantity;

/**
 * A host's capacity and overcommit as its spec (and, where it is left open, its facts) give them.
 */
public final class HostCapacity {
  private HostCapacity() {}

  /** spec.capacity, with the host's facts where it is 0 or empty. */
  public static Resources capacity(KvmHostSpec spec, HostFacts facts) {
    KvmHostSpec.Capacity c =
        spec == null || spec.capacity == null ? new KvmHostSpec.Capacity() : spec.capacity;
    Long memory = null;
    if (c.memory != null && !c.memory.isEmpty()) {
      try {
        memory = MemoryQuantity.toMebibytes(c.memory);
      } catch (IllegalArgumentException e) {
        // Left to the facts; the host's validation refuses such a spec, so it is never Ready.
        memory = null;
      }
    }
    return Capacity.effective(
        c.cpus,
        memory,
        facts == null ? null : facts.cpus,
        facts == null ? null : facts.memoryBytes);
  }

  public static double cpuOvercommit(KvmHostSpec spec) {
    return spec == null || spec.overcommit == null || spec.overcommit.cpu == null
        ? 4.0
        : spec.overcommit.cpu;
  }

  public static double memoryOvercommit(KvmHostSpec spec) {
    return spec == null || spec.overcommit == null || spec.overcommit.memory == null
        ? 1.0
        : spec.overcommit.memory;
  }

  /** What the guests of the host may take in total: capacity x overcommit. */
  public static Resources limits(KvmHostSpec spec, HostFacts facts) {
    Resources c = capacity(spec, facts);
    return new Resources(
        Capacity.limit(c.cpus(), cpuOvercommit(spec)),
        Capacity.limit(c.memoryMiB(), memoryOvercommit(spec)));
  }
}
