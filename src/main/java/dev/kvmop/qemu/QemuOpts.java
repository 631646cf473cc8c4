package dev.kvmop.qemu;

/** qemu's comma-separated option syntax ({@code key=value,key=value}). */
public final class QemuOpts {
  private QemuOpts() {}

  /**
   * A value for a comma-separated option string: qemu reads {@code ,,} as a literal comma, so a
   * path such as {@code /img/a,b.qcow2} cannot inject {@code ,readonly=off} or another key.
   */
  public static String escape(String value) {
    return value.replace(",", ",,");
  }
}
