package dev.kvmop.controller.guest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.StatusConditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One reconcile of one guest: a working copy of its status, and the only code that writes status to
 * the API. Writes happen mid-reconcile where the design requires it (the address is persisted
 * before qemu starts) and once at the end; an unchanged status is not written.
 */
final class GuestRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KvmGuest guest;
  private final Context<KvmGuest> ctx;
  private final KvmGuestStatus status;
  private final StatusConditions conditions;
  private KvmGuestStatus written;

  GuestRun(KvmGuest guest, Context<KvmGuest> ctx, Clock clock) {
    this.guest = guest;
    this.ctx = ctx;
    this.written = copy(guest.getStatus());
    this.status = guest.getStatus() == null ? new KvmGuestStatus() : copy(guest.getStatus());
    this.status.observedGeneration = guest.getMetadata().getGeneration();
    this.conditions =
        new StatusConditions(status.conditions, guest.getMetadata().getGeneration(), clock);
  }

  KvmGuest guest() {
    return guest;
  }

  KvmGuestStatus status() {
    return status;
  }

  StatusConditions conditions() {
    return conditions;
  }

  String namespace() {
    return guest.getMetadata().getNamespace();
  }

  String name() {
    return guest.getMetadata().getName();
  }

  String uid() {
    return guest.getMetadata().getUid();
  }

  String hostId() {
    return KvmGuestReconciler.hostKey(guest);
  }

  String annotation(String key) {
    var a = guest.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  /** Writes the current status now (before an action that must not precede it). */
  void persist() {
    if (sameAsWritten()) {
      return;
    }
    if (ctx.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
      ctx.resourceOperations().serverSideApplyPrimaryStatus(fresh());
    } else {
      KvmGuest updated = JSON.convertValue(guest, KvmGuest.class);
      updated.setStatus(copy(status));
      ctx.resourceOperations().updatePrimaryStatus(updated);
    }
    written = copy(status);
  }

  UpdateControl<KvmGuest> finish(Duration requeue) {
    persist();
    UpdateControl<KvmGuest> control = UpdateControl.noUpdate();
    return requeue == null ? control : control.rescheduleAfter(requeue);
  }

  /** Identity and status only: what server-side apply of the status needs. */
  KvmGuest fresh() {
    KvmGuest fresh = new KvmGuest();
    fresh.setMetadata(new ObjectMetaBuilder().withName(name()).withNamespace(namespace()).build());
    fresh.setStatus(copy(status));
    return fresh;
  }

  private boolean sameAsWritten() {
    return written != null && Objects.equals(JSON.valueToTree(written), JSON.valueToTree(status));
  }

  static KvmGuestStatus copy(KvmGuestStatus s) {
    return s == null ? null : JSON.convertValue(s, KvmGuestStatus.class);
  }
}
