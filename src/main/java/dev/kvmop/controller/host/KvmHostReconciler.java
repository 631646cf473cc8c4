package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusWriter;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import io.fabric8.kubernetes.api.model.Secret;
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
import java.util.List;

/**
 * Keeps a KvmHost's status true: each reconcile runs {@link HostLifecycle} (validate, connect with
 * the Secret's key and the pinned host key, probe facts, prepare workDir, modules, bridge) and
 * comes back every probeIntervalSeconds; deletion is {@link HostDeletion}. This class only wires
 * JOSDK to them: it reads the Secret and the guests, and writes status through one {@link
 * StatusWriter} per reconcile.
 */
@ControllerConfiguration(name = "kvmhost")
public class KvmHostReconciler implements Reconciler<KvmHost>, Cleaner<KvmHost> {
  private final Clock clock;
  private final HostLifecycle lifecycle;
  private final HostDeletion deletion;
  private final HostEventSources sources = new HostEventSources();

  public KvmHostReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock) {
    HostParts parts = HostParts.of(agents, directory, events, metrics, clock);
    this.clock = clock;
    this.lifecycle = new HostLifecycle(parts);
    this.deletion = new HostDeletion(parts);
  }

  @Override
  public List<EventSource<?, KvmHost>> prepareEventSources(EventSourceContext<KvmHost> ctx) {
    return sources.prepare(ctx);
  }

  @Override
  public UpdateControl<KvmHost> reconcile(KvmHost host, Context<KvmHost> ctx) {
    var writer = writer(host, ctx);
    HostLifecycle.Result result = lifecycle.run(round(host, ctx, writer));
    writer.write(host.getStatus());
    UpdateControl<KvmHost> control = UpdateControl.noUpdate();
    return result.recheckAfter().map(control::rescheduleAfter).orElse(control);
  }

  @Override
  public DeleteControl cleanup(KvmHost host, Context<KvmHost> ctx) {
    return deletion.run(round(host, ctx, writer(host, ctx)))
            instanceof HostDeletion.Result.Wait wait
        ? DeleteControl.noFinalizerRemoval().rescheduleAfter(wait.after())
        : DeleteControl.defaultDelete();
  }

  @Override
  public ErrorStatusUpdateControl<KvmHost> updateErrorStatus(
      KvmHost host, Context<KvmHost> ctx, Exception e) {
    var writer = writer(host, ctx);
    var round = round(host, ctx, writer);
    round
        .conditions()
        .set(
            READY,
            false,
            HostReasons.RECONCILE_ERROR,
            e.getClass().getSimpleName() + ": " + e.getMessage());
    writer.write(round.status());
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private HostRound round(
      KvmHost host, Context<KvmHost> ctx, StatusWriter<KvmHostStatus, KvmHost> writer) {
    HostRound round =
        new HostRound(
            host,
            ctx.getSecondaryResource(Secret.class).orElse(null),
            sources.guestsOf(host),
            writer,
            clock);
    round.bridgeManagedBy = sources.bridgeManagedBefore(host);
    return round;
  }

  /** Made before the round changes the status: the writer keeps the status as received. */
  private static StatusWriter<KvmHostStatus, KvmHost> writer(KvmHost host, Context<KvmHost> ctx) {
    return new StatusWriter<>(host, ctx, KvmHost::new);
  }
}
