package dev.kvmop.placement;

/** Virtual CPUs and memory in MiB. */
public record Resources(long cpus, long memoryMiB) {
  public static final Resources NONE = new Resources(0, 0);

  public Resources plus(Resources other) {
    return new Resources(cpus + other.cpus, memoryMiB + other.memoryMiB);
  }

  /** Memory as a Kubernetes quantity: whole GiB as {@code Gi}, else {@code Mi}. */
  public static String memoryText(long mib) {
    return mib != 0 && mib % 1024 == 0 ? (mib / 1024) + "Gi" : mib + "Mi";
  }
}
