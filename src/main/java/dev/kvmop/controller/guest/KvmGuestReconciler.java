package dev.kvmop.controller.guest;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusWriter;
import dev.kvmop.controller.guest.lifecycle.GuestDeletion;
import dev.kvmop.controller.guest.lifecycle.GuestLifecycle;
import dev.kvmop.controller.guest.lifecycle.GuestRun;
import dev.kvmop.controller.guest.lifecycle.GuestServices;
import dev.kvmop.controller.guest.lifecycle.Outcome;
import dev.kvmop.controller.guest.lifecycle.RestartPolicy;
import dev.kvmop.controller.guest.lifecycle.SecretReader;
import dev.kvmop.controller.guest.lifecycle.StopsInFlight;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Wires a KvmGuest's reconcile into JOSDK: a working copy of the guest ({@link GuestRun}) and one
 * {@link StatusWriter} per reconcile, handed to the state machine ({@link GuestLifecycle}) or, when
 * the guest is deleted, to {@link GuestDeletion}. Process state comes from the per-host probe
 * ({@link GuestProbes}), which also triggers reconciles when it changes ({@link
 * GuestEventSources}).
 */
// Not generation-aware: the action annotations must trigger a reconcile too (GuestUpdateFilter).
@ControllerConfiguration(
    name = "kvmguest",
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = GuestUpdateFilter.class))
public class KvmGuestReconciler implements Reconciler<KvmGuest>, Cleaner<KvmGuest> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KvmGuestReconciler.class);

  private final GuestEventSources sources;
  private final GuestLifecycle lifecycle;
  private final GuestDeletion deletion;
  private final Clock clock;

  public KvmGuestReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      GuestProbes probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock) {
    this(agents, directory, probes, events, metrics, clock, RestartPolicy.INITIAL_BACKOFF);
  }

  /** As the public constructor, with the first relaunch backoff given (tests shorten it). */
  KvmGuestReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      GuestProbes probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock,
      Duration initialBackoff) {
    this.clock = clock;
    this.sources = new GuestEventSources(probes, directory);
    GuestServices services =
        GuestServices.create(
            agents,
            directory,
            probes,
            events,
            metrics,
            clock,
            sources,
            ImageFetches.start(agents, clock, sources::wakeHost),
            StopsInFlight.start(clock));
    // A stop's end is an event of its guest: its handler carries on at once, not at the poll.
    services.stops().onEnd(sources::wakeGuest);
    this.lifecycle = new GuestLifecycle(services, initialBackoff);
    this.deletion = new GuestDeletion(services, sources::wakeHost);
  }

  @Override
  public List<EventSource<?, KvmGuest>> prepareEventSources(EventSourceContext<KvmGuest> ctx) {
    return sources.prepare(ctx);
  }

  @Override
  public UpdateControl<KvmGuest> reconcile(KvmGuest guest, Context<KvmGuest> ctx) {
    log.debug("{}/{} reconcile", guest.getMetadata().getNamespace(), guest.getMetadata().getName());
    Outcome next =
        lifecycle.reconcile(new GuestRun(guest, clock, secrets(ctx)), writer(guest, ctx));
    // Every phase is looked at again within Outcome.RECHECK, even when waiting for an event.
    return UpdateControl.<KvmGuest>noUpdate().rescheduleAfter(next.nextLook());
  }

  @Override
  public DeleteControl cleanup(KvmGuest guest, Context<KvmGuest> ctx) {
    log.debug("{}/{} cleanup", guest.getMetadata().getNamespace(), guest.getMetadata().getName());
    return deletion
        .cleanup(new GuestRun(guest, clock), writer(guest, ctx))
        .map(retry -> DeleteControl.noFinalizerRemoval().rescheduleAfter(retry))
        .orElseGet(DeleteControl::defaultDelete);
  }

  @Override
  public ErrorStatusUpdateControl<KvmGuest> updateErrorStatus(
      KvmGuest guest, Context<KvmGuest> ctx, Exception e) {
    GuestRun run = new GuestRun(guest, clock);
    run.conditions()
        .set(
            READY,
            false,
            GuestReasons.RECONCILE_ERROR,
            e.getClass().getSimpleName() + ": " + e.getMessage());
    // JOSDK writes this status itself; the writer only shapes it (identity and status).
    return ErrorStatusUpdateControl.patchStatus(writer(guest, ctx).intent(run.status()));
  }

  /** A GET of one Secret (the user-data of spec.cloudInit.userDataSecretRef). */
  private static SecretReader secrets(Context<KvmGuest> ctx) {
    return (namespace, name) ->
        Optional.ofNullable(ctx.getClient().secrets().inNamespace(namespace).withName(name).get());
  }

  /** The one writer of this reconcile's status. */
  private static StatusWriter<KvmGuestStatus, KvmGuest> writer(
      KvmGuest guest, Context<KvmGuest> ctx) {
    return new StatusWriter<>(guest, ctx, KvmGuest::new);
  }
}
