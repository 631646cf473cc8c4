package dev.kvmop.controller.guest;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.guest.lifecycle.ActionTokens;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which updates of a KvmGuest call for a reconcile: spec changes (generation), the action
 * annotations ({@link ActionTokens#annotations()}), deletion and finalizer changes. The annotations
 * do not bump the generation, so generation-aware filtering alone would leave a new action token
 * waiting for the next probe change or periodic recheck. The reconciler's own status writes still
 * cause no reconcile.
 */
public final class GuestUpdateFilter implements OnUpdateFilter<KvmGuest> {
  /**
   * JOSDK calls this with the NEW resource first ({@code ControllerEventSource.isAcceptedByFilters}
   * passes {@code (resource, oldResource)}). With the order swapped the deletion mark (set on the
   * new version only) was filtered out and a guest's deletion went unseen until its next change.
   */
  @Override
  public boolean accept(KvmGuest updated, KvmGuest previous) {
    return !Objects.equals(
            previous.getMetadata().getGeneration(), updated.getMetadata().getGeneration())
        || ActionTokens.annotations().stream()
            .anyMatch(key -> !Objects.equals(annotation(previous, key), annotation(updated, key)))
        || updated.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(
            previous.getMetadata().getFinalizers(), updated.getMetadata().getFinalizers());
  }

  private static String annotation(HasMetadata r, String key) {
    var a = r.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
