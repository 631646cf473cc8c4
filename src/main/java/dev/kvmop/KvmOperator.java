package dev.kvmop;

import dev.kvmop.controller.OperatorRuntime;
import dev.kvmop.controller.OperatorSettings;
import dev.kvmop.host.ConnectedHostAgents;
import dev.kvmop.host.HostConnections;
import dev.kvmop.host.HostException;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.RemoteShellFactory;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.local.GuestCleanup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Entry point: parses the command line and wires the parts together; no logic of its own. */
@Command(
    name = "kvm-operator",
    mixinStandardHelpOptions = true,
    subcommands = {
      KvmOperator.Run.class,
      KvmOperator.Local.class,
      dev.kvmop.cli.ConsoleCommand.class,
      dev.kvmop.cli.LogsCommand.class
    },
    description = "Runs KVM/qemu guests on bare-metal hosts over SSH, driven by KvmHost/KvmGuest.")
public final class KvmOperator {
  public static void main(String[] args) {
    System.exit(new CommandLine(new KvmOperator()).execute(args));
  }

  /** Flags both operator subcommands ({@code run}, {@code local}) accept. */
  static class Flags {
    @Option(names = "--namespace", description = "Namespace to watch (repeatable; default all).")
    List<String> namespaces = List.of();

    @Option(
        names = "--metrics-port",
        defaultValue = "8080",
        description = "Port of /metrics, /healthz, /readyz.")
    int metricsPort;

    @Option(names = "--leader-election", description = "Lease name; enables leader election.")
    String leaseName;

    @Option(names = "--threads", defaultValue = "16", description = "Reconciliation threads.")
    int threads;

    OperatorSettings settings(boolean serverSideApply, String lease) {
      Set<String> ns = new LinkedHashSet<>(namespaces);
      return new OperatorSettings(ns, metricsPort, lease, threads, serverSideApply);
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Reconcile against the current kubeconfig or in-cluster config.")
  static final class Run implements Callable<Integer> {
    static final String USER_AGENT = "kvm-operator";

    @Mixin Flags flags;

    @Option(
        names = "--no-server-side-apply",
        description =
            "Patch status with JSON patches instead of server-side apply; only for API servers"
                + " without it, such as the CRUD test API.")
    boolean noServerSideApply;

    @Override
    public Integer call() throws Exception {
      // A User-Agent of its own, so API audit logs (and the RBAC test) can tell its requests apart.
      io.fabric8.kubernetes.client.Config config =
          io.fabric8.kubernetes.client.Config.autoConfigure(null);
      config.setUserAgent(USER_AGENT);
      KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
      return serve(
          client, flags.settings(!noServerSideApply, flags.leaseName), () -> {}, client::close);
    }
  }

  @Command(
      name = "local",
      mixinStandardHelpOptions = true,
      description = "Start an in-process API on 127.0.0.1, apply the manifests and reconcile them.")
  static final class Local implements Callable<Integer> {
    @Mixin Flags flags;

    @Option(
        names = "--api-port",
        defaultValue = "0",
        description = "Port of the embedded API (0 = free port).")
    int apiPort;

    @Option(
        names = "--kubeconfig-out",
        defaultValue = "target/local/kubeconfig",
        description = "Where to write the kubeconfig of the embedded API.")
    Path kubeconfig;

    @Parameters(description = "Manifest files or directories to apply.")
    List<Path> manifests = List.of();

    @Override
    public Integer call() throws Exception {
      var api = dev.kvmop.local.LocalApiServer.startAuthenticated(apiPort);
      api.writeKubeconfig(kubeconfig);
      api.installBundledCrds();
      for (Path m : manifests) {
        api.apply(m);
      }
      System.out.println("embedded API on " + api.url() + "; kubeconfig: " + kubeconfig);
      // The CRUD API has no server-side apply; the leader-election flag is ignored here.
      return serve(
          api.client(),
          flags.settings(false, null),
          () -> GuestCleanup.deleteAll(api.client(), Duration.ofSeconds(60)),
          api::close);
    }
  }

  /**
   * Runs until the JVM is asked to stop; then, in order: beforeStop (while the operator still
   * reconciles), the operator, SSH connections, afterStop. One shutdown hook, because the JVM runs
   * separate hooks concurrently.
   */
  private static int serve(
      KubernetesClient client, OperatorSettings settings, Runnable beforeStop, Runnable afterStop)
      throws Exception {
    var meters = OperatorRuntime.Meters.create();
    var ssh =
        new SshRemoteShellFactory(
            (host, op, took, ok) -> meters.domain().sshCommand(host, op, took));
    RemoteShellFactory counted =
        target -> {
          try {
            RemoteShell shell = ssh.connect(target);
            meters.domain().sshConnect(target.hostId(), "success");
            return shell;
          } catch (HostException e) {
            meters.domain().sshConnect(target.hostId(), e.reason().name());
            throw e;
          }
        };
    var connections = new HostConnections(counted, Clock.systemUTC());
    var runtime =
        OperatorRuntime.start(settings, client, new ConnectedHostAgents(connections), meters);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  beforeStop.run();
                  runtime.close();
                  connections.closeAll();
                  afterStop.run();
                  stopped.countDown();
                },
                "operator-stop"));
    stopped.await();
    return 0;
  }
}
