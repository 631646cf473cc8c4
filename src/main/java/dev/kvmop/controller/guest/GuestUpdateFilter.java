package dev.kvmop.controller.guest;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.KvmGuest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Which updates of a KvmGuest call for a reconcile: spec changes (generation), the action
 * annotations ({@code kvmop.dev/reset}, {@code kvmop.dev/restart}), deletion and finalizer changes.
 * The annotations do not bump the generation, so generation-aware filtering alone would leave a new
 * action token waiting for the next probe change or periodic recheck. The reconciler's own status
 * writes still cause no reconcile.
 */
public final class GuestUpdateFilter implements OnUpdateFilter<KvmGuest> {
  @Override
  public boolean accept(KvmGuest before, KvmGuest after) {
    return !Objects.equals(
            before.getMetadata().getGeneration(), after.getMetadata().getGeneration())
        || !Objects.equals(
            annotation(before, Annotations.RESET), annotation(after, Annotations.RESET))
        || !Objects.equals(
            annotation(before, Annotations.RESTART), annotation(after, Annotations.RESTART))
        || after.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(
            before.getMetadata().getFinalizers(), after.getMetadata().getFinalizers());
  }

  private static String annotation(HasMetadata r, String key) {
    var a = r.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
