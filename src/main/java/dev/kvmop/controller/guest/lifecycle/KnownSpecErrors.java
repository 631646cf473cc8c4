package dev.kvmop.controller.guest.lifecycle;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spec errors only the host can find (a disk size below its image's virtual size), remembered for
 * the spec generation they were found in, so that {@link SpecCheck} keeps reporting them until the
 * spec changes. In memory: after an operator restart the next launch finds them again.
 */
final class KnownSpecErrors {
  private record Found(Long generation, String message) {}

  private final Map<String, Found> byUid = new ConcurrentHashMap<>();

  void found(GuestRun run, String message) {
    byUid.put(run.uid(), new Found(run.guest().getMetadata().getGeneration(), message));
  }

  void forget(String uid) {
    byUid.remove(uid);
  }

  /** The error found for this guest at its current generation, if any. */
  Optional<String> of(GuestRun run) {
    Found f = byUid.get(run.uid());
    if (f == null) {
      return Optional.empty();
    }
    if (!java.util.Objects.equals(f.generation(), run.guest().getMetadata().getGeneration())) {
      byUid.remove(run.uid(), f);
      return Optional.empty();
    }
    return Optional.of(f.message());
  }
}
