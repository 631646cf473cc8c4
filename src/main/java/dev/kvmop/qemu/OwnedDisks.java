package dev.kvmop.qemu;

import dev.kvmop.api.KvmGuestSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The disks a guest owns on its host: each {@code image} or {@code empty} disk of its spec is a
 * qcow2 file in the guest directory ({@link GuestDirs#disk(int)}), made by the operator. Disks with
 * a {@code path} are the host's and are used in place.
 */
public final class OwnedDisks {
  /** What an owned disk is made from. */
  public enum Kind {
    /** Backed by a base image from the host's cache. */
    Image,
    /** Blank. */
    Empty
  }

  /**
   * One owned disk of a validated spec.
   *
   * @param index its position in spec.disks, and so its file name
   * @param image the base image (Image disks), else null
   * @param sizeBytes the size asked for; null for an Image disk without size (the image's)
   */
  public record Disk(int index, Kind kind, KvmGuestSpec.Image image, Long sizeBytes) {
    /** "spec.disks[<index>]", for messages. */
    public String field() {
      return "spec.disks[" + index + "]";
    }

    /** The base's format: qcow2 or raw. */
    public String baseFormat() {
      return image == null || image.format == null ? "qcow2" : image.format;
    }
  }

  private OwnedDisks() {}

  /** The owned disks of a spec that passed validation, in spec order. */
  public static List<Disk> of(KvmGuestSpec spec) {
    List<Disk> owned = new ArrayList<>();
    if (spec.disks == null) {
      return owned;
    }
    for (int i = 0; i < spec.disks.size(); i++) {
      KvmGuestSpec.Disk d = spec.disks.get(i);
      if (d.image != null) {
        Long size = isEmpty(d.size) ? null : DiskQuantity.bytes(d.size);
        owned.add(new Disk(i, Kind.Image, d.image, size));
      } else if (d.empty != null) {
        owned.add(new Disk(i, Kind.Empty, null, DiskQuantity.bytes(d.empty.size)));
      }
    }
    return owned;
  }

  /** Whether the guest needs anything made on the host before it starts: owned disks or a seed. */
  public static boolean anyToPrepare(KvmGuestSpec spec) {
    return spec.cloudInit != null || !of(spec).isEmpty();
  }

  /** Whether spec.disks[index] is an owned disk (a file in the guest directory). */
  static boolean owned(KvmGuestSpec.Disk disk) {
    return disk.path == null || disk.path.isEmpty();
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
