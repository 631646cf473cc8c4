package dev.kvmop.cli;

import dev.kvmop.host.HostException;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command about one guest ({@code [-n NAMESPACE] NAME}): finds it, its host and the host's
 * Secret, connects as the operator does, and turns every failure into one line on stderr and exit
 * code 1.
 */
abstract class GuestCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description = "Namespace of the guest (default: the kubeconfig context's, else default).")
  String namespace;

  @Parameters(index = "0", paramLabel = "NAME", description = "Name of the KvmGuest.")
  String name;

  /** The command's work, once the guest is found; returns the exit code. */
  abstract int run(GuestOnHost guest) throws CliException, InterruptedException;

  /** Refuses guests the command cannot serve (a console needs a running qemu). */
  void check(GuestOnHost guest) throws CliException {}

  @Override
  public Integer call() {
    CliLogging.quiet();
    try (KubernetesClient client = Kube.client()) {
      GuestOnHost guest = new GuestLookup(client).find(Kube.namespace(client, namespace), name);
      check(guest);
      return run(guest);
    } catch (CliException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } catch (RuntimeException e) {
      System.err.println("error: " + CliException.oneLine(String.valueOf(e.getMessage())));
      return 1;
    }
  }

  /** Connects to the guest's host with the pinned host key, as the operator does. */
  static RemoteShell connect(GuestOnHost guest) throws CliException {
    try {
      return new SshRemoteShellFactory().connect(guest.target());
    } catch (HostException e) {
      throw new CliException("kvmhost " + guest.host() + ": " + e.reason() + ": " + e.getMessage());
    }
  }

  /** A host failure after the connection was made. */
  static CliException failed(GuestOnHost guest, HostException e) {
    return new CliException("kvmhost " + guest.host() + ": " + e.reason() + ": " + e.getMessage());
  }
}
