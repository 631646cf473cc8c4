package dev.kvmop.controller.guest;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;

/**
 * Maps a guest directory back to its KvmGuest. The directory is named {@code
 * <namespace>_<name>_<uid>}; Kubernetes names and namespaces cannot contain '_', so the split is
 * unambiguous.
 */
final class GuestKeys {
  private GuestKeys() {}

  static Optional<ResourceID> resourceId(String guestDir) {
    String base = guestDir.substring(guestDir.lastIndexOf('/') + 1);
    String[] parts = base.split("_");
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ResourceID(parts[1], parts[0]));
  }
}
