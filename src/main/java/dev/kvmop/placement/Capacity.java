package dev.kvmop.placement;

/** A host's capacity: what its spec says, and the host's facts where the spec leaves it open. */
public final class Capacity {
  /** Memory kept for the host itself when capacity.memory comes from the facts. */
  public static final long RESERVED_MIB = 1024;

  private static final long MIB = 1L << 20;

  private Capacity() {}

  /**
   * @param specCpus spec.capacity.cpus; null or 0: the host's CPUs
   * @param specMemoryMiB spec.capacity.memory in MiB; null or 0: the host's memory less 1Gi
   * @param factCpus status.facts.cpus (null when not probed yet)
   * @param factMemoryBytes status.facts.memoryBytes (null when not probed yet)
   */
  public static Resources effective(
      Integer specCpus, Long specMemoryMiB, Integer factCpus, Long factMemoryBytes) {
    long cpus = specCpus != null && specCpus > 0 ? specCpus : (factCpus == null ? 0 : factCpus);
    long memory =
        specMemoryMiB != null && specMemoryMiB > 0
            ? specMemoryMiB
            : Math.max(0, (factMemoryBytes == null ? 0 : factMemoryBytes / MIB) - RESERVED_MIB);
    return new Resources(Math.max(0, cpus), memory);
  }

  /** capacity x overcommit, rounded down: what the guests of a host may take in total. */
  public static long limit(long capacity, double overcommit) {
    // The tolerance keeps e.g. 10 x 1.5 = 15.000000000000002 and 3 x 0.1 from rounding wrongly.
    return (long) Math.floor(capacity * overcommit + 1e-9);
  }
}
