package dev.kvmop.host;

import java.util.List;
import java.util.Map;

/**
 * What a guest's directory must hold before its qemu starts: its own disks ({@code
 * disk-<index>.qcow2}, made once, kept afterwards) and its cloud-init seed (rewritten each time).
 *
 * @param seed seed file name to content, or null for a guest without a seed (then it is removed)
 */
public record DiskSetup(
    String guestDir, String workDir, List<Disk> disks, Map<String, String> seed) {
  public DiskSetup {
    disks = List.copyOf(disks);
  }

  /**
   * One disk: backed by a cached image (base sha256 and format, size in bytes or null for the
   * image's), or blank (size).
   */
  public record Disk(int index, String baseSha256, String baseFormat, Long sizeBytes) {
    public static Disk image(int index, String sha256, String format, Long sizeBytes) {
      return new Disk(index, sha256, format, sizeBytes);
    }

    public static Disk empty(int index, long sizeBytes) {
      return new Disk(index, null, null, sizeBytes);
    }

    public boolean isImage() {
      return baseSha256 != null;
    }
  }

  /** What became of each disk. */
  public enum State {
    /** Made now. */
    Created,
    /** Already there, made from the same source. */
    Kept,
    /** Its base image is not in the cache (any more). */
    BaseMissing,
    /** The size asked for is below the image's virtual size ({@link Report#virtualSizes}). */
    TooSmall,
    /** The existing disk was made from another source ({@link Report#previous}). */
    SourceChanged
  }

  /**
   * @param states the state of each disk, by index
   * @param virtualSizes the image's virtual size of each TooSmall disk
   * @param previous what each SourceChanged disk was made from ("image <sha256> <fmt>", "empty")
   */
  public record Report(
      Map<Integer, State> states, Map<Integer, Long> virtualSizes, Map<Integer, String> previous) {}
}
