package dev.kvmop.controller.guest.lifecycle;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/** Reads one Secret with a GET (no Secret informer: user-data is read only when a guest starts). */
@FunctionalInterface
public interface SecretReader {
  SecretReader NONE = (namespace, name) -> Optional.empty();

  Optional<Secret> read(String namespace, String name);
}
