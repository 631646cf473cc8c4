package dev.kvmop.controller.guest;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.qemu.GuestDirs;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Maps a guest directory back to its KvmGuest. The directory is named {@code
 * <namespace>_<name>_<uid>}; Kubernetes names and namespaces cannot contain '_', so the split is
 * unambiguous. A name too long for a directory name is cut short there and marked (see {@link
 * GuestDirs}): that guest is found by its uid among the namespace's guests.
 */
final class GuestKeys {
  private GuestKeys() {}

  static Optional<ResourceID> resourceId(
      String guestDir, Function<String, List<KvmGuest>> guestsIn) {
    String base = guestDir.substring(guestDir.lastIndexOf('/') + 1);
    String[] parts = base.split("_");
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      return Optional.empty();
    }
    if (!parts[1].endsWith(GuestDirs.SHORTENED)) {
      return Optional.of(new ResourceID(parts[1], parts[0]));
    }
    return guestsIn.apply(parts[0]).stream()
        .filter(g -> parts[2].equals(g.getMetadata().getUid()))
        .findFirst()
        .map(ResourceID::fromResource);
  }
}
