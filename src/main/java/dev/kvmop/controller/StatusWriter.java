package dev.kvmop.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The one place status reaches the API server, for both kinds. One instance serves one reconcile:
 * it remembers the status last on record (as received, then as written) and writes only a status
 * that differs from it, so a steady resource costs no API write. With server-side apply (the {@code
 * run} default) it applies identity plus status; without it (API servers that lack SSA, such as the
 * embedded CRUD API) it replaces the status of the latest version it knows, and reads the resource
 * again when the server answers 409 Conflict.
 *
 * <p>Writes go through JOSDK's resource operations so that the controller's cache holds the written
 * version at once: the next reconcile starts from what was written, not from a stale copy.
 */
public final class StatusWriter<S, R extends CustomResource<?, S>> implements StatusSink<S> {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int CONFLICT_ATTEMPTS = 3;

  private final Context<R> ctx;
  private final Supplier<R> blank;
  private R onRecord;
  private JsonNode writtenStatus;

  /**
   * @param received the resource as this reconcile received it
   * @param blank makes an empty resource of the kind (identity is filled in here)
   */
  public StatusWriter(R received, Context<R> ctx, Supplier<R> blank) {
    this.ctx = ctx;
    this.blank = blank;
    this.onRecord = received;
    this.writtenStatus = JSON.valueToTree(received.getStatus());
  }

  /** Writes {@code status} unless it equals the status on record; returns whether it wrote. */
  @Override
  public boolean write(S status) {
    JsonNode next = JSON.valueToTree(status);
    if (Objects.equals(next, writtenStatus)) {
      return false;
    }
    R written = serverSideApply() ? apply(status) : replace(status);
    if (written != null) {
      onRecord = written;
    }
    writtenStatus = next;
    return true;
  }

  /**
   * Identity and status only: the fully specified intent server-side apply needs, and the object
   * JOSDK copies status from when it patches an error status itself.
   */
  public R intent(S status) {
    R fresh = blank.get();
    fresh.setMetadata(
        new ObjectMetaBuilder()
            .withName(onRecord.getMetadata().getName())
            .withNamespace(onRecord.getMetadata().getNamespace())
            .build());
    fresh.setStatus(copy(status));
    return fresh;
  }

  private boolean serverSideApply() {
    return ctx.getControllerConfiguration()
        .getConfigurationService()
        .useSSAToPatchPrimaryResource();
  }

  private R apply(S status) {
    return ctx.resourceOperations().serverSideApplyPrimaryStatus(intent(status));
  }

  private R replace(S status) {
    for (int attempt = 1; ; attempt++) {
      R next = copyOf(onRecord);
      next.setStatus(copy(status));
      try {
        return ctx.resourceOperations().updatePrimaryStatus(next);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        R latest = ctx.getClient().resource(onRecord).get();
        if (latest == null) {
          return null;
        }
        onRecord = latest;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private S copy(S status) {
    return status == null ? null : (S) JSON.convertValue(status, status.getClass());
  }

  @SuppressWarnings("unchecked")
  private R copyOf(R resource) {
    return (R) JSON.convertValue(resource, resource.getClass());
  }
}
